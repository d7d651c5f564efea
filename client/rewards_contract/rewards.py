"""A reward as admins and seed files define it: type, payload, flags and embedded conditions."""

import inspect
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema

from rewards_contract.enums import RewardConditionType, RewardType
from rewards_contract.errors import DetailType
from rewards_contract.facts import ADDITIVE_FACTS, NEW_USER_FACTS, NUMERIC_FACTS
from rewards_contract.fields import (
    MAX_BESITOS_GRANT,
    UtcDatetimeInput,
    WholeFloatAsInt,
    WholeNumber,
    field_refused,
    to_mongo_precision,
)
from rewards_contract.languages import RewardDescription, RewardHint, RewardName, Translations

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=SLUG_PATTERN)]
# A declared counter's name, or a built-in number's: the slug rules.
CounterName = Annotated[str, Field(min_length=1, max_length=64, pattern=SLUG_PATTERN)]
BUILT_IN_FACTS = frozenset(NEW_USER_FACTS)
MAX_WINDOW_DAYS = 90
# Limited editions: at most this many grants of one reward (each slot's holder is kept on one document).
MAX_CLAIMS_LIMIT = 100_000
COUNTER_CONDITIONS = frozenset({RewardConditionType.COUNTER_AT_LEAST, RewardConditionType.COUNTER_IN_WINDOW})
# The conditions on a built-in number: a value, no counter, no reward.
THRESHOLD_CONDITIONS = tuple(t for t in RewardConditionType if t.is_threshold)
# The yes/no conditions: no value, no counter, no reward.
FLAG_CONDITIONS = tuple(
    t
    for t in RewardConditionType
    if not t.is_threshold and t not in COUNTER_CONDITIONS and t is not RewardConditionType.REWARD_CLAIMED
)
# Stored integers must fit BSON's signed 64 bits; larger ones would fail at write time, not here.
MAX_STORED_INT = 2**63 - 1
# Ten years: long enough for any claim window, and `now + window` stays a valid date.
MAX_CLAIM_WINDOW_HOURS = 24 * 366 * 10


class BesitosValue(BaseModel):
    """The user receives `amount` besitos."""

    model_config = ConfigDict(extra="forbid")
    # Stored rewards load up to the storable bound; a definition coming in is held to MAX_BESITOS_GRANT
    # (service/engine/intake.py), which the schema shows.
    amount: WholeNumber = Field(
        gt=0,
        le=MAX_STORED_INT,
        json_schema_extra={"maximum": MAX_BESITOS_GRANT},
        description="Besitos credited to the user on claim: at most 1,000,000,000,000, the most one event may report spent",
    )


class ContentValue(BaseModel):
    """The user gets access to the content set `content_set_id`."""

    model_config = ConfigDict(extra="forbid")
    content_set_id: WholeNumber = Field(gt=0, le=MAX_STORED_INT, description="The bot's id of the content set opened")


class BadgeValue(BaseModel):
    """The user earns the badge `badge_name`, shown with `emoji`."""

    model_config = ConfigDict(extra="forbid")
    badge_name: str = Field(min_length=1, max_length=100, description="The badge's name as the user sees it")
    emoji: str = Field(min_length=1, max_length=16, description="The emoji shown with the badge")


class VipExtensionValue(BaseModel):
    """The user's VIP membership is extended by `days`."""

    model_config = ConfigDict(extra="forbid")
    days: WholeNumber = Field(gt=0, le=36600, description="Days added to the user's VIP membership")


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
    # Union[] of a tuple built at run time: the X | Y spelling UP007 asks for has no form for it, nor a static type.
    one_of: Any = Annotated[Union[variants], Field(discriminator=field)]  # noqa: UP007
    return TypeAdapter(one_of)


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


def _constant(value: RewardType) -> Any:
    """`Literal[value]` for a value known only at run time (a type mypy cannot read)."""
    return Literal[value]


