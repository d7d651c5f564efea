"""How each kind of reported activity changes the user's facts, and how an event is remembered (pure)."""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rewards_contract.enums import CounterKind
from rewards_contract.errors import DetailType, UnknownCounter, WrongCounterKind
from rewards_contract.events import (
    ActivityEvent,
    CounterEvent,
    DailyGiftEvent,
    LevelEvent,
    PointsEvent,
    PurchaseEvent,
    ReactionEvent,
    StreakEvent,
    VipEvent,
)


@dataclass(frozen=True)
class FactsChange:
    """Numbers to add to and facts to overwrite, by stored field (`total_points`, `counters.messages_sent`).

    Applied in one atomic update, never read-modify-write.
    """

    increments: dict[str, int] = field(default_factory=dict)
    assignments: dict[str, int | bool] = field(default_factory=dict)

    @property
    def touched(self) -> set[str]:
        return set(self.increments) | set(self.assignments)

    @property
    def counted(self) -> dict[str, int]:
        """What the change adds, by the name windows count it under (`total_points`, `messages_sent`)."""
        return {name.removeprefix(COUNTERS_FIELD + "."): amount for name, amount in self.increments.items()}


# Where a user's declared counters are stored in their facts document.
COUNTERS_FIELD = "counters"


def counter_change(event: CounterEvent, kinds: Mapping[str, CounterKind]) -> FactsChange:
    """A `counter` event's change; refused when the counter is not declared, or the event does not fit its kind."""
    kind = kinds.get(event.counter)
    if kind is None:
        raise UnknownCounter(
            f"counter: no counter named {event.counter!r} is declared (POST /v1/counters declares one).",
            [{"field": "counter", "message": f"unknown counter {event.counter!r}", "type": DetailType.UNKNOWN_COUNTER}],
        )
    stored = f"{COUNTERS_FIELD}.{event.counter}"
    if kind is CounterKind.COUNT:
        if event.amount is None:
            raise WrongCounterKind(
                f"value: {event.counter!r} is a count counter: send `amount` (how much to add), not `value`.",
                [{"field": "value", "message": "a count counter takes amount", "type": DetailType.WRONG_COUNTER_KIND}],
            )
        return FactsChange(increments={stored: event.amount})
    if event.value is None:
        raise WrongCounterKind(
            f"amount: {event.counter!r} is a value counter: send `value` (its new value), not `amount`.",
            [{"field": "amount", "message": "a value counter takes value", "type": DetailType.WRONG_COUNTER_KIND}],
        )
    return FactsChange(assignments={stored: event.value})


def event_change(event: ActivityEvent, kinds: Mapping[str, CounterKind] | None = None) -> FactsChange:
    """The change one reported event makes to the user's facts (`kinds`: the declared counters' kinds)."""
    match event:
        case DailyGiftEvent():
            return FactsChange(increments={"daily_gifts_count": 1})
        case ReactionEvent():
            return FactsChange(increments={"reactions_count": 1})
        case PurchaseEvent(amount=amount):
            return FactsChange(increments={"purchases_count": 1, "besitos_spent": amount})
        case PointsEvent(amount=amount):
            return FactsChange(increments={"total_points": amount})
        case StreakEvent(value=value):
            return FactsChange(assignments={"current_streak": value})
        case LevelEvent(value=value):
            return FactsChange(assignments={"level": value})
        case VipEvent(is_vip=is_vip):
            return FactsChange(assignments={"is_vip": is_vip})
        case CounterEvent():
            return counter_change(event, kinds or {})
    raise TypeError(f"no facts change is defined for {type(event).__name__}")


def update_change(assignments: dict[str, int | bool]) -> FactsChange:
    """The change a `PUT /facts` makes: the sent facts overwritten, nothing else."""
    return FactsChange(assignments=dict(assignments))


@dataclass(frozen=True)
class EventMark:
    """What is remembered of a counted event: its id, and a fingerprint of everything else it said.

    The fingerprint tells a retry of the event (replayed) from another event sent under the same id
    (refused with `event_id_reused`), without storing the payload.
    """

    event_id: str
    fingerprint: int

    @classmethod
    def of(cls, event: ActivityEvent) -> "EventMark":
        return cls(event.event_id, event_fingerprint(event))


def event_fingerprint(event: ActivityEvent) -> int:
    """A signed 64-bit digest of the parsed event without its id (a BSON int64).

    It is taken of the parsed values, so `5.0` and `5` give the same fingerprint, as do an omitted
    optional field and its default.
    """
    payload = event.model_dump(mode="json", exclude={"event_id"})
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def remembered_fingerprint(event_ids: Sequence[str], fingerprints: Sequence[int], event_id: str) -> int | None:
    """The fingerprint remembered with `event_id`, or None when the id was remembered without one.

    Both lists are trimmed to the same length from their oldest end, so they line up at their newest
    end; ids remembered before fingerprints were stored have none, at the oldest end of the ids.
    """
    position = len(event_ids) - 1 - list(reversed(event_ids)).index(event_id)
    offset = len(event_ids) - len(fingerprints)
    return fingerprints[position - offset] if position >= offset else None
