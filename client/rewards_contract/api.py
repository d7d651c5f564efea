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

from rewards_contract.enums import (
    Availability,
    GrantKind,
    RewardConditionType,
    RewardStatus,
    RewardType,
)
from rewards_contract.errors import DetailType
from rewards_contract.facts import FactsView
from rewards_contract.fields import MAX_USER_ID, NotSent, refused
from rewards_contract.languages import EnumDisplay, LanguageTag
from rewards_contract.paging import MAX_REWARDS_PAGE, PAGE_CURSOR_PATTERN, known_values, values_pattern
from rewards_contract.rarity import RarityView
from rewards_contract.rewards import (
    MAX_STORED_INT,
    REWARD_VALUE_MODELS,
    CounterName,
    RewardDefinition,
    RewardValue,
    Slug,
    TypedPayload,
)


def _plain_decimal(raw: object) -> object:
    """Path segments arrive as text: accept only plain digits (no sign, spaces, underscores or dots)."""
    if isinstance(raw, str) and not (raw.isascii() and raw.isdigit()):
        raise refused(DetailType.BAD_FORMAT, "must be written as plain decimal digits (no sign, spaces or dots)")
    return raw


PathUserId = Annotated[
    int,
    Field(ge=1, le=MAX_USER_ID, description="Telegram user id (1..2^63-1), plain decimal digits"),
    BeforeValidator(_plain_decimal),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- path, query and header parameters ---------------------------------------------------------


_USER_ID = Field(examples=[123456789])
_REWARD_SLUG = Field(description="The reward's slug", examples=["first-reaction"])


class UserPath(_Strict):
    user_id: PathUserId = _USER_ID


class RewardPath(_Strict):
    slug: Slug = _REWARD_SLUG


class UserRewardPath(_Strict):
    user_id: PathUserId = _USER_ID
    slug: Slug = _REWARD_SLUG


class CounterPath(_Strict):
    name: CounterName = Field(description="The counter's name", examples=["messages_sent"])


# Any text without control characters: the service refuses a path holding one before it is routed.
GRANT_ID_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]+$"


class GrantPath(_Strict):
    grant_id: str = Field(
        min_length=1,
        max_length=200,
        pattern=GRANT_ID_PATTERN,
        description="A grant's id, as its claim answered it or the grants list shows it",
        examples=["123456789-66f2a1c0e4b0c3d2a1f0e9d8-1"],
    )


class PageQuery(_Strict):
    limit: int | None = Field(
        default=None,
        ge=1,
        le=MAX_REWARDS_PAGE,
        description=f"At most this many rewards (1..{MAX_REWARDS_PAGE}), and `next_cursor` for the rest. Without it "
        "the whole list: at a thousand rewards that is about a megabyte",
    )
    cursor: str | None = Field(
        default=None,
        pattern=PAGE_CURSOR_PATTERN,
        description="The previous page's `next_cursor`, sent with the same filters: the page after it. Any other "
        "text is refused (422)",
    )


class LanguageQuery(_Strict):
    lang: LanguageTag | None = Field(
        default=None,
        description="The language to answer reward texts in (a BCP 47 tag; es-MX falls back to es). "
        "Without it, the Accept-Language header decides; without both, the default texts.",
    )