@cache
def _variants_per_type(model: type[TypedPayload]) -> dict[RewardType, type[TypedPayload]]:
    """`model` once per reward type: `reward_type` fixed, `reward_value` of that type's model."""
    return {
        reward_type: create_model(
            f"{value_model.__name__.removesuffix('Value')}{model.__name__}",
            __base__=model,
            __module__=model.__module__,
            __doc__=f"{model.__name__} whose reward_type is {reward_type}. {value_model.__doc__}",
            # The base model's descriptions: the variant narrows the field, it does not change its meaning.
            reward_type=(_constant(reward_type), Field(description=model.model_fields["reward_type"].description)),
            reward_value=(value_model, Field(description=model.model_fields["reward_value"].description)),
        )
        for reward_type, value_model in model.value_models().items()
    }


def _is_none(value: object) -> bool:
    return value is None


# What the condition variants' own declarations of these fields say too.
_CONDITION_TYPE = "What the condition checks: a built-in number, a yes/no fact, a counter, or another reward's claim"
_COUNTER = "counter_at_least and counter_in_window: a declared counter, or a built-in number (total_points, ...)"
_WINDOW_DAYS = "counter_in_window: the last this many UTC calendar days, today included"
_CLAIMED_FIRST = (
    "reward_claimed: the slug of the reward to claim first. The bot's catalogue names a secret one by the id "
    "of its hint (`h_...`, as in a user's `hints`), never by its slug"
)
_TARGET = "The number the counter or built-in number must reach (> 0)"
_NO_VALUE = "Absent: this condition holds or not, it has no number to reach"


class RewardCondition(DescribedByVariants):
    """One condition; group 0 is ANDed, a non-zero group is ORed inside itself (and groups are ANDed).

    Stored and answered as before counters existed: a condition carries only its own type's fields
    (`exclude_if` on each, not a serializer, so that answers stay described field by field).
    """

    model_config = ConfigDict(extra="forbid")

    condition_type: RewardConditionType = Field(description=_CONDITION_TYPE)
    value: Annotated[int | None, WholeFloatAsInt] = Field(
        default=None,
        le=MAX_STORED_INT,
        strict=True,
        description="Threshold and counter conditions: the number to reach (> 0); absent on the others",
    )
    counter: CounterName | None = Field(default=None, exclude_if=_is_none, description=_COUNTER)
    window_days: Annotated[int | None, WholeFloatAsInt] = Field(
        default=None,
        ge=1,
        le=MAX_WINDOW_DAYS,
        strict=True,
        exclude_if=_is_none,
        description=_WINDOW_DAYS,
    )
    reward: Slug | None = Field(default=None, exclude_if=_is_none, description=_CLAIMED_FIRST)
    group: WholeNumber = Field(
        default=0,
        ge=0,
        le=1000,
        description="0: every condition of group 0 must hold (AND). 1, 2, ...: at least one condition of each such "
        "group must hold (OR inside the group, AND between groups).",
    )
    sort_order: WholeNumber = Field(
        default=0, ge=-MAX_STORED_INT, le=MAX_STORED_INT, description="Where its progress line is shown (ascending)"
    )

    @classmethod
    def variants(cls) -> tuple[str, tuple[type[BaseModel], ...]] | None:
        if cls is not RewardCondition:
            return None
        return "condition_type", (
            ThresholdCondition,
            FlagCondition,
            CounterAtLeastCondition,
            CounterInWindowCondition,
            RewardClaimedCondition,
        )

    @model_validator(mode="after")
    def _fields_fit_type(self) -> "RewardCondition":
        kind = self.condition_type
        if kind.is_threshold or kind in COUNTER_CONDITIONS:
            if self.value is None:
                raise field_refused("value", DetailType.MISSING, f"is required for a {kind} condition")
            if self.value <= 0:
                raise field_refused("value", DetailType.TOO_SMALL, f"must be greater than 0 for a {kind} condition")
        elif self.value is not None:
            raise field_refused("value", DetailType.NOT_ALLOWED, f"must be absent for a {kind} condition")
        _only_for(self.counter, "counter", kind, COUNTER_CONDITIONS)
        _only_for(self.window_days, "window_days", kind, {RewardConditionType.COUNTER_IN_WINDOW})
        _only_for(self.reward, "reward", kind, {RewardConditionType.REWARD_CLAIMED})
        if self.counter is not None:
            if self.counter in BUILT_IN_FACTS and self.counter not in NUMERIC_FACTS:
                raise field_refused(
                    "counter",
                    DetailType.WRONG_COUNTER_KIND,
                    f"{self.counter!r} is not a number: a counter condition cannot read it",
                )
            if (
                kind is RewardConditionType.COUNTER_IN_WINDOW
                and self.counter in NUMERIC_FACTS
                and self.counter not in ADDITIVE_FACTS
            ):
                raise field_refused(
                    "counter",
                    DetailType.WRONG_COUNTER_KIND,
                    f"a window counts what events add: {self.counter!r} is set, not added; "
                    f"use one of {', '.join(ADDITIVE_FACTS)} or a declared count counter",
                )
        return self


