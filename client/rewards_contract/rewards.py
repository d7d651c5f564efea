"""A reward as admins and seed files define it: type, payload, flags and embedded conditions."""

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from rewards_contract.enums import RewardConditionType, RewardType

Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
# Stored integers must fit BSON's signed 64 bits; larger ones would fail at write time, not here.
MAX_STORED_INT = 2**63 - 1
# Ten years: long enough for any claim window, and `now + window` stays a valid date.
MAX_CLAIM_WINDOW_HOURS = 24 * 366 * 10


class BesitosValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int = Field(gt=0, le=MAX_STORED_INT, strict=True)


class ContentValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content_set_id: int = Field(gt=0, le=MAX_STORED_INT, strict=True)


class BadgeValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    badge_name: str = Field(min_length=1, max_length=100)
    emoji: str = Field(min_length=1, max_length=16)


class VipExtensionValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(gt=0, le=36600, strict=True)


REWARD_VALUE_MODELS: dict[RewardType, type[BaseModel]] = {
    RewardType.BESITOS: BesitosValue,
    RewardType.CONTENT: ContentValue,
    RewardType.BADGE: BadgeValue,
    RewardType.VIP_EXTENSION: VipExtensionValue,
}


# In JSON schemas (OpenAPI), the payload is one of the four shapes; which one is checked per type.
RewardValue = Annotated[
    dict[str, Any],
    WithJsonSchema({"anyOf": [model.model_json_schema() for model in REWARD_VALUE_MODELS.values()]}),
]


class RewardCondition(BaseModel):
    """One condition; group 0 is ANDed, a non-zero group is ORed inside itself."""

    model_config = ConfigDict(extra="forbid")

    condition_type: RewardConditionType
    value: int | None = Field(default=None, le=MAX_STORED_INT, strict=True)
    group: int = Field(default=0, ge=0, le=1000, strict=True)
    sort_order: int = Field(default=0, ge=-MAX_STORED_INT, le=MAX_STORED_INT, strict=True)

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


class RewardDefinition(BaseModel):
    """What an admin or a seed file defines; the API and the seed loader validate with this model."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    reward_type: RewardType
    reward_value: RewardValue
    is_repeatable: bool = False
    is_secret: bool = False
    claim_window_hours: int = Field(default=168, gt=0, le=MAX_CLAIM_WINDOW_HOURS, strict=True)
    is_active: bool = True
    sort_order: int = Field(default=0, ge=-MAX_STORED_INT, le=MAX_STORED_INT, strict=True)
    conditions: list[RewardCondition] = Field(default_factory=list, max_length=50)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("name must not be blank")
        return name

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