class LanguageHeaders(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    accept_language: str | None = Field(
        default=None,
        alias="accept-language",
        description="Languages the caller reads, with q-values (es-MX, es;q=0.9, en;q=0.5); ?lang= wins over it. "
        "Malformed entries are skipped.",
    )


class CatalogQuery(LanguageQuery, PageQuery):
    all: bool = Field(default=False, description="Admins only: include inactive and secret rewards")


class UserRewardsQuery(LanguageQuery, PageQuery):
    include_secret: bool = Field(default=False, description="Admins only: include locked secret rewards")
    tiers: Literal["collapsed"] | None = Field(
        default=None,
        description="collapsed: of each series, only the highest tier the user claimed and the next one above it "
        "(the lowest alone when none is claimed), decided over the whole list before any filter",
    )
    status: Annotated[str | None, BeforeValidator(known_values(RewardStatus, "status"))] = Field(
        default=None,
        pattern=values_pattern(RewardStatus),
        description="Only rewards in these statuses (comma-separated), e.g. `unlocked`: what the user can claim now",
        examples=["unlocked", "unlocked,claimed"],
    )
    reward_types: Annotated[str | None, BeforeValidator(known_values(RewardType, "type"))] = Field(
        default=None,
        alias="type",
        pattern=values_pattern(RewardType),
        description="Only rewards of these types (comma-separated)",
        examples=["badge"],
    )
    series: Slug | None = Field(default=None, description="Only the tiers of this series")

    def status_set(self) -> frozenset[RewardStatus] | None:
        return None if self.status is None else frozenset(RewardStatus(s) for s in self.status.split(","))

    def type_set(self) -> frozenset[RewardType] | None:
        return None if self.reward_types is None else frozenset(RewardType(t) for t in self.reward_types.split(","))


class GrantsQuery(LanguageQuery):
    pending: bool = Field(default=False, description="Only grants the bot has not acknowledged yet")
    limit: int = Field(default=100, ge=1, le=500, description="At most this many grants, oldest first")


class ClaimHeaders(LanguageHeaders):
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
            constrained: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
            nullable = type(None) in typing.get_args(info.annotation)
            fields[name] = (
                constrained | (None if nullable else NotSent),
                Field(default=None, description=info.description),
            )

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


def _as_defined(name: str) -> Any:
    """A view's field that means what the reward definition's field of that name means."""
    return Field(description=RewardDefinition.model_fields[name].description)


_SLUG = "The reward's slug"
_NAME = "The reward's name, in `lang`"
_DESCRIPTION = "The reward's description, in `lang`; null when it has none"
_AVAILABILITY = "Where now falls in the reward's season (available_from, available_until)"
_LANG = (
    "The language of `name` and `description`: the best match for ?lang= or Accept-Language among the "
    "reward's translations, else the deployment's default language (REWARDS_DEFAULT_LANGUAGE) and the default texts"
)


_REMAINING = "A limited edition's slots left (max_claims minus the grants made, ever); null when not limited"

_RARITY = (
    "How rare the reward is: the share of users with facts who ever unlocked / claimed it, computed in the "
    "background every REWARDS_RARITY_SECONDS (as_of says when); 0 for a reward nobody has unlocked"
)


def _display_of(code: str) -> Any:
    return Field(description=f"`{code}` as a person reads it, in the caller's language (English or Spanish)")


class RewardView(RewardDefinition):
    """A reward as the catalogue answers it: `name` and `description` in the caller's language (`lang`)."""

    model_config = ConfigDict(extra="ignore")

    lang: str = Field(description=_LANG)
    reward_type_display: EnumDisplay = _display_of("reward_type")
    availability: Availability = Field(description=_AVAILABILITY)
    availability_display: EnumDisplay = _display_of("availability")
    rarity: RarityView = Field(description=_RARITY)
    remaining: int | None = Field(default=None, description=_REMAINING)
    sold_out: bool = Field(default=False, description="A limited edition whose every slot is taken")
    created_at: datetime = Field(description="When the reward was created (UTC)")
    updated_at: datetime = Field(description="When its definition last changed (UTC)")


class RewardList(BaseModel):
    rewards: list[RewardView] = Field(
        description="In display order (sort_order, then slug): all of them, or the page asked for"
    )
    next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor` for the next page; null on the last page and without `limit`",
    )


# --- user activity ---------------------------------------------------------------------------


class _RewardShown(TypedPayload):
    """What an unlock and a rewards-list entry both start with: the reward, its texts in `lang`, what it gives.

    Their `unlocked_at` and `expires_at` stay each model's own: always set on an unlock, null on a locked reward.
    """

    slug: str = Field(description=_SLUG)
    name: str = Field(description=_NAME)
    description: str | None = Field(description=_DESCRIPTION)
    lang: str = Field(description=_LANG)
    reward_type: RewardType = _as_defined("reward_type")
    reward_type_display: EnumDisplay = _display_of("reward_type")
    reward_value: RewardValue = _as_defined("reward_value")


class UnlockedReward(_RewardShown):
    unlocked_at: datetime = Field(description="When its conditions held (UTC)")
    expires_at: datetime = Field(description="Claim before this moment (UTC): unlocked_at + claim_window_hours")


class ActivityResponse(BaseModel):
    unlocked: list[UnlockedReward] = Field(description="Rewards newly unlocked by this call")
    facts: FactsView = Field(description="The user's facts after this call")


class ConditionProgressView(BaseModel):
    """One condition as far as the user got: "3/7", "3/5 in 7 days", "claim Silver chatter first"."""

    condition_type: RewardConditionType = Field(description="What the condition checks")
    condition_display: EnumDisplay = _display_of("condition_type")
    group: int = Field(description="0: must hold (AND); another number: one of its group must hold (OR)")
    current: int = Field(description="How far the user got (a yes/no condition: 0 or 1)")
    target: int = Field(description="What it takes (a yes/no condition: 1)")
    met: bool = Field(description="The condition holds now")
    counter: str | None = Field(default=None, description="The counter (or built-in number) it reads")
    counter_name: str | None = Field(default=None, description="The counter's display name in the caller's language")
    window_days: int | None = Field(default=None, description="counter_in_window: the days counted, today included")
    reward: str | None = Field(
        default=None, description="reward_claimed: the slug of the reward to claim first (null when it is secret)"
    )
    reward_name: str | None = Field(default=None, description="Its name in the caller's language (null when secret)")


class UserRewardView(_RewardShown):
    is_repeatable: bool = _as_defined("is_repeatable")
    is_secret: bool = _as_defined("is_secret")
    status: RewardStatus = Field(
        description="locked; unlocked: claimable until expires_at; claimed; expired: the window passed unclaimed"
    )
    status_display: EnumDisplay = _display_of("status")
    progress: list[ConditionProgressView] = Field(description="Each condition as far as the user got, in sort_order")
    unlocked_at: datetime | None = Field(
        description="Start of the current window (UTC; the latest unlock); null while never unlocked"
    )
    expires_at: datetime | None = Field(description="End of the current window (UTC); null while never unlocked")
    claimed_at: datetime | None = Field(description="When the current window was claimed (UTC); null while unclaimed")
    last_claimed_at: datetime | None = Field(
        description="The latest claim (UTC), whatever window it was in; null before the first"
    )
    claim_count: int = Field(description="Claims over all windows (the claim number of the latest grant)")
    availability: Availability = Field(description=_AVAILABILITY)
    availability_display: EnumDisplay = _display_of("availability")
    available_from: datetime | None = _as_defined("available_from")
    available_until: datetime | None = _as_defined("available_until")
    rarity: RarityView = Field(description=_RARITY)
    series: str | None = Field(default=None, description="Tiers: the series this reward is a tier of")
    tier: int | None = Field(default=None, description="Tiers: its rank in the series")
    remaining: int | None = Field(default=None, description=_REMAINING)


class HintView(BaseModel):
    """A locked secret reward, by its hint only: never its slug, name, conditions or payload."""

    id: str = Field(description="Opaque and stable: the same reward always has the same id")
    hint: str = Field(description="The hint, in `lang`")
    lang: str = Field(description="The language of `hint`, chosen as for a reward's texts")
    met: int = Field(description="How many of its conditions the user meets")
    total: int = Field(description="Out of how many")


class StatusCounts(BaseModel):
    """How many rewards of the user's whole list are in each status: what a bot shows without fetching them."""

    locked: int = Field(description="Not unlocked yet (a secret reward counts only once unlocked)")
    unlocked: int = Field(description="Claimable now")
    claimed: int = Field(description="Claimed in their current window")
    expired: int = Field(description="Their claim window passed unclaimed")


class UserRewardsResponse(BaseModel):
    user_id: int = Field(description="The user asked about")
    rewards: list[UserRewardView] = Field(
        description="The active rewards the caller may see that pass the filters, in display order (sort_order, "
        "then slug): all of them, or the page asked for"
    )
    hints: list[HintView] = Field(
        default_factory=list,
        description="The locked secret rewards that have a hint; with the first page only (no `cursor`)",
    )
    counts: StatusCounts = Field(
        description="The whole list per status: every reward the caller may see, before filters, paging and tiers"
    )
    next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor`, with the same filters, for the next page; null on the last page and "
        "without `limit`",
    )


