"""User activity the bot reports, and how each kind changes the user's facts (pure)."""

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool, model_validator
from pydantic.json_schema import SkipJsonSchema

EventId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]
PositiveAmount = Annotated[int, Field(gt=0, le=10**12, strict=True)]


@dataclass(frozen=True)
class FactsChange:
    """Counters to add to and facts to overwrite; applied with $inc and $set, never read-modify-write."""

    increments: dict[str, int] = field(default_factory=dict)
    assignments: dict[str, int | bool] = field(default_factory=dict)

    @property
    def touched(self) -> set[str]:
        return set(self.increments) | set(self.assignments)


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: EventId


class DailyGiftEvent(_Event):
    """The user claimed the daily gift."""

    type: Literal["daily_gift"]

    def facts_change(self) -> FactsChange:
        return FactsChange(increments={"daily_gifts_count": 1})


class ReactionEvent(_Event):
    """The user reacted to content."""

    type: Literal["reaction"]

    def facts_change(self) -> FactsChange:
        return FactsChange(increments={"reactions_count": 1})


class PurchaseEvent(_Event):
    """The user bought something in the shop for `amount` besitos."""

    type: Literal["purchase"]
    amount: PositiveAmount

    def facts_change(self) -> FactsChange:
        return FactsChange(increments={"purchases_count": 1, "besitos_spent": self.amount})


class PointsEvent(_Event):
    """The user earned `amount` points."""

    type: Literal["points"]
    amount: PositiveAmount

    def facts_change(self) -> FactsChange:
        return FactsChange(increments={"total_points": self.amount})


class StreakEvent(_Event):
    """The user's current streak is now `value` days (0 after a break)."""

    type: Literal["streak"]
    value: int = Field(ge=0, le=10**6, strict=True)

    def facts_change(self) -> FactsChange:
        return FactsChange(assignments={"current_streak": self.value})


class LevelEvent(_Event):
    """The user is now at level `value`."""

    type: Literal["level"]
    value: int = Field(ge=1, le=10**6, strict=True)

    def facts_change(self) -> FactsChange:
        return FactsChange(assignments={"level": self.value})


class VipEvent(_Event):
    """The user became VIP, or stopped being VIP."""

    type: Literal["vip"]
    is_vip: StrictBool

    def facts_change(self) -> FactsChange:
        return FactsChange(assignments={"is_vip": self.is_vip})


ActivityEvent = Annotated[
    DailyGiftEvent | ReactionEvent | PurchaseEvent | PointsEvent | StreakEvent | LevelEvent | VipEvent,
    Field(discriminator="type"),
]


class EventRequest(RootModel[ActivityEvent]):
    """Body of POST /v1/users/{user_id}/events: one event, told apart by its `type`."""


class FactsUpdate(BaseModel):
    """Body of PUT /v1/users/{user_id}/facts: absolute values for any subset of the facts."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    current_streak: Annotated[int, Field(ge=0, le=10**6, strict=True)] | SkipJsonSchema[None] = None
    total_points: Annotated[int, Field(ge=0, le=10**15, strict=True)] | SkipJsonSchema[None] = None
    level: Annotated[int, Field(ge=1, le=10**6, strict=True)] | SkipJsonSchema[None] = None
    besitos_spent: Annotated[int, Field(ge=0, le=10**15, strict=True)] | SkipJsonSchema[None] = None
    purchases_count: Annotated[int, Field(ge=0, le=10**9, strict=True)] | SkipJsonSchema[None] = None
    daily_gifts_count: Annotated[int, Field(ge=0, le=10**9, strict=True)] | SkipJsonSchema[None] = None
    reactions_count: Annotated[int, Field(ge=0, le=10**9, strict=True)] | SkipJsonSchema[None] = None
    is_vip: StrictBool | SkipJsonSchema[None] = None

    def facts_change(self) -> FactsChange:
        """Only the fields the caller sent (explicit nulls are refused by validation)."""
        return FactsChange(assignments=self.model_dump(exclude_unset=True))

    @model_validator(mode="after")
    def _some_facts_and_no_nulls(self) -> "FactsUpdate":
        # None only means "not sent": an explicit null would erase a fact conditions rely on.
        sent = self.model_dump(exclude_unset=True)
        if not sent:
            raise ValueError("send at least one fact")
        nulls = sorted(name for name, value in sent.items() if value is None)
        if nulls:
            raise ValueError(f"facts cannot be null: {', '.join(nulls)}")
        return self
