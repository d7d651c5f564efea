"""A reward as admins and seed files define it: type, payload, flags and embedded conditions."""

import inspect
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from rewards_contract.enums import RewardConditionType, RewardType
from rewards_contract.fields import (
    UtcDatetimeInput,
    WholeFloatAsInt,
    WholeNumber,
    to_mongo_precision,
)
from rewards_contract.languages import RewardDescription, RewardName, Translations

Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
# Stored integers must fit BSON's signed 64 bits; larger ones would fail at write time, not here.
MAX_STORED_INT = 2**63 - 1
# Ten years: long enough for any claim window, and `now + window` stays a valid date.
MAX_CLAIM_WINDOW_HOURS = 24 * 366 * 10


class BesitosValue(BaseModel):
    """The user receives `amount` besitos."""

    model_config = ConfigDict(extra="forbid")
    amount: WholeNumber = Field(gt=0, le=MAX_STORED_INT)


class ContentValue(BaseModel):
    """The user gets access to the content set `content_set_id`."""

    model_config = ConfigDict(extra="forbid")
    content_set_id: WholeNumber = Field(gt=0, le=MAX_STORED_INT)


class BadgeValue(BaseModel):
    """The user earns the badge `badge_name`, shown with `emoji`."""

    model_config = ConfigDict(extra="forbid")
    badge_name: str = Field(min_length=1, max_length=100)
    emoji: str = Field(min_length=1, max_length=16)


class VipExtensionValue(BaseModel):
    """The user's VIP membership is extended by `days`."""

    model_config = ConfigDict(extra="forbid")
    days: WholeNumber = Field(gt=0, le=36600)


REWARD_VALUE_MODELS: dict[RewardType, type[BaseModel]] = {
    RewardType.BESITOS: BesitosValue,
    RewardType.CONTENT: ContentValue,
    RewardType.BADGE: BadgeValue,
    RewardType.VIP_EXTENSION: VipExtensionValue,
}


# The payload as Python holds it: the plain dict that is stored. On its own (a PATCH body) JSON
# Schema can say only that it is one of the four shapes; next to its `reward_type`, TypedPayload
# ties the two.
RewardValue = Annotated[
    dict[str, Any],
    WithJsonSchema({"anyOf": [model.model_json_schema() for model in REWARD_VALUE_MODELS.values()]}),
]


class DescribedByVariants(BaseModel):
    """Base of a model whose valid shape depends on one field's value: described one variant per value.

    JSON Schema cannot make a property's shape depend on a sibling's value, so such a model is
    described as the union of its variants, told apart by that field: `oneOf` + `discriminator` in
    the OpenAPI document, which clients and request generators follow. Python code validates with
    and holds the one model, whose own checks enforce what the variants describe.
    """

    @classmethod
    def variants(cls) -> tuple[str, tuple[type[BaseModel], ...]] | None:
        """The field telling the variants apart and the variants; None where the model describes itself."""
        return None

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        described = cls.variants()
        if described is None:
            return handler(core_schema)
        schema = handler(_one_of(*described).core_schema)
        return {"description": inspect.cleandoc(cls.__doc__), **schema} if cls.__doc__ else schema


@cache
def _one_of(field: str, variants: tuple[type[BaseModel], ...]) -> TypeAdapter[Any]:
    return TypeAdapter(Annotated[Union[variants], Field(discriminator=field)])


class TypedPayload(DescribedByVariants):
    """Base of the models holding a `reward_type` and its `reward_value` (a dict, checked per type on input).

    Described one variant per reward type: `reward_type` a constant, `reward_value` that type's model.
    """

    @classmethod
    def variants(cls) -> tuple[str, tuple[type[BaseModel], ...]] | None:
        if cls.model_fields["reward_type"].annotation is not RewardType:  # a variant: one type already
            return None
        return "reward_type", tuple(_variants_per_type(cls).values())

    @classmethod
    def value_models(cls) -> dict[RewardType, type[BaseModel]]:
        """The payload's model per reward type, as this model's variants describe it."""
        return REWARD_VALUE_MODELS


@cache
def _variants_per_type(model: type[TypedPayload]) -> dict[RewardType, type[TypedPayload]]:
    """`model` once per reward type: `reward_type` fixed, `reward_value` of that type's model."""
    return {
        reward_type: create_model(
            f"{value_model.__name__.removesuffix('Value')}{model.__name__}",
            __base__=model,
            __module__=model.__module__,
            __doc__=f"{model.__name__} whose reward_type is {reward_type}. {value_model.__doc__}",
            reward_type=(Literal[reward_type], ...),
            reward_value=(value_model, ...),
        )
        for reward_type, value_model in model.value_models().items()
    }


