"""Seed files declare community goals with the API's checks: new ones declared, changed texts updated, the rest left."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from rewards_contract.goals import MAX_GOALS, GoalDefinition

from service.db import collections
from service.db.connection import Database
from service.operations import goals
from service.operations.catalog_version import current_catalog_version
from service.operations.rewards import load_active_rewards
from service.usecases.seeding import InvalidRewardFiles, apply_seed_plan, read_seed_plan, seed_catalog
from tests.support.factories import reward_payload
from tests.support.stored import stored_one

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
MESSAGES = {"name": "messages_sent", "kind": "count", "display_name": "Messages sent"}
HERO = reward_payload(slug="community-hero", conditions=[{"condition_type": "awarded"}])


def together(slug: str = "messages-together", **fields: Any) -> dict[str, Any]:
    """A month's goal of 10 000 messages whose contributors of at least 5 get the hero reward."""
    goal = {
        "slug": slug,
        "name": "Ten thousand messages together",
        "counts": "messages_sent",
        "target": 10_000,
        "starts_at": "2026-03-01T00:00:00Z",
        "ends_at": "2026-04-01T00:00:00Z",
        "reward": "community-hero",
        "min_contribution": 5,
    }
    return goal | fields


def write(path: Path, declared: list[dict[str, Any]], rewards: list[dict[str, Any]] | None = None) -> Path:
    """A seed file declaring the counter, the reward (or `rewards`) and these goals."""
    data = {"counters": [MESSAGES], "rewards": [HERO] if rewards is None else rewards, "goals": declared}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


async def stored_goal(slug: str = "messages-together") -> dict[str, Any]:
    return await stored_one(collections.goals(), {"slug": slug})


async def problems_of(paths: list[Path], *, prune: bool = False) -> list[str]:
    with pytest.raises(InvalidRewardFiles) as refused:
        await read_seed_plan(paths, prune=prune)
    return [str(problem) for problem in refused.value.problems]


async def test_a_file_declares_a_goal_with_its_counter_and_reward(database: Database, tmp_path: Path) -> None:
    plan = await seed_catalog([write(tmp_path / "g.yaml", [together()])], T0)

    assert [change.describe() for change in plan.all_changes] == [
        "create counter messages_sent",
        "create community-hero",
        "create goal messages-together",
    ]
    assert plan.summary.endswith("; goals: created 1, updated 0, unchanged 0, deactivated 0")
    goal = await stored_goal()
    assert (goal["counts"], goal["target"], goal["reward"], goal["min_contribution"]) == (
        "messages_sent",
        10_000,
        "community-hero",
        5,
    )
    assert (goal["starts_at"], goal["ends_at"], goal["created_at"]) == (
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 4, 1, tzinfo=UTC),
        T0,
    )
    assert [g.slug for g in (await load_active_rewards()).goals] == ["messages-together"]  # events feed it
    assert await current_catalog_version() == 1  # the counter, the reward and the goal: one change


async def test_a_new_goal_is_spread_over_the_shards_it_is_given(database: Database, tmp_path: Path) -> None:
    """As the API spreads it over REWARDS_GOAL_SHARDS: the app and rewards-seed pass the setting."""
    await seed_catalog([write(tmp_path / "g.yaml", [together()])], T0, goal_shards=3)

    assert (await stored_goal())["shards"] == 3


async def test_a_second_run_with_the_same_goal_writes_nothing(database: Database, tmp_path: Path) -> None:
    file = write(tmp_path / "g.yaml", [together(), together("points-together", counts="total_points")])
    await seed_catalog([file], T0)

    again = await seed_catalog([file], T1, goal_shards=7)

    assert again.goal_writes == []
    assert again.summary.endswith("; goals: created 0, updated 0, unchanged 2, deactivated 0")
    goal = await stored_goal()
    assert (goal["updated_at"], goal["shards"]) == (T0, 4)  # the shards a goal was declared with stay
    assert await current_catalog_version() == 1


async def test_changed_texts_and_activity_update_the_goal_and_keep_its_creation(
    database: Database, tmp_path: Path
) -> None:
    file = write(tmp_path / "g.yaml", [together()])
    await seed_catalog([file], T0)
    spanish = {"es": {"name": "Diez mil mensajes juntos"}}

    write(file, [together(name="10k messages", description="Talk!", translations=spanish, is_active=False)])
    plan = await seed_catalog([file], T1)

    assert [change.describe() for change in plan.goal_changes] == [
        "update goal messages-together: description, is_active, name, translations"
    ]
    goal = await stored_goal()
    assert (goal["name"], goal["description"], goal["translations"]["es"]["name"], goal["is_active"]) == (
        "10k messages",
        "Talk!",
        "Diez mil mensajes juntos",
        False,
    )
    assert (goal["created_at"], goal["updated_at"]) == (T0, T1)
    assert (await load_active_rewards()).goals == ()  # inactive: events feed it no more
    assert await current_catalog_version() == 2