# --- claims and grants -------------------------------------------------------------------------


class ClaimResponse(TypedPayload):
    grant_id: str = Field(description="The grant to deliver, then acknowledge (POST /v1/grants/{grant_id}/ack)")
    reward: str = Field(description="The reward's slug")
    name: str = Field(description="The reward's name in `lang`, to thank the user with")
    lang: str = Field(
        description="The language of `name` (chosen as for the rewards list, from ?lang= or Accept-Language); "
        "a retry with the same Idempotency-Key answers in the first attempt's language"
    )
    reward_type: RewardType = _as_defined("reward_type")
    reward_value: RewardValue = _as_defined("reward_value")
    claim_number: int = Field(description="1 for the user's first claim of this reward, 2 for the next, ...")
    claimed_at: datetime = Field(description="When the claim was made (UTC)")
    unlocked: list[UnlockedReward] = Field(
        default_factory=list, description="Rewards that needed this one claimed first, unlocked by this claim"
    )


class BesitosChange(BaseModel):
    """Besitos to credit (`amount` > 0, a grant) or to take back (`amount` < 0, a reversal)."""

    model_config = ConfigDict(extra="forbid")
    amount: int = Field(
        ge=-MAX_STORED_INT, le=MAX_STORED_INT, description="Besitos to credit (> 0) or to take back (< 0)"
    )