class RewardCondition(DescribedByVariants):
    """One condition; group 0 is ANDed, a non-zero group is ORed inside itself."""

    model_config = ConfigDict(extra="forbid")

    condition_type: RewardConditionType
    value: Annotated[int | None, WholeFloatAsInt] = Field(default=None, le=MAX_STORED_INT, strict=True)
    group: WholeNumber = Field(default=0, ge=0, le=1000)
    sort_order: WholeNumber = Field(default=0, ge=-MAX_STORED_INT, le=MAX_STORED_INT)

    @classmethod
    def variants(cls) -> tuple[str, tuple[type[BaseModel], ...]] | None:
        return ("condition_type", (ThresholdCondition, FlagCondition)) if cls is RewardCondition else None

    @model_validator(mode="after")
    def _value_fits_type(self) -> "RewardCondition":
        if self.condition_type.is_threshold:
            if self.value is None:
                raise ValueError(f"value is required for a {self.condition_type} condition")
            if self.value <= 0:
                raise ValueError(f"value must be greater than 0 for a {self.condition_type} condition")
        elif self.value is not None:
            raise ValueError(f"value must be absent for a {self.condition_type} condition")
        return self


class ThresholdCondition(RewardCondition):
    """A condition met once a number in the user's facts reaches `value`."""

    condition_type: Literal[tuple(t for t in RewardConditionType if t.is_threshold)]  # type: ignore[valid-type]
    value: WholeNumber = Field(gt=0, le=MAX_STORED_INT)


class FlagCondition(RewardCondition):
    """A condition on a yes/no fact: it takes no `value`."""

    condition_type: Literal[tuple(t for t in RewardConditionType if not t.is_threshold)]  # type: ignore[valid-type]
    value: None = None


class RewardDefinition(TypedPayload):
    """What an admin or a seed file defines; the API and the seed loader validate with this model."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: RewardName
    description: RewardDescription = None
    translations: Translations = Field(
        default_factory=dict,
        description="The name and description in other languages, keyed by BCP 47 tag "
        '(`{"es": {"name": "...", "description": "..."}}`). Reads answer the best match for the '
        "caller's language, else the default `name` and `description`. Keys are stored canonical "
        "(`es-mx` becomes `es-MX`); two keys naming one language are refused.",
    )
    reward_type: RewardType
    reward_value: RewardValue
    is_repeatable: bool = False
    is_secret: bool = False
    claim_window_hours: WholeNumber = Field(default=168, gt=0, le=MAX_CLAIM_WINDOW_HOURS)
    is_active: bool = True
    sort_order: WholeNumber = Field(default=0, ge=-MAX_STORED_INT, le=MAX_STORED_INT)
    conditions: list[RewardCondition] = Field(default_factory=list, max_length=50)
    available_from: UtcDatetimeInput | None = Field(
        default=None,
        description="Seasonal rewards: first moment (UTC, inclusive) the reward can unlock; none: no start. "
        "Must be earlier than available_until when both are set (compared at millisecond precision, "
        "which is what is stored), and a date in years 1-9999 once converted to UTC.",
    )
    available_until: UtcDatetimeInput | None = Field(
        default=None,
        description="Seasonal rewards: the moment (UTC, exclusive) from which the reward no longer unlocks; "
        "none: no end. Must be later than available_from when both are set, and a date in years 1-9999 once "
        "converted to UTC. Rewards unlocked before it keep their claim window.",
    )

    @field_validator("available_from", "available_until")
    @classmethod
    def _at_stored_precision(cls, moment: datetime | None) -> datetime | None:
        # Stored as BSON dates (milliseconds): truncate now, so what is answered is what is stored.
        return None if moment is None else to_mongo_precision(moment)

    @model_validator(mode="after")
    def _season_in_order(self) -> "RewardDefinition":
        if self.available_from is not None and self.available_until is not None:
            if self.available_from >= self.available_until:
                raise ValueError("available_from must be earlier than available_until")
        return self

    @field_validator("reward_value")
    @classmethod
    def _value_fits_reward_type(cls, value: dict[str, Any], info: Any) -> dict[str, Any]:
        reward_type = info.data.get("reward_type")
        if reward_type is None:  # reward_type itself failed; its own error says so
            return value
        try:
            parsed = REWARD_VALUE_MODELS[reward_type].model_validate(value)
        except ValidationError as error:
            reasons = "; ".join(
                f"{'.'.join(str(part) for part in e['loc']) or 'reward_value'}: {e['msg']}"
                for e in error.errors()
            )
            raise ValueError(f"invalid {reward_type} payload: {reasons}") from None
        return parsed.model_dump()