def _only_for(present: object, name: str, kind: RewardConditionType, kinds: Iterable[RewardConditionType]) -> None:
    needed = kind in kinds
    if needed and present is None:
        raise field_refused(name, DetailType.MISSING, f"is required for a {kind} condition")
    if not needed and present is not None:
        raise field_refused(name, DetailType.NOT_ALLOWED, f"must be absent for a {kind} condition")


class ThresholdCondition(RewardCondition):
    """A built-in number in the user's facts reaches `value`."""

    condition_type: Literal[THRESHOLD_CONDITIONS] = Field(  # type: ignore[valid-type]  # values computed at import
        description="The built-in number it reads: streak_length, total_points, level_reached or besitos_spent"
    )
    value: WholeNumber = Field(gt=0, le=MAX_STORED_INT, description=_TARGET)
    counter: SkipJsonSchema[None] = None
    window_days: SkipJsonSchema[None] = None
    reward: SkipJsonSchema[None] = None


class FlagCondition(RewardCondition):
    """A condition on a yes/no fact: it takes no `value`."""

    condition_type: Literal[FLAG_CONDITIONS] = Field(  # type: ignore[valid-type]  # values computed at import
        description="The yes/no fact it reads (first_purchase, not_vip, ...)"
    )
    value: None = Field(default=None, description=_NO_VALUE)
    counter: SkipJsonSchema[None] = None
    window_days: SkipJsonSchema[None] = None
    reward: SkipJsonSchema[None] = None


class CounterAtLeastCondition(RewardCondition):
    """The counter (declared, or a built-in number such as total_points) has reached `value`."""

    condition_type: Literal[RewardConditionType.COUNTER_AT_LEAST] = Field(description=_CONDITION_TYPE)
    counter: CounterName = Field(description=_COUNTER)
    value: WholeNumber = Field(gt=0, le=MAX_STORED_INT, description=_TARGET)
    window_days: SkipJsonSchema[None] = None
    reward: SkipJsonSchema[None] = None


class CounterInWindowCondition(RewardCondition):
    """At least `value` counted in the last `window_days` UTC days, today included, by events (not PUT /facts)."""

    condition_type: Literal[RewardConditionType.COUNTER_IN_WINDOW] = Field(description=_CONDITION_TYPE)
    counter: CounterName = Field(description=_COUNTER)
    value: WholeNumber = Field(gt=0, le=MAX_STORED_INT, description="The amount to count within the window (> 0)")
    window_days: WholeNumber = Field(ge=1, le=MAX_WINDOW_DAYS, description=_WINDOW_DAYS)
    reward: SkipJsonSchema[None] = None


class RewardClaimedCondition(RewardCondition):
    """The user has claimed the reward `reward` at least once: chains such as gold after silver."""

    condition_type: Literal[RewardConditionType.REWARD_CLAIMED] = Field(description=_CONDITION_TYPE)
    reward: Slug = Field(description=_CLAIMED_FIRST)
    value: None = Field(default=None, description=_NO_VALUE)
    counter: SkipJsonSchema[None] = None
    window_days: SkipJsonSchema[None] = None


def _conditions_required(schema: dict[str, Any]) -> None:
    # Coming in, `conditions` must be given (`[]` for everyone: service/engine/intake.py); the model
    # itself keeps its default, so rewards stored without the field still load.
    required = schema.setdefault("required", [])
    if "conditions" not in required:
        required.append("conditions")


