"""Per (user, reward) state: created when the reward first unlocks for that user."""

from typing import Any

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.enums import RewardStatus, RewardType
from rewards_contract.fields import UserId, UtcDatetime

from documents.clock import utc_now
from documents.feed import FeedOutboxEntry


class PendingGrant(BaseModel):
    """A grant recorded by the claim's own atomic update, until it is copied into `reward_grants`.

    The claim and this snapshot are one single-document write, so a crash before the ledger insert
    leaves the grant here for recovery to copy. While it is set no further claim can match (the
    claim filter requires `pending_grant: null`), so its claim number is the document's
    `claim_count` and its grant id is derived from that: repeating the copy never duplicates.
    """

    model_config = ConfigDict(extra="ignore")

    reward_slug: str
    reward_type: RewardType
    reward_value: dict[str, Any]
    claimed_at: UtcDatetime
    idempotency_key: str | None = None


class PendingSlot(BaseModel):
    """A limited edition's claim in progress: it holds the unlock while it takes a slot (see `editions`)."""

    model_config = ConfigDict(extra="ignore")

    at: UtcDatetime
    idempotency_key: str | None = None


class UserReward(Document):
    """Collection `user_rewards`: no document means the reward is locked for that user."""

    model_config = ConfigDict(extra="ignore")

    user_id: UserId
    reward_id: PydanticObjectId
    reward_slug: str
    status: RewardStatus = RewardStatus.LOCKED
    unlocked_at: UtcDatetime | None = None
    claimed_at: UtcDatetime | None = None
    expires_at: UtcDatetime | None = None
    claim_count: int = 0
    last_claimed_at: UtcDatetime | None = None
    # Which event (or facts update) caused the latest unlock: lets a replayed event answer the same.
    unlocked_by: str | None = None
    # The facts the reward's conditions read at the latest unlock: a repeatable reward unlocks
    # again only once one of them has changed (so unrelated activity cannot reopen it).
    unlock_inputs: dict[str, int | bool] | None = None
    pending_grant: PendingGrant | None = None
    pending_slot: PendingSlot | None = None
    # A repeatable reward counting over windows: per counter, [day, count] on the day of the latest
    # claim; only what events add after it counts toward the next unlock.
    window_marks: dict[str, list[int]] | None = None
    # False from an unlock until its reminder (`reward_expiring`) is entered in the feed; missing on
    # unlocks stored before the feed existed, which get no reminder (nothing is invented for them).
    reminded: bool | None = None
    # Feed entries of this document's changes, until the relay copies them into `feed`.
    feed_outbox: list[FeedOutboxEntry] = Field(default_factory=list)
    created_at: UtcDatetime = Field(default_factory=utc_now)
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "user_rewards"
        use_state_management = False
        indexes = [
            # One state per (user, reward): backs "unlocks once" and the claim's guarded update.
            IndexModel(
                [("user_id", pymongo.ASCENDING), ("reward_id", pymongo.ASCENDING)],
                name="user_reward_unique",
                unique=True,
            ),
            # "My rewards" and "my unlocked rewards".
            IndexModel(
                [("user_id", pymongo.ASCENDING), ("status", pymongo.ASCENDING)],
                name="user_status",
            ),
            IndexModel([("unlocked_at", pymongo.ASCENDING)], name="unlocked_at"),
            # The console's funnel of one reward: its users' states, counted by status.
            IndexModel(
                [("reward_slug", pymongo.ASCENDING), ("status", pymongo.ASCENDING)],
                name="reward_status",
            ),
            # The expiry sweep: unlocked rewards whose claim window has passed. Led by status so the
            # sweep reads only unlocked windows, not every window that ever closed (expires_at stays set).
            IndexModel(
                [("status", pymongo.ASCENDING), ("expires_at", pymongo.ASCENDING)],
                name="status_expires_at",
            ),
            # The feed relay finds the documents holding entries to copy.
            IndexModel([("feed_outbox.at", pymongo.ASCENDING)], name="feed_outbox"),
            # The sweep releases the holds of limited-edition claims that never came back.
            IndexModel(
                [("pending_slot.at", pymongo.ASCENDING)],
                name="pending_slot",
                partialFilterExpression={"pending_slot.at": {"$exists": True}},
            ),
            # Grant recovery finds the few claims whose ledger copy may be missing.
            IndexModel(
                [("pending_grant.claimed_at", pymongo.ASCENDING)],
                name="pending_grant",
                partialFilterExpression={"pending_grant.claimed_at": {"$exists": True}},
            ),
        ]
