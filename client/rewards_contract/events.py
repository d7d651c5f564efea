"""The events the bot reports: one model per kind, told apart by `type` (the body of POST /events)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool, model_validator

from rewards_contract.errors import DetailType
from rewards_contract.fields import MAX_EVENT_AMOUNT, WholeFloatAsInt, WholeNumber, field_refused
from rewards_contract.rewards import CounterName

EVENT_ID_PATTERN = r"^[\x21-\x7e]+$"  # printable ASCII, no spaces
EventId = Annotated[str, Field(min_length=1, max_length=128, pattern=EVENT_ID_PATTERN)]
PositiveAmount = Annotated[int, Field(gt=0, le=MAX_EVENT_AMOUNT, strict=True), WholeFloatAsInt]


_TYPE = "The kind of event, which decides the other fields"


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: EventId = Field(
        description="The bot's id for this event, unique per user (printable ASCII, no spaces): sent again, it is "
        "counted once"
    )


class DailyGiftEvent(_Event):
    """The user claimed the daily gift."""

    type: Literal["daily_gift"] = Field(description=_TYPE)


class ReactionEvent(_Event):
    """The user reacted to content."""

    type: Literal["reaction"] = Field(description=_TYPE)


class PurchaseEvent(_Event):
    """The user bought something in the shop for `amount` besitos."""

    type: Literal["purchase"] = Field(description=_TYPE)
    amount: PositiveAmount = Field(description="The besitos spent (added to besitos_spent)")


class PointsEvent(_Event):
    """The user earned `amount` points."""

    type: Literal["points"] = Field(description=_TYPE)
    amount: PositiveAmount = Field(description="The points earned (added to total_points)")


class StreakEvent(_Event):
    """The user's current streak is now `value` days (0 after a break)."""

    type: Literal["streak"] = Field(description=_TYPE)
    value: WholeNumber = Field(ge=0, le=10**6, description="The current streak in days (sets current_streak)")


class LevelEvent(_Event):
    """The user is now at level `value`."""

    type: Literal["level"] = Field(description=_TYPE)
    value: WholeNumber = Field(ge=1, le=10**6, description="The user's level now (sets level)")


class VipEvent(_Event):
    """The user became VIP, or stopped being VIP."""

    type: Literal["vip"] = Field(description=_TYPE)
    is_vip: StrictBool = Field(description="true: the user is VIP now; false: no longer")


class CounterEvent(_Event):
    """A declared counter moved: `amount` added to a `count` counter, or `value` set on a `value` counter."""

    type: Literal["counter"] = Field(description=_TYPE)
    counter: CounterName = Field(description="The declared counter's name (POST /v1/counters)")
    amount: PositiveAmount | None = Field(default=None, description="A count counter: what to add")
    value: Annotated[int | None, WholeFloatAsInt] = Field(
        default=None, ge=0, le=10**15, strict=True, description="A value counter: its value now"
    )

    @model_validator(mode="after")
    def _amount_or_value(self) -> "CounterEvent":
        if (self.amount is None) == (self.value is None):  # named: the one missing, or the second one sent
            raise field_refused(
                "amount" if self.amount is None else "value",
                DetailType.MISSING if self.amount is None else DetailType.NOT_ALLOWED,
                "send exactly one of amount (a count counter) and value (a value counter)",
            )
        return self


ActivityEvent = Annotated[
    DailyGiftEvent | ReactionEvent | PurchaseEvent | PointsEvent | StreakEvent | LevelEvent | VipEvent | CounterEvent,
    Field(discriminator="type"),
]


class EventRequest(RootModel[ActivityEvent]):
    """Body of POST /v1/users/{user_id}/events: one event, told apart by its `type`."""
