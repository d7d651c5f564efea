"""Admission of a leaderboard: the checks every way in uses (the API, seed files), over plain values.

The contract's model checks a board on its own (season bounds, no prize on an all_time board).
What needs the catalogue is checked here: what the board ranks is something events add to, and
each prize names a reward that only a closing unlocks. The catalogue comes in as a `BoardSnapshot`:
what the API reads for one board, or what seeding reads once for a batch of files.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rewards_contract.enums import CounterKind, RewardConditionType
from rewards_contract.errors import (
    DetailType,
    PrizeNotAwarded,
    TooManyLeaderboards,
    UnknownCounter,
    UnknownReward,
    WrongCounterKind,
)
from rewards_contract.facts import ADDITIVE_FACTS
from rewards_contract.leaderboards import MAX_LEADERBOARDS, LeaderboardDefinition, Prize


@dataclass(frozen=True)
class BoardSnapshot:
    """What a board's admission reads of the catalogue; it may hold only what concerns the boards checked."""

    # Declared counters' kinds, by name.
    counters: Mapping[str, CounterKind] = field(default_factory=dict)
    # Each reward's condition types, by slug (active or not): at least the rewards the prizes name.
    conditions: Mapping[str, Sequence[str]] = field(default_factory=dict)


def admit_board(definition: LeaderboardDefinition, catalogue: BoardSnapshot) -> None:
    """Raise the first refusal of a new board, or return: it may be declared."""
    check_ranked(definition.ranks, catalogue.counters)
    check_prizes(definition.prizes, catalogue.conditions)


def check_ranked(name: str, counters: Mapping[str, CounterKind], field_name: str = "ranks") -> None:
    """What a board ranks (or a goal counts) must be something events add to: an additive built-in fact or a count counter."""
    if name in ADDITIVE_FACTS:
        return
    if name not in counters:
        raise UnknownCounter(
            f"{field_name}: {name!r} is neither a declared counter nor a built-in fact events add to "
            f"({', '.join(ADDITIVE_FACTS)}).",
            [{"field": field_name, "message": f"unknown counter {name!r}", "type": DetailType.UNKNOWN_COUNTER}],
        )
    if counters[name] is not CounterKind.COUNT:
        raise WrongCounterKind(
            f"{field_name}: {name!r} is a value counter; only what events add can be summed, so it needs a count counter.",
            [
                {
                    "field": field_name,
                    "message": "a value counter is set, not added",
                    "type": DetailType.WRONG_COUNTER_KIND,
                }
            ],
        )


def check_prizes(prizes: Sequence[Prize], conditions: Mapping[str, Sequence[str]]) -> None:
    """Each prize names a reward whose only condition is `awarded`: evaluation alone never unlocks it."""
    for index, prize in enumerate(prizes):
        check_awarded(prize.reward, conditions, f"prizes[{index}].reward")


def check_awarded(slug: str, conditions: Mapping[str, Sequence[str]], field_name: str) -> None:
    """A board's prize or a goal's reward names a reward whose only condition is `awarded`."""
    kinds = conditions.get(slug)
    if kinds is None:
        raise UnknownReward(
            f"{field_name}: no reward with slug {slug!r}.",
            [{"field": field_name, "message": "no such reward", "type": DetailType.UNKNOWN_REWARD}],
        )
    if list(kinds) != [RewardConditionType.AWARDED]:
        raise PrizeNotAwarded(
            f"{field_name}: {slug!r} must have `awarded` as its only condition, or every user who meets "
            "its conditions would unlock it on their next event.",
            [
                {
                    "field": field_name,
                    "message": "its only condition must be awarded",
                    "type": DetailType.PRIZE_NOT_AWARDED,
                }
            ],
        )


def stored_condition_types(rewards: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Each stored reward's condition types, by slug, from its document (read without validating it)."""
    return {doc["slug"]: [str(c.get("condition_type")) for c in doc.get("conditions") or []] for doc in rewards}


def check_room(declared: int) -> None:
    """Another board may be declared while fewer than MAX_LEADERBOARDS are (each active one rides in every cache)."""
    if declared >= MAX_LEADERBOARDS:
        raise TooManyLeaderboards(f"At most {MAX_LEADERBOARDS} leaderboards can be declared.")
