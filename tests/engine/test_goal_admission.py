"""A goal's admission over plain values: what it counts is added to by events; its reward is one only the goal gives."""

from datetime import UTC, datetime

import pytest
from rewards_contract.enums import CounterKind
from rewards_contract.errors import (
    PrizeNotAwarded,
    RewardsApiError,
    TooManyGoals,
    UnknownCounter,
    UnknownReward,
    WrongCounterKind,
)
from rewards_contract.goals import MAX_GOALS, GoalDefinition

from service.engine.board_admission import BoardSnapshot
from service.engine.goal_admission import admit_goal, check_goal_room

CATALOGUE = BoardSnapshot(
    {"messages_sent": CounterKind.COUNT, "mood": CounterKind.VALUE}, {"hero": ["awarded"], "earned": ["total_points"]}
)


def goal(counts: str = "total_points", reward: str = "hero") -> GoalDefinition:
    return GoalDefinition(
        slug="g",
        name="G",
        counts=counts,
        target=100,
        starts_at=datetime(2026, 1, 1, tzinfo=UTC),
        ends_at=datetime(2026, 2, 1, tzinfo=UTC),
        reward=reward,
    )


@pytest.mark.parametrize("counts", ["total_points", "messages_sent"])
def test_an_additive_fact_or_a_count_counter_with_an_awarded_reward_is_admitted(counts: str) -> None:
    admit_goal(goal(counts), CATALOGUE)


@pytest.mark.parametrize(
    ("counts", "refusal"), [("level", UnknownCounter), ("nowhere", UnknownCounter), ("mood", WrongCounterKind)]
)
def test_what_events_do_not_add_to_is_not_counted(counts: str, refusal: type[RewardsApiError]) -> None:
    with pytest.raises(refusal) as refused:
        admit_goal(goal(counts), CATALOGUE)
    assert refused.value.details
    assert refused.value.details[0]["field"] == "counts"


@pytest.mark.parametrize(("reward", "refusal"), [("nowhere", UnknownReward), ("earned", PrizeNotAwarded)])
def test_the_reward_is_a_stored_reward_whose_only_condition_is_awarded(
    reward: str, refusal: type[RewardsApiError]
) -> None:
    with pytest.raises(refusal) as refused:
        admit_goal(goal(reward=reward), CATALOGUE)
    assert refused.value.details
    assert refused.value.details[0]["field"] == "reward"


def test_the_goal_past_the_limit_is_refused() -> None:
    check_goal_room(MAX_GOALS - 1)
    with pytest.raises(TooManyGoals):
        check_goal_room(MAX_GOALS)
