"""The facts conditions read about a user: the one list, with each fact's type, default and limits.

Everything else derives from `Facts`: the stored `user_facts` document, the facts every activity
answer carries (`FactsView`), the body of `PUT /facts` (`FactsUpdate`) and what the engine reads.
A fact added here is stored, answered, settable and readable by conditions without a second edit.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rewards_contract.errors import DetailType
from rewards_contract.fields import NotSent, WholeFloatAsInt, field_refused


@dataclass(frozen=True)
class SettableUpTo:
    """The largest value `PUT /facts` accepts for a fact (stored values may grow past it with events)."""

    limit: int


class Facts(BaseModel):
    """What conditions read about a user; the defaults are a new user's facts."""

    model_config = ConfigDict(extra="ignore")

    current_streak: Annotated[int, Field(ge=0), SettableUpTo(10**6)] = Field(
        default=0, description="The current streak in days (streak events set it)"
    )
    total_points: Annotated[int, Field(ge=0), SettableUpTo(10**15)] = Field(
        default=0, description="Points earned in all (points events add to it)"
    )
    level: Annotated[int, Field(ge=1), SettableUpTo(10**6)] = Field(
        default=1, description="The user's level (level events set it)"
    )
    besitos_spent: Annotated[int, Field(ge=0), SettableUpTo(10**15)] = Field(
        default=0, description="Besitos spent in the shop in all (purchase events add to it)"
    )
    purchases_count: Annotated[int, Field(ge=0), SettableUpTo(10**9)] = Field(
        default=0, description="Purchases made (each purchase event adds 1)"
    )
    daily_gifts_count: Annotated[int, Field(ge=0), SettableUpTo(10**9)] = Field(
        default=0, description="Daily gifts claimed (each daily_gift event adds 1)"
    )
    reactions_count: Annotated[int, Field(ge=0), SettableUpTo(10**9)] = Field(
        default=0, description="Reactions to content (each reaction event adds 1)"
    )
    is_vip: bool = Field(default=False, description="Whether the user is VIP now (vip events set it)")

    @classmethod
    def from_mapping(cls, stored: Any | None) -> "Facts":
        """From a stored document or dict, without validation (the service wrote it); missing facts take a new user's."""
        if stored is None:
            return cls.model_construct()
        return cls.model_construct(**{name: stored.get(name, default) for name, default in NEW_USER_FACTS.items()})


# What a user the service has never seen starts with.
NEW_USER_FACTS: dict[str, Any] = {name: field.default for name, field in Facts.model_fields.items()}
# The built-in facts that are numbers: a counter condition may name them as it names a declared counter.
NUMERIC_FACTS = tuple(name for name, field in Facts.model_fields.items() if field.annotation is int)
# The built-in numbers events add to (the others are set): the ones a window can count.
ADDITIVE_FACTS = ("total_points", "besitos_spent", "purchases_count", "daily_gifts_count", "reactions_count")


class FactsView(Facts):
    """The user's facts as every activity answer carries them."""

    user_id: int = Field(description="The user these facts are about")
    counters: dict[str, int] = Field(default_factory=dict, description="The user's declared counters, by name")
    updated_at: datetime | None = Field(default=None, description="The latest change (UTC); null for a new user")


def _settable(name: str) -> Any:
    """A fact as `PUT /facts` takes it: strictly typed, within its limits, optional (None = not sent)."""
    field = Facts.model_fields[name]
    described = Field(default=None, description=field.description)
    if field.annotation is bool:
        return StrictBool | NotSent, described
    limits = [item.limit for item in field.metadata if isinstance(item, SettableUpTo)]
    lower = [Field(ge=item.ge) for item in field.metadata if hasattr(item, "ge")]
    return Annotated[int, *lower, Field(le=limits[0], strict=True), WholeFloatAsInt] | NotSent, described


class _FactsUpdateBase(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    def assignments(self) -> dict[str, int | bool]:
        """Only the facts the caller sent (explicit nulls are refused by validation)."""
        return self.model_dump(exclude_unset=True)

    @model_validator(mode="after")
    def _some_facts_and_no_nulls(self) -> "_FactsUpdateBase":
        # None only means "not sent": an explicit null would erase a fact conditions rely on.
        sent = self.model_dump(exclude_unset=True)
        if not sent:
            raise field_refused("", DetailType.MISSING, f"send at least one fact: {', '.join(Facts.model_fields)}")
        nulls = sorted(name for name, value in sent.items() if value is None)
        if nulls:  # one error per null fact, each at its own field (pydantic-core nests a ValidationError raised here)
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    {
                        "type": PydanticCustomError(
                            DetailType.NOT_ALLOWED.value, "cannot be null: leave the fact out to keep it"
                        ),
                        "loc": (name,),
                        "input": None,
                    }
                    for name in nulls
                ],
            )
        return self


FactsUpdate = create_model(
    "FactsUpdate",
    __base__=_FactsUpdateBase,
    __doc__="Body of PUT /v1/users/{user_id}/facts: absolute values for any subset of the facts.",
    **{name: _settable(name) for name in Facts.model_fields},
)
