"""Leaderboards: who added the most to a number during a run, and the prizes given to the best when it closes.

A board ranks one number that events add to: a declared `count` counter or an additive built-in
fact (`total_points`, `purchases_count`, ...). Its runs repeat (`daily`, `weekly`, `monthly`, UTC),
last for ever (`all_time`), or span one season between two instants. A run's score is what the
user's events added during the run; ties go to whoever reached the score first. Prizes are rewards
whose only condition is `awarded`: evaluation never unlocks them, the run's closing does.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

from rewards_contract.api import PathUserId
from rewards_contract.errors import DetailType
from rewards_contract.facts import ADDITIVE_FACTS
from rewards_contract.fields import MAX_USER_ID, UtcDatetimeInput, WholeNumber, field_refused
from rewards_contract.languages import RewardDescription, RewardName, TranslationsOf
from rewards_contract.rewards import CounterName, Slug

# The most boards a community declares: each active one is held by every instance's catalogue cache.
MAX_LEADERBOARDS = 100
# The most prize lines a board holds, and the worst rank a prize may reach: a closing reads that many standings.
MAX_PRIZES = 10
MAX_PRIZE_RANK = 100
# The most standings one read answers (the top N, or the users around one user on each side).
MAX_TOP = 100
MAX_AROUND = 10


class BoardPeriod(StrEnum):
    """How a board's runs follow each other (UTC, as windows count days)."""

    ALL_TIME = "all_time"
    DAILY = "daily"
    # ISO weeks: Monday 00:00 UTC to the next Monday.
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    # One run, between `starts_at` and `ends_at`.
    SEASON = "season"


_RANKS = (
    "What it ranks: a declared count counter, or a built-in fact events add to "
    f"({', '.join(ADDITIVE_FACTS)}); never changes"
)


class Prize(BaseModel):
    """A reward for the ranks `from_rank` to `to_rank` of each closed run."""

    model_config = ConfigDict(extra="forbid")

    from_rank: WholeNumber = Field(ge=1, le=MAX_PRIZE_RANK, description="The best rank it is given to (1: the winner)")
    to_rank: WholeNumber = Field(ge=1, le=MAX_PRIZE_RANK, description="The worst rank it is given to")
    reward: Slug = Field(description="The reward unlocked for each of those users; its only condition is `awarded`")

    @model_validator(mode="after")
    def _ranks_in_order(self) -> "Prize":
        if self.to_rank < self.from_rank:
            raise field_refused("to_rank", DetailType.TOO_SMALL, "must not be better (smaller) than from_rank")
        return self


Prizes = Annotated[list[Prize], Field(max_length=MAX_PRIZES)]


class BoardTexts(BaseModel):
    """A board's name and description in one language."""

    model_config = ConfigDict(extra="forbid")

    name: RewardName = Field(description="The board's name in that language")
    description: RewardDescription = Field(default=None, description="Its description in that language")


BoardTranslations = TranslationsOf[BoardTexts]


