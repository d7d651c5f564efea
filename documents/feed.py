"""The activity feed (`feed`), its counter, and the outbox entries that wait on changed documents.

A change and its feed entry cannot be one write (two collections, no transactions). So the write
that makes the change also appends the entry to the changed document's `feed_outbox` (one atomic
single-document write), and the relay copies outbox entries into `feed`, numbering them, then
removes them from the outbox. An entry therefore exists if and only if its change was stored, and
a crash between the relay's writes only makes the relay repeat them (the entry id is unique).
"""

from typing import Any

import pymongo
from beanie import Document
from pydantic import BaseModel, ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.feed import FeedEntryType
from rewards_contract.fields import UserId, UtcDatetime

FEED_COUNTER_ID = "feed"


class FeedOutboxEntry(BaseModel):
    """A feed entry recorded with its change, on the changed document, until the relay copies it."""

    model_config = ConfigDict(extra="ignore")

    # Derived from the change (e.g. `grant_created:<grant_id>`): the same change, the same id.
    entry_id: str
    type: FeedEntryType
    # None for an entry of the community (a leaderboard's closing).
    user_id: UserId | None = None
    # Left out by an acknowledgement (its update does not read the record): the relay takes it from the record.
    reward_slug: str | None = None
    at: UtcDatetime
    data: dict[str, Any] = Field(default_factory=dict)


class FeedEntry(Document):
    """Collection `feed`: entries numbered by `seq` (1, 2, 3, ... with no gap), kept for the retention period."""

    model_config = ConfigDict(extra="ignore")

    entry_id: str
    seq: int = Field(ge=1)
    type: FeedEntryType
    # None for an entry of the community (a leaderboard's closing): it is about no user and no reward.
    user_id: UserId | None = None
    reward_slug: str | None = None
    at: UtcDatetime
    data: dict[str, Any] = Field(default_factory=dict)
    # When the relay numbered it, and when the TTL index deletes it (REWARDS_FEED_RETENTION_DAYS later).
    created_at: UtcDatetime
    expires_at: UtcDatetime

    class Settings:
        name = "feed"
        use_state_management = False
        indexes = [
            # A change is entered once, however often the relay repeats its copy.
            IndexModel([("entry_id", pymongo.ASCENDING)], name="entry_id_unique", unique=True),
            # The order readers follow; unique: two relays can never give one number twice.
            IndexModel([("seq", pymongo.ASCENDING)], name="seq_unique", unique=True),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="retention_ttl", expireAfterSeconds=0),
            # The console's user page: one user's latest entries.
            IndexModel([("user_id", pymongo.ASCENDING), ("seq", pymongo.DESCENDING)], name="user_latest"),
            # The console's funnel: one reward's unlocks per day over the days the feed keeps.
            IndexModel(
                [("reward_slug", pymongo.ASCENDING), ("type", pymongo.ASCENDING), ("at", pymongo.ASCENDING)],
                name="reward_type_at",
            ),
        ]


class FeedCounter(Document):
    """Collection `feed_counter`: `_id: "feed"`, the last number given, which outlives the entries it numbered."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default=FEED_COUNTER_ID)  # type: ignore[assignment]  # one fixed string, not Beanie's ObjectId
    last_seq: int = Field(default=0, ge=0)

    class Settings:
        name = "feed_counter"
        use_state_management = False


class Lease(Document):
    """Collection `leases`: one document per background job that one instance at a time may run.

    `_id` names the job (`feed-relay`, `webhook-sender`); `owner` is the instance holding it until
    `expires_at`. A crashed owner stops renewing and another instance takes over once it expired.
    """

    model_config = ConfigDict(extra="ignore")

    id: str  # type: ignore[assignment]  # the job's name, not Beanie's ObjectId
    owner: str
    expires_at: UtcDatetime

    class Settings:
        name = "leases"
        use_state_management = False
