"""Community goals: the whole community adds to one number towards a target, within a window of time.

A goal counts what events add to a declared `count` counter or an additive built-in fact between
`starts_at` and `ends_at`. Once the total reaches `target`, its reward (a reward whose only
condition is `awarded`) unlocks for every user who contributed at least `min_contribution` during
the window, and for those who reach it later in the window, each once.
"""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from rewards_contract.api import PathUserId
from rewards_contract.errors import DetailType
from rewards_contract.facts import ADDITIVE_FACTS
from rewards_contract.fields import UtcDatetimeInput, WholeNumber, field_refused
from rewards_contract.languages import RewardDescription, RewardName
from rewards_contract.leaderboards import BoardTranslations
from rewards_contract.rewards import MAX_STORED_INT, CounterName, Slug

# The most goals a community declares: each active one is held by every instance's catalogue cache.
MAX_GOALS = 100

_COUNTS = (
    "What it adds up: a declared count counter, or a built-in fact events add to "
    f"({', '.join(ADDITIVE_FACTS)}); never changes"
)


class GoalDefinition(BaseModel):
    """Body of POST /v1/goals."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug = Field(description="The goal's id in paths; never changes")
    name: RewardName = Field(description="The goal's name in the default language")
    description: RewardDescription = Field(default=None, description="What the community is asked to do")
    translations: BoardTranslations = Field(
        default_factory=dict, description="name and description in other languages, keyed by BCP 47 tag"
    )
    counts: CounterName = Field(description=_COUNTS)
    target: WholeNumber = Field(gt=0, le=MAX_STORED_INT, description="The total to reach; never changes")
    starts_at: UtcDatetimeInput = Field(description="When contributions start to count; never changes")
    ends_at: UtcDatetimeInput = Field(description="When they stop (exclusive); never changes")
    reward: Slug = Field(
        description="The reward unlocked for contributors once reached; its only condition is `awarded`"
    )
    min_contribution: WholeNumber = Field(
        default=1, ge=1, le=MAX_STORED_INT, description="What a user must add within the window to get the reward"
    )
    is_active: bool = Field(default=True, description="An inactive goal counts nothing more and gives nothing more")

    @model_validator(mode="after")
    def _window_in_order(self) -> "GoalDefinition":
        if self.ends_at <= self.starts_at:
            raise field_refused("ends_at", DetailType.TOO_SMALL, "must be after starts_at")
        return self


class GoalPatch(BaseModel):
    """Body of PATCH /v1/goals/{slug}: texts and whether it is active (what it counts and its target never change)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    name: RewardName | SkipJsonSchema[None] = Field(default=None, description="The new name")
    description: RewardDescription = Field(default=None, description="The new description; null removes it")
    translations: BoardTranslations | SkipJsonSchema[None] = Field(
        default=None, description="name and description in other languages, all of them (they replace the stored ones)"
    )
    is_active: bool | SkipJsonSchema[None] = Field(default=None, description="false: it counts and gives nothing more")

    @model_validator(mode="after")
    def _something_sent(self) -> "GoalPatch":
        if not self.model_fields_set:
            raise field_refused(
                "", DetailType.MISSING, "send at least one of name, description, translations, is_active"
            )
        for name in ("name", "translations", "is_active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise field_refused(name, DetailType.NOT_ALLOWED, "must not be null")
        return self


class GoalView(GoalDefinition):
    """A goal with its progress. The total trails events by the goal relay's pace (REWARDS_GOAL_RELAY_SECONDS)."""

    model_config = ConfigDict(extra="ignore")

    reward: str | None = Field(  # type: ignore[assignment]  # the view may leave out what the definition requires
        description="The reward contributors get; to the bot's token a secret reward shows by its hint's id "
        "(`h_...`) and an inactive one is null"
    )
    total: int = Field(description="What the community added within the window so far")
    share: float = Field(description="total / target, capped at 1.0")
    contributors: int = Field(description="How many users added something within the window")
    reached_at: datetime | None = Field(description="When the total reached the target; null until then")
    created_at: datetime = Field(description="When it was declared")
    updated_at: datetime = Field(description="When it last changed")


class GoalList(BaseModel):
    goals: list[GoalView] = Field(description="Every goal, by slug")


class ContributionView(BaseModel):
    """One user's own contribution to a goal."""

    goal: str = Field(description="The goal's slug")
    user_id: int = Field(description="The user")
    amount: int = Field(description="What the user's events added within the window (exact, read from their facts)")
    qualifies: bool = Field(description="amount >= min_contribution: the user gets the reward once the goal is reached")


class GoalPath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug = Field(description="The goal's slug", examples=["ten-thousand-points"])


class GoalUserPath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug = Field(description="The goal's slug", examples=["ten-thousand-points"])
    user_id: PathUserId = Field(examples=[123456789])