class LeaderboardDefinition(BaseModel):
    """Body of POST /v1/leaderboards, and a seed file's `leaderboards` entries."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "slug": "weekly-chatters",
                    "name": "Top chatters of the week",
                    "ranks": "messages_sent",
                    "period": "weekly",
                    "prizes": [{"from_rank": 1, "to_rank": 1, "reward": "chatter-of-the-week"}],
                }
            ]
        },
    )

    slug: Slug = Field(description="The board's id in paths; never changes")
    name: RewardName = Field(description="The board's name in the default language")
    description: RewardDescription = Field(default=None, description="What it ranks, in a sentence")
    translations: BoardTranslations = Field(
        default_factory=dict, description="name and description in other languages, keyed by BCP 47 tag"
    )
    ranks: CounterName = Field(description=_RANKS)
    period: BoardPeriod = Field(description="all_time, daily, weekly, monthly (UTC), or one season")
    starts_at: UtcDatetimeInput | None = Field(default=None, description="season: when its one run starts")
    ends_at: UtcDatetimeInput | None = Field(default=None, description="season: when its one run ends (exclusive)")
    prizes: Prizes = Field(default_factory=list, description="Rewards for ranks, unlocked when a run closes")
    is_active: bool = Field(default=True, description="An inactive board counts nothing and closes no run")

    @model_validator(mode="after")
    def _season_bounds(self) -> "LeaderboardDefinition":
        season = self.period is BoardPeriod.SEASON
        for name in ("starts_at", "ends_at"):
            sent = getattr(self, name) is not None
            if season and not sent:
                raise field_refused(name, DetailType.MISSING, "is required for a season")
            if not season and sent:
                raise field_refused(name, DetailType.NOT_ALLOWED, f"must be absent for a {self.period} board")
        if season and self.ends_at is not None and self.starts_at is not None and self.ends_at <= self.starts_at:
            raise field_refused("ends_at", DetailType.TOO_SMALL, "must be after starts_at")
        if self.period is BoardPeriod.ALL_TIME and self.prizes:
            raise field_refused(
                "prizes", DetailType.NOT_ALLOWED, "an all_time board never closes, so it gives no prize"
            )
        return self


class LeaderboardPatch(BaseModel):
    """Body of PATCH /v1/leaderboards/{slug}: texts, prizes and whether it is active (what it ranks never changes)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    name: RewardName | SkipJsonSchema[None] = Field(default=None, description="The new name")
    description: RewardDescription = Field(default=None, description="The new description; null removes it")
    translations: BoardTranslations | SkipJsonSchema[None] = Field(
        default=None, description="name and description in other languages, all of them (they replace the stored ones)"
    )
    prizes: Prizes | SkipJsonSchema[None] = Field(
        default=None, description="Every prize line (they replace the stored ones); runs closed before keep theirs"
    )
    is_active: bool | SkipJsonSchema[None] = Field(
        default=None, description="false: events stop feeding it and no run closes; its standings stay readable"
    )

    @model_validator(mode="after")
    def _something_sent(self) -> "LeaderboardPatch":
        if not self.model_fields_set:
            raise field_refused("", DetailType.MISSING, "send at least one of name, description, translations, ...")
        for name in ("name", "translations", "prizes", "is_active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise field_refused(name, DetailType.NOT_ALLOWED, "must not be null")
        return self


class RunView(BaseModel):
    """One run of a board: its key, when it starts and ends, and whether its prizes were given."""

    key: str = Field(
        description="The run's id in paths: `all`, a day `YYYY-MM-DD`, an ISO week `YYYY-Www`, a month `YYYY-MM`, or `season`"
    )
    starts_at: datetime | None = Field(description="null for all_time")
    ends_at: datetime | None = Field(description="Exclusive; null for all_time")
    closed: bool = Field(description="Its standings are final and its prizes given")


class LeaderboardView(LeaderboardDefinition):
    """A board as stored, with its current run."""

    model_config = ConfigDict(extra="ignore")

    current_run: RunView | None = Field(description="The run events add to now; null when none is open")
    created_at: datetime = Field(description="When it was declared")
    updated_at: datetime = Field(description="When it last changed")


class LeaderboardList(BaseModel):
    leaderboards: list[LeaderboardView] = Field(description="Every board, by slug")


class Ranked(BaseModel):
    """One user's place in a run. The service knows ids, not names: the bot puts names on them."""

    rank: int = Field(ge=1, description="1: the best")
    user_id: int = Field(description="The user, by Telegram id")
    score: int = Field(ge=0, description="What the user's events added during the run")
    reached_at: datetime = Field(description="When the user reached this score: ties go to the earliest")


class TopQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=10, ge=1, le=MAX_TOP, description=f"At most this many users (at most {MAX_TOP})")


class AroundQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    around: int = Field(default=2, ge=0, le=MAX_AROUND, description="How many users above and below to answer too")


class Standings(BaseModel):
    """The top of a run."""

    board: str = Field(description="The board's slug")
    run: RunView = Field(description="The run these standings are of")
    entries: list[Ranked] = Field(description="Best first")


class UserStanding(BaseModel):
    """One user's rank in a run, with the users around them."""

    board: str = Field(description="The board's slug")
    run: RunView = Field(description="The run this rank is in")
    user_id: int = Field(description="The user asked about")
    rank: int | None = Field(description="null: the user scored nothing in this run (or was removed from it)")
    score: int = Field(description="What the user's events added during the run (0 without a rank)")
    above: list[Ranked] = Field(description="The users just above, best first")
    below: list[Ranked] = Field(description="The users just below, best first")


class Removal(BaseModel):
    """Body of POST /v1/leaderboards/{slug}/runs/{run}/removals: take a user out of a run."""

    model_config = ConfigDict(extra="forbid")

    user_id: WholeNumber = Field(ge=1, le=MAX_USER_ID, description="The user to take out; the others move up")
    reason: str = Field(min_length=1, max_length=300, description="Why, for the record")


class RemovalView(BaseModel):
    board: str = Field(description="The board's slug")
    run: str = Field(description="The run's key")
    user_id: int = Field(description="The user taken out")
    reason: str = Field(description="Why, as the admin wrote it")
    removed_at: datetime = Field(description="When")
    after_closing: bool = Field(description="The run had closed: its prizes stay given (revoke their grants if needed)")


class RunList(BaseModel):
    """A board's runs that still have standings, newest first."""

    runs: list[RunView] = Field(description="The current run first, then the closed ones, newest first")


# --- path parameters ---

_BOARD = Field(description="The leaderboard's slug", examples=["weekly-points"])
RUN_KEY_PATTERN = r"^[0-9A-Za-z-]+$"
RunKey = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=RUN_KEY_PATTERN)]
_RUN = Field(description="A run's key: `all`, `2026-12-07`, `2026-W49`, `2026-12` or `season`", examples=["2026-W49"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LeaderboardPath(_Strict):
    slug: Slug = _BOARD


class RunPath(_Strict):
    slug: Slug = _BOARD
    run: RunKey = _RUN


class BoardUserPath(_Strict):
    slug: Slug = _BOARD
    user_id: PathUserId = Field(examples=[123456789])


class RunUserPath(_Strict):
    slug: Slug = _BOARD
    run: RunKey = _RUN
    user_id: PathUserId = Field(examples=[123456789])
