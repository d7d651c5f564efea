"""The HTTP API's path, query and header parameters and its answers (request bodies: `events`, `facts`, `rewards`)."""

import typing
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
)
from pydantic.json_schema import SkipJsonSchema

from rewards_contract.enums import Availability, GrantKind, RewardConditionType, RewardStatus, RewardType
from rewards_contract.facts import FactsView
from rewards_contract.fields import MAX_USER_ID
from rewards_contract.rewards import (
    MAX_STORED_INT,
    REWARD_VALUE_MODELS,
    RewardDefinition,
    RewardValue,
    Slug,
    TypedPayload,
)


def _plain_decimal(raw: object) -> object:
    """Path segments arrive as text: accept only plain digits (no sign, spaces, underscores or dots)."""
    if isinstance(raw, str) and not (raw.isascii() and raw.isdigit()):
        raise ValueError("user_id must be written as plain decimal digits")
    return raw


PathUserId = Annotated[
    int,
    Field(ge=1, le=MAX_USER_ID, description="Telegram user id (1..2^63-1), plain decimal digits"),
    BeforeValidator(_plain_decimal),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- path, query and header parameters ---------------------------------------------------------


class UserPath(_Strict):
    user_id: PathUserId


class RewardPath(_Strict):
    slug: Slug


class UserRewardPath(_Strict):
    user_id: PathUserId
    slug: Slug


class GrantPath(_Strict):
    grant_id: str = Field(min_length=1, max_length=200)


class CatalogQuery(_Strict):
    all: bool = Field(default=False, description="Admins only: include inactive and secret rewards")


class UserRewardsQuery(_Strict):
    include_secret: bool = Field(default=False, description="Admins only: include locked secret rewards")


class GrantsQuery(_Strict):
    pending: bool = Field(default=False, description="Only grants the bot has not acknowledged yet")
    limit: int = Field(default=100, ge=1, le=500)


class ClaimHeaders(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    idempotency_key: str | None = Field(
        default=None,
        alias="idempotency-key",
        min_length=1,
        max_length=255,
        description="Retries with the same key get the first answer and grant nothing more",
    )


# --- catalogue -----------------------------------------------------------------------------------


def _every_field_optional(model: type[BaseModel], exclude: set[str]) -> dict[str, Any]:
    """The model's fields with their own types and constraints, each optional (None = not sent).

    A null is described only where the model takes one: elsewhere the merged whole refuses it.
    """
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in exclude:
            constrained = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
            nullable = type(None) in typing.get_args(info.annotation)
            fields[name] = (constrained | (None if nullable else SkipJsonSchema[None]), None)
    return fields


RewardPatch = create_model(
    "RewardPatch",
    __base__=_Strict,
    __doc__=(
        "Any subset of a reward's fields except its slug. The merged reward is validated whole, so a "
        "`reward_value` must fit the reward's type after the patch: the `reward_type` sent, else the stored one."
    ),
    **_every_field_optional(RewardDefinition, exclude={"slug"}),
)


_AVAILABILITY = "Where now falls in the reward's season (available_from, available_until)"


class RewardView(RewardDefinition):
    model_config = ConfigDict(extra="ignore")

    availability: Availability = Field(description=_AVAILABILITY)
    created_at: datetime
    updated_at: datetime


class RewardList(BaseModel):
    rewards: list[RewardView]


# --- user activity ---------------------------------------------------------------------------


class UnlockedReward(TypedPayload):
    slug: str
    name: str
    description: str | None
    reward_type: RewardType
    reward_value: RewardValue
    unlocked_at: datetime
    expires_at: datetime


class ActivityResponse(BaseModel):
    unlocked: list[UnlockedReward] = Field(description="Rewards newly unlocked by this call")
    facts: FactsView


class ConditionProgressView(BaseModel):
    condition_type: RewardConditionType
    group: int
    current: int
    target: int
    met: bool


class UserRewardView(TypedPayload):
    slug: str
    name: str
    description: str | None
    reward_type: RewardType
    reward_value: RewardValue
    is_repeatable: bool
    is_secret: bool
    status: RewardStatus
    progress: list[ConditionProgressView]
    unlocked_at: datetime | None
    expires_at: datetime | None
    claimed_at: datetime | None
    last_claimed_at: datetime | None
    claim_count: int
    availability: Availability = Field(description=_AVAILABILITY)
    available_from: datetime | None
    available_until: datetime | None


class UserRewardsResponse(BaseModel):
    user_id: int
    rewards: list[UserRewardView]


# --- claims and grants -------------------------------------------------------------------------


class ClaimResponse(TypedPayload):
    grant_id: str
    reward: str = Field(description="The reward's slug")
    reward_type: RewardType
    reward_value: RewardValue
    claim_number: int
    claimed_at: datetime


class BesitosChange(BaseModel):
    """Besitos to credit (`amount` > 0, a grant) or to take back (`amount` < 0, a reversal)."""

    model_config = ConfigDict(extra="forbid")
    amount: int = Field(ge=-MAX_STORED_INT, le=MAX_STORED_INT)


class GrantView(TypedPayload):
    """One ledger entry: a grant (`kind: grant`) or the reversal of a revoked grant (`kind: reversal`)."""

    model_config = ConfigDict(extra="ignore")

    grant_id: str
    user_id: int
    kind: GrantKind = Field(
        default=GrantKind.GRANT, description="grant: apply it; reversal: take back the grant named by `reverses`"
    )
    reverses: str | None = Field(default=None, description="A reversal: the grant_id it takes back; null for a grant")
    reward: str = Field(validation_alias=AliasChoices("reward_slug", "reward"), description="The reward's slug")
    reward_type: RewardType
    reward_value: RewardValue = Field(
        description="What to apply; a reversal: what to take back (besitos as a negative amount, "
        "the badge, the VIP days or the content set otherwise)"
    )
    claim_number: int = Field(description="The claim this entry comes from (a reversal: its grant's)")
    claimed_at: datetime = Field(description="A grant: the claim time; a reversal: the revocation time")
    delivered_at: datetime | None
    revoked_at: datetime | None = Field(default=None, description="A revoked grant: when; null otherwise")
    revoked_reason: str | None = Field(default=None, description="A revoked grant: why; null otherwise")
    reason: str | None = Field(default=None, description="A reversal: why its grant was revoked; null for a grant")

    @classmethod
    def value_models(cls) -> dict[RewardType, type[BaseModel]]:
        # A reversal's besitos amount is negative, which BesitosValue refuses.
        return {**REWARD_VALUE_MODELS, RewardType.BESITOS: BesitosChange}


class RevokeRequest(_Strict):
    reason: str = Field(min_length=1, max_length=500, description="Why the grant is revoked (a refund, abuse, a mistake)")


class GrantList(BaseModel):
    grants: list[GrantView]


class BadgeView(BaseModel):
    reward: str
    badge_name: str
    emoji: str
    earned_at: datetime


class BadgeList(BaseModel):
    badges: list[BadgeView]


# --- service ---------------------------------------------------------------------------------------


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