class RewardDefinition(TypedPayload):
    """What an admin or a seed file defines; the API and the seed loader validate with this model."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_conditions_required)

    slug: Slug = Field(description="The reward's id in URLs, conditions and grants; never changes")
    name: RewardName = Field(description="The name users read, in the default language (REWARDS_DEFAULT_LANGUAGE)")
    description: RewardDescription = Field(
        default=None, description="What users read about it, in the default language"
    )
    translations: Translations = Field(
        default_factory=dict,
        description="The name and description in other languages, keyed by BCP 47 tag "
        '(`{"es": {"name": "...", "description": "..."}}`). Reads answer the best match for the '
        "caller's language, else the default `name` and `description`. Keys are stored canonical "
        "(`es-mx` becomes `es-MX`); two keys naming one language are refused.",
    )
    reward_type: RewardType = Field(description="What a claim grants: besitos, content, a badge or VIP days")
    reward_value: RewardValue = Field(
        description="How much of it, shaped by reward_type: besitos {amount}, content {content_set_id}, "
        "badge {badge_name, emoji}, vip_extension {days}"
    )
    is_repeatable: bool = Field(
        default=False,
        description="After a claim or an expiry, unlocks again when its conditions hold and a fact they read changed",
    )
    is_secret: bool = Field(
        default=False,
        description="Never in the bot's catalogue; in a user's list only once unlocked (its hint shows while locked)",
    )
    claim_window_hours: WholeNumber = Field(
        default=168, gt=0, le=MAX_CLAIM_WINDOW_HOURS, description="Hours from unlock to expiry: the time to claim it"
    )
    is_active: bool = Field(default=True, description="false: deactivated; never unlocks and is not listed")
    sort_order: WholeNumber = Field(
        default=0, ge=-MAX_STORED_INT, le=MAX_STORED_INT, description="Display order in the bot (ascending)"
    )
    conditions: list[RewardCondition] = Field(
        default_factory=list,
        max_length=50,
        description="What unlocks it: every condition of group 0 and one of each other group; an empty list always "
        "holds",
    )

    series: Slug | None = Field(
        default=None,
        description="Tiers: the series this reward is a tier of (bronze, silver, gold of one metric); "
        "set together with `tier`",
    )
    tier: Annotated[int | None, WholeFloatAsInt] = Field(
        default=None,
        ge=1,
        le=1000,
        strict=True,
        description="Tiers: its rank in the series (1, 2, 3, ...; gaps allowed); one reward per tier of a series",
    )
    max_claims: Annotated[int | None, WholeFloatAsInt] = Field(
        default=None,
        ge=1,
        le=MAX_CLAIMS_LIMIT,
        strict=True,
        description="Limited editions: at most this many grants across all users, ever (repeat claims count; a "
        "revoked grant does not free its slot). None: unlimited.",
    )
    hint: RewardHint = Field(
        default=None,
        description="A secret reward's hint, shown in the user's list (`hints`) while it is locked",
    )
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
        if (
            self.available_from is not None
            and self.available_until is not None
            and self.available_from >= self.available_until
        ):
            raise field_refused("available_until", DetailType.TOO_SMALL, "must be later than available_from")
        return self

    @model_validator(mode="after")
    def _tier_with_series(self) -> "RewardDefinition":
        if (self.series is None) != (self.tier is None):
            missing = "tier" if self.tier is None else "series"
            raise field_refused(
                missing,
                DetailType.MISSING,
                f"is required with {'series' if missing == 'tier' else 'tier'}: set both, or neither",
            )
        return self

    @model_validator(mode="after")
    def _hints_on_secret_rewards_only(self) -> "RewardDefinition":
        hinted = ["hint"] if self.hint is not None else []
        hinted += [f"translations.{lang}.hint" for lang, texts in self.translations.items() if texts.hint is not None]
        if hinted and not self.is_secret:
            raise field_refused(
                hinted[0],
                DetailType.NOT_ALLOWED,
                "is shown only for a locked secret reward: set is_secret, or remove the hint",
            )
        return self

    @field_validator("reward_value")
    @classmethod
    def _value_fits_reward_type(cls, value: dict[str, Any], info: Any) -> dict[str, Any]:
        reward_type = info.data.get("reward_type")
        if reward_type is None:  # reward_type itself failed; its own error says so
            return value
        # The payload model's own errors, each at its field below reward_value (pydantic-core nests them).
        return REWARD_VALUE_MODELS[reward_type].model_validate(value).model_dump()
