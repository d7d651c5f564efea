"""The starter catalogue in catalog/ is valid and shows off everything the engine can do."""

from datetime import timedelta

from rewards_catalog import SHIPPED_CATALOG
from rewards_contract.enums import RewardConditionType, RewardType
from rewards_contract.leaderboards import BoardPeriod
from rewards_contract.rewards import RewardDefinition

from service.catalog_files import load_reward_files
from service.engine.board_admission import BoardSnapshot
from service.engine.seed_plan import (
    LoadedFiles,
    board_admission_problems,
    goal_admission_problems,
    plan_boards,
    plan_goals,
)


def loaded_files() -> LoadedFiles:
    loaded = load_reward_files([SHIPPED_CATALOG])
    assert loaded.problems == []
    return loaded


def shipped() -> list[RewardDefinition]:
    return [reward.definition for reward in loaded_files().rewards]


def test_shipped_catalogue_holds_10_to_25_valid_rewards() -> None:
    assert 10 <= len(shipped()) <= 25


def test_shipped_catalogue_uses_every_reward_type() -> None:
    assert {reward.reward_type for reward in shipped()} == set(RewardType)


def test_shipped_catalogue_uses_every_condition_type() -> None:
    used = {condition.condition_type for reward in shipped() for condition in reward.conditions}
    assert used == set(RewardConditionType)


def test_shipped_catalogue_has_an_or_group_of_at_least_two_alternatives() -> None:
    groups = [
        [c for c in reward.conditions if c.group == group]
        for reward in shipped()
        for group in {c.group for c in reward.conditions if c.group != 0}
    ]
    assert any(len(alternatives) >= 2 for alternatives in groups)


def test_shipped_catalogue_has_secret_and_repeatable_rewards() -> None:
    rewards = shipped()
    assert any(reward.is_secret for reward in rewards)
    assert any(reward.is_repeatable for reward in rewards)


def test_shipped_catalogue_has_a_one_shot_welcome_offer_for_non_vips() -> None:
    kinds = [{c.condition_type for c in reward.conditions} for reward in shipped()]
    assert {RewardConditionType.NOT_VIP, RewardConditionType.NOT_CLAIMED_BEFORE} in [
        k & {RewardConditionType.NOT_VIP, RewardConditionType.NOT_CLAIMED_BEFORE} for k in kinds
    ]


def test_shipped_catalogue_has_a_vip_extension_milestone() -> None:
    milestones = [
        reward
        for reward in shipped()
        if reward.reward_type is RewardType.VIP_EXTENSION
        and any(c.condition_type.is_threshold for c in reward.conditions)
    ]
    assert milestones


def test_shipped_catalogue_speaks_english_by_default_and_spanish_by_translation() -> None:
    """The defaults are English (REWARDS_DEFAULT_LANGUAGE's default); each reward also has Spanish texts."""
    for reward in shipped():
        spanish = reward.translations["es"]
        assert spanish.name, reward.slug
        assert spanish.description, reward.slug
        assert spanish.name != reward.name or reward.name == "Constancia", reward.slug


def test_shipped_catalogue_has_a_weekly_board_whose_prize_only_its_closing_gives() -> None:
    """Admitted as the API admits a board, against an empty database: the files hold all it needs."""
    loaded = loaded_files()
    changes, problems = plan_boards(loaded, [], prune=False)

    assert problems == []
    assert board_admission_problems(loaded, changes, BoardSnapshot(), declared=0) == []
    assert any(board.definition.period is BoardPeriod.WEEKLY and board.definition.prizes for board in loaded.boards)
    for board in loaded.boards:
        assert board.definition.translations["es"].name, board.definition.slug


def test_shipped_catalogue_has_a_goal_open_for_years_whose_reward_only_reaching_it_gives() -> None:
    """Admitted as the API admits a goal, against an empty database; a demo's goal is open whenever it is tried."""
    loaded = loaded_files()
    changes, problems = plan_goals(loaded, [], prune=False)

    assert problems == []
    assert goal_admission_problems(loaded, changes, BoardSnapshot(), declared=0) == []
    assert loaded.goals
    for goal in loaded.goals:
        assert goal.definition.ends_at - goal.definition.starts_at >= timedelta(days=5 * 365), goal.definition.slug
        assert goal.definition.translations["es"].name, goal.definition.slug