class GrantView(TypedPayload):
    """One ledger entry: a grant (`kind: grant`) or the reversal of a revoked grant (`kind: reversal`)."""

    model_config = ConfigDict(extra="ignore")

    grant_id: str = Field(description="Stable id: a reversal's is its grant's followed by -reversal")
    user_id: int = Field(description="The user it is for")
    kind: GrantKind = Field(
        default=GrantKind.GRANT, description="grant: apply it; reversal: take back the grant named by `reverses`"
    )
    reverses: str | None = Field(default=None, description="A reversal: the grant_id it takes back; null for a grant")
    reward: str = Field(validation_alias=AliasChoices("reward_slug", "reward"), description="The reward's slug")
    name: str = Field(description="The reward's name today (in `lang`), so the bot can tell the user what it gets")
    description: str | None = Field(description=_DESCRIPTION)
    lang: str = Field(description=_LANG)
    reward_type: RewardType = _as_defined("reward_type")
    reward_type_display: EnumDisplay = _display_of("reward_type")
    reward_value: RewardValue = Field(
        description="What to apply; a reversal: what to take back (besitos as a negative amount, "
        "the badge, the VIP days or the content set otherwise)"
    )
    claim_number: int = Field(description="The claim this entry comes from (a reversal: its grant's)")
    claimed_at: datetime = Field(description="A grant: the claim time; a reversal: the revocation time")
    delivered_at: datetime | None = Field(description="When the bot acknowledged it (UTC); null until then (pending)")
    revoked_at: datetime | None = Field(default=None, description="A revoked grant: when; null otherwise")
    revoked_reason: str | None = Field(default=None, description="A revoked grant: why; null otherwise")
    reason: str | None = Field(default=None, description="A reversal: why its grant was revoked; null for a grant")

    @classmethod
    def value_models(cls) -> dict[RewardType, type[BaseModel]]:
        # A reversal's besitos amount is negative, which BesitosValue refuses.
        return {**REWARD_VALUE_MODELS, RewardType.BESITOS: BesitosChange}


class RevokeRequest(_Strict):
    reason: str = Field(
        min_length=1, max_length=500, description="Why the grant is revoked (a refund, abuse, a mistake)"
    )


class GrantList(BaseModel):
    grants: list[GrantView] = Field(description="Oldest first")


class BadgeView(BaseModel):
    reward: str = Field(description="The slug of the reward that granted it")
    badge_name: str = Field(description="The badge's name as the user sees it")
    emoji: str = Field(description="The emoji shown with the badge")
    earned_at: datetime = Field(description="When the reward was claimed (UTC)")


class BadgeList(BaseModel):
    badges: list[BadgeView] = Field(description="The badges the user holds")


# --- service ---------------------------------------------------------------------------------------


class HealthResponse(BaseModel):
    """Readiness: whether this instance can serve requests, which needs its database."""

    status: Literal["ok", "degraded"] = Field(description="ok: serving; degraded: the database does not answer")
    database: Literal["ok", "unavailable"] = Field(description="Whether the database answered a ping in time")


class LivenessResponse(BaseModel):
    """Liveness: the process is up and answering; says nothing of the database."""

    status: Literal["ok"] = Field(description="Always ok: the process answered")
