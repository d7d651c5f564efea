"""How each kind of reported activity changes the user's facts (pure)."""

from dataclasses import dataclass, field

from rewards_contract.events import (
    ActivityEvent,
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
    """Counters to add to and facts to overwrite; applied with $inc and $set, never read-modify-write."""

    increments: dict[str, int] = field(default_factory=dict)
    assignments: dict[str, int | bool] = field(default_factory=dict)

    @property
    def touched(self) -> set[str]:
        return set(self.increments) | set(self.assignments)


def event_change(event: ActivityEvent) -> FactsChange:
    """The change one reported event makes to the user's facts."""
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
    raise TypeError(f"no facts change is defined for {type(event).__name__}")


def update_change(assignments: dict[str, int | bool]) -> FactsChange:
    """The change a `PUT /facts` makes: the sent facts overwritten, nothing else."""
    return FactsChange(assignments=dict(assignments))
