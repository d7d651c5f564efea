"""A board's admission over plain values: what it ranks is added to by events; a prize is a reward only a closing gives."""

from typing import Any

import pytest
from rewards_contract.enums import CounterKind
from rewards_contract.errors import (
    PrizeNotAwarded,
    RewardsApiError,
    TooManyLeaderboards,
    UnknownCounter,
    UnknownReward,
    WrongCounterKind,
)
from rewards_contract.leaderboards import MAX_LEADERBOARDS, LeaderboardDefinition

from service.engine.board_admission import BoardSnapshot, admit_board, check_room, stored_condition_types

COUNTERS = {"messages_sent": CounterKind.COUNT, "mood": CounterKind.VALUE}
CONDITIONS = {"crown": ["awarded"], "earned": ["total_points"], "open": []}


def board(ranks: str = "total_points", *prizes: str) -> LeaderboardDefinition:
    return LeaderboardDefinition(
        slug="b",
        name="B",
        ranks=ranks,
        period="weekly",
        prizes=[{"from_rank": 1, "to_rank": 1, "reward": prize} for prize in prizes],
    )


@pytest.mark.parametrize("ranks", ["total_points", "messages_sent"])
def test_an_additive_fact_or_a_count_counter_with_an_awarded_prize_is_admitted(ranks: str) -> None:
    admit_board(board(ranks, "crown"), BoardSnapshot(COUNTERS, CONDITIONS))


@pytest.mark.parametrize(
    ("ranks", "refusal"), [("level", UnknownCounter), ("nowhere", UnknownCounter), ("mood", WrongCounterKind)]
)
def test_what_events_do_not_add_to_is_not_ranked(ranks: str, refusal: type[RewardsApiError]) -> None:
    with pytest.raises(refusal) as refused:
        admit_board(board(ranks), BoardSnapshot(COUNTERS, CONDITIONS))
    assert refused.value.details
    assert refused.value.details[0]["field"] == "ranks"


@pytest.mark.parametrize(
    ("prize", "refusal"), [("nowhere", UnknownReward), ("earned", PrizeNotAwarded), ("open", PrizeNotAwarded)]
)
def test_a_prize_names_a_stored_reward_whose_only_condition_is_awarded(
    prize: str, refusal: type[RewardsApiError]
) -> None:
    with pytest.raises(refusal) as refused:
        admit_board(board("total_points", "crown", prize), BoardSnapshot(COUNTERS, CONDITIONS))
    assert refused.value.details
    assert refused.value.details[0]["field"] == "prizes[1].reward"


def test_condition_types_are_read_from_stored_documents() -> None:
    stored: list[dict[str, Any]] = [
        {"slug": "crown", "conditions": [{"condition_type": "awarded"}]},
        {"slug": "bare", "conditions": []},
    ]
    assert stored_condition_types(stored) == {"crown": ["awarded"], "bare": []}


def test_the_board_past_the_limit_is_refused() -> None:
    check_room(MAX_LEADERBOARDS - 1)
    with pytest.raises(TooManyLeaderboards):
        check_room(MAX_LEADERBOARDS)
