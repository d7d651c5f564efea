"""How each kind of reported activity changes the user's facts (pure)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from rewards_contract.enums import CounterKind
from rewards_contract.errors import UnknownCounter, WrongCounterKind
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
            [{"field": "counter", "message": f"unknown counter {event.counter!r}", "type": "unknown_counter"}],
        )
    stored = f"{COUNTERS_FIELD}.{event.counter}"
    if kind is CounterKind.COUNT:
        if event.amount is None:
            raise WrongCounterKind(
                f"value: {event.counter!r} is a count counter: send `amount` (how much to add), not `value`.",
                [{"field": "value", "message": "a count counter takes amount", "type": "wrong_counter_kind"}],
            )
        return FactsChange(increments={stored: event.amount})
    if event.value is None:
        raise WrongCounterKind(
            f"amount: {event.counter!r} is a value counter: send `value` (its new value), not `amount`.",
            [{"field": "amount", "message": "a value counter takes value", "type": "wrong_counter_kind"}],
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
