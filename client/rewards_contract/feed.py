"""The activity feed: every state change, in the order the service recorded it, behind a cursor.

The same entries are POSTed to the configured webhook, signed as Standard Webhooks specifies.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from rewards_contract.fields import MAX_USER_ID
from rewards_contract.paging import known_values, values_pattern

MAX_FEED_PAGE = 500


class FeedEntryType(StrEnum):
    """What changed."""

    REWARD_UNLOCKED = "reward_unlocked"
    # A reminder: the claim window closes in REWARDS_REMIND_BEFORE_HOURS (once per unlock).
    REWARD_EXPIRING = "reward_expiring"
    REWARD_EXPIRED = "reward_expired"
    GRANT_CREATED = "grant_created"
    # An admin revoked a grant: `data` is the reversal to apply.
    GRANT_REVOKED = "grant_revoked"
    GRANT_ACKED = "grant_acked"
    # A leaderboard's run closed: an entry of the community, with no user and no reward.
    LEADERBOARD_CLOSED = "leaderboard_closed"
    # A community goal reached its target (once per goal): an entry of the community too.
    GOAL_REACHED = "goal_reached"


# A position in the feed: the `seq` of the last entry read, as decimal digits ("0": the beginning).
# At most 18 digits: every such number fits the signed 64 bits MongoDB stores.
Cursor = str
CURSOR_PATTERN = r"^[0-9]{1,18}$"


class FeedEntryView(BaseModel):
    """One state change. `id` is stable: the webhook's `webhook-id`, the same for every delivery of it."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(description="Stable: the same entry always has this id (the webhook's webhook-id)")
    type: FeedEntryType = Field(description="What changed")
    user_id: int | None = Field(
        ge=1,
        le=MAX_USER_ID,
        description="The user it happened to; null for the community's entries (leaderboard_closed, goal_reached)",
    )
    reward_slug: str | None = Field(
        description="The reward it is about; null for the community's entries (leaderboard_closed, goal_reached)"
    )
    at: datetime = Field(description="When the change happened (UTC)")
    data: dict[str, Any] = Field(
        description="reward_unlocked: unlocked_at, expires_at; reward_expiring / reward_expired: expires_at; "
        "grant_created / grant_revoked / grant_acked: the grant or reversal as the grants endpoint shows it "
        "(without the texts); leaderboard_closed: board, run, starts_at, ends_at and the final standings as far as a "
        "prize reaches (rank, user_id, score; each winner's prize comes as their own reward_unlocked); goal_reached: "
        "goal, target, total (each contributor's reward comes as their own reward_unlocked)"
    )
    cursor: Cursor = Field(description="Pass as `after` to read the entries that follow this one")


class FeedPage(BaseModel):
    entries: list[FeedEntryView] = Field(description="Oldest first")
    next: Cursor = Field(description="Pass as `after` for the following page; the same when nothing is new yet")


TYPES_PATTERN = values_pattern(FeedEntryType)
_known_types = known_values(FeedEntryType, "type")


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: Cursor = Field(
        default="0",
        pattern=CURSOR_PATTERN,
        description="A cursor from an earlier page (`next` or an entry's `cursor`); 0 or absent: the oldest kept entry",
    )
    limit: int = Field(default=100, ge=1, le=MAX_FEED_PAGE, description="At most this many entries")

    types: Annotated[str | None, BeforeValidator(_known_types)] = Field(
        default=None,
        pattern=TYPES_PATTERN,
        description="Comma-separated entry types to answer (the cursor still moves past the others)",
        examples=["reward_unlocked,grant_revoked"],
    )

    def type_set(self) -> frozenset[FeedEntryType] | None:
        return None if self.types is None else frozenset(FeedEntryType(t) for t in self.types.split(","))