@pytest.mark.parametrize(
    ("changed", "field", "kept"),
    [
        ({"counts": "total_points"}, "counts", "'messages_sent'"),
        ({"target": 20_000}, "target", "10000"),
        ({"starts_at": "2026-03-02T00:00:00Z"}, "starts_at", "2026-03-01T00:00:00+00:00"),
        ({"ends_at": "2026-05-01T00:00:00Z"}, "ends_at", "2026-04-01T00:00:00+00:00"),
        ({"reward": "another-hero"}, "reward", "'community-hero'"),
        ({"min_contribution": 1}, "min_contribution", "5"),
    ],
)
async def test_what_a_goal_counts_towards_and_gives_never_changes(
    database: Database, tmp_path: Path, changed: dict[str, Any], field: str, kept: str
) -> None:
    rewards = [HERO, reward_payload(slug="another-hero", conditions=[{"condition_type": "awarded"}])]
    file = write(tmp_path / "g.yaml", [together()], rewards=rewards)
    await seed_catalog([file], T0)
    before = await stored_goal()

    (problem,) = await problems_of([write(file, [together(**changed, name="Renamed")], rewards=rewards)])

    assert problem.startswith(
        f"{file}: item 0: field 'goals.{field}': goal 'messages-together' is stored with {field} {kept}; "
    )
    assert "never change (declare another goal)" in problem
    assert await stored_goal() == before  # not even the new name: nothing is written
    assert await current_catalog_version() == 1


@pytest.mark.parametrize(
    ("reward", "code"),
    [
        (reward_payload(slug="community-hero"), "prize_not_awarded"),  # a streak would unlock it for anyone
        (reward_payload(slug="another-reward"), "unknown_reward"),
    ],
)
async def test_a_bad_reward_is_refused_naming_the_file_and_field_and_nothing_is_written(
    database: Database, tmp_path: Path, reward: dict[str, Any], code: str
) -> None:
    file = write(tmp_path / "g.yaml", [together()], rewards=[reward])

    (problem,) = await problems_of([file])

    assert problem.startswith(f"{file}: item 0: field 'goals.reward': goal 'messages-together': {code}")
    assert await collections.rewards().count_documents({}) == 0
    assert await collections.goals().count_documents({}) == 0


async def test_a_reward_stored_earlier_counts(database: Database, tmp_path: Path) -> None:
    await seed_catalog([write(tmp_path / "reward.yaml", [])], T0)  # the counter and the reward, stored

    plan = await seed_catalog([write(tmp_path / "goal.yaml", [together()], rewards=[])], T1)

    assert [change.describe() for change in plan.goal_changes] == ["create goal messages-together"]


@pytest.mark.parametrize(
    ("counts", "code"),
    [("level", "unknown_counter"), ("nowhere", "unknown_counter"), ("reputation", "wrong_counter_kind")],
)
async def test_a_goal_counts_what_events_add_to(database: Database, tmp_path: Path, counts: str, code: str) -> None:
    reputation = {"name": "reputation", "kind": "value", "display_name": "Reputation"}
    file = write(tmp_path / "g.yaml", [together(counts=counts)])
    file.write_text(yaml.safe_dump({**yaml.safe_load(file.read_text()), "counters": [MESSAGES, reputation]}))

    (problem,) = await problems_of([file])

    assert f"field 'goals.counts': goal 'messages-together': {code}" in problem


async def test_a_window_that_ends_before_it_starts_is_refused_as_the_api_refuses_it(
    database: Database, tmp_path: Path
) -> None:
    file = write(tmp_path / "g.yaml", [together(ends_at="2026-02-01T00:00:00Z")])

    (problem,) = await problems_of([file])

    assert problem == f"{file}: item 0: field 'goals.ends_at': goal 'messages-together': must be after starts_at"


async def test_a_slug_declared_twice_is_a_problem(database: Database, tmp_path: Path) -> None:
    (problem,) = await problems_of([write(tmp_path / "g.yaml", [together(), together()])])

    assert problem.startswith(f"{tmp_path / 'g.yaml'}: item 1: field 'goals.slug': goal 'messages-together'")
    assert "declared twice" in problem


async def test_no_more_goals_than_the_limit(database: Database, tmp_path: Path) -> None:
    declared = [together(f"goal-{n}") for n in range(MAX_GOALS + 1)]

    (problem,) = await problems_of([write(tmp_path / "g.yaml", declared)])

    assert f"item {MAX_GOALS}: field 'goals': goal 'goal-{MAX_GOALS}': too_many_goals" in problem


async def test_prune_deactivates_goals_missing_from_the_files_and_keeps_them(
    database: Database, tmp_path: Path
) -> None:
    file = write(tmp_path / "g.yaml", [together(), together("points-together", counts="total_points")])
    await seed_catalog([file], T0)
    write(file, [together()])
    assert (await seed_catalog([file], T1)).goal_writes == []  # without prune, left alone

    plan = await seed_catalog([file], T1, prune=True)

    assert [change.describe() for change in plan.goal_changes] == [
        "unchanged goal messages-together",
        "deactivate goal points-together",
    ]
    points = await stored_goal("points-together")
    assert (points["is_active"], points["updated_at"], points["target"]) == (False, T1, 10_000)
    assert (await stored_goal())["is_active"] is True


async def test_a_goal_declared_between_the_plan_and_its_write_takes_the_files_texts(
    database: Database, tmp_path: Path
) -> None:
    """Another instance seeding at start-up declared it first: this one updates it instead of failing."""
    plan = await read_seed_plan([write(tmp_path / "g.yaml", [together()])], prune=False)
    await goals.insert_goal(GoalDefinition.model_validate(together(name="Theirs", target=5)), 2, T0)

    await apply_seed_plan(plan, T1)

    goal = await stored_goal()
    assert (goal["name"], goal["target"], goal["shards"]) == ("Ten thousand messages together", 5, 2)
    assert (goal["created_at"], goal["updated_at"]) == (T0, T1)
