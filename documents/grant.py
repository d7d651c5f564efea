"""The grants ledger: one record per successful claim, kept until the bot acknowledges it."""

from typing import Any

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.enums import GrantKind, RewardType
from rewards_contract.fields import UserId, UtcDatetime

from documents.clock import utc_now
from documents.feed import FeedOutboxEntry


def grant_id_for(user_id: int, reward_id: str, claim_number: int) -> str:
    """Deterministic: the same claim always maps to the same grant, so recovery can repeat the insert."""
    return f"{user_id}-{reward_id}-{claim_number}"


def reversal_id_for(grant_id: str) -> str:
    """Deterministic: every revoke of the same grant upserts the same reversal, so there is only ever one."""
    return f"{grant_id}-reversal"


def user_of_grant(grant_id: str) -> int | None:
    """The user a grant id belongs to (its first part), so lookups by grant id reach one shard."""
    head, _, _ = grant_id.partition("-")
    return int(head) if head.isascii() and head.isdigit() and 0 < int(head) < 2**63 else None


class RewardGrant(Document):
    """Collection `reward_grants`: grants, and the reversals of revoked grants (`kind`)."""

    model_config = ConfigDict(extra="ignore")

    grant_id: str
    user_id: UserId
    # Absent from documents written before revocation existed: those are grants.
    kind: GrantKind = GrantKind.GRANT
    # A reversal: the grant_id it takes back.
    reverses: str | None = None
    reward_id: PydanticObjectId
    reward_slug: str
    reward_type: RewardType
    # A snapshot: later edits of the reward never change what was granted.
    reward_value: dict[str, Any]
    claim_number: int = Field(ge=1)
    claimed_at: UtcDatetime
    delivered_at: UtcDatetime | None = None
    idempotency_key: str | None = None
    created_at: UtcDatetime = Field(default_factory=utc_now)
    # A revoked grant: when and why (the first revoke's reason wins). Never set on a reversal.
    revoked_at: UtcDatetime | None = None
    revoked_reason: str | None = Field(default=None, max_length=500)
    # A reversal: why its grant was revoked.
    reason: str | None = Field(default=None, max_length=500)
    # Feed entries of this record's changes (created, revoked, acked), until the relay copies them.
    feed_outbox: list[FeedOutboxEntry] = Field(default_factory=list)

    class Settings:
        name = "reward_grants"
        use_state_management = False
        indexes = [
            # Exactly one record per claim, whoever writes it (the claim or recovery).
            # Led by user_id so it stays possible when the collection is sharded by user_id.
            IndexModel(
                [("user_id", pymongo.ASCENDING), ("grant_id", pymongo.ASCENDING)],
                name="user_grant_unique",
                unique=True,
            ),
            # The bot's "pending grants, oldest first" and a user's history.
            IndexModel(
                [
                    ("user_id", pymongo.ASCENDING),
                    ("delivered_at", pymongo.ASCENDING),
                    ("claimed_at", pymongo.ASCENDING),
                ],
                name="user_delivery",
            ),
            IndexModel([("claimed_at", pymongo.ASCENDING)], name="claimed_at"),
            # A retried claim whose first answer was lost finds the grant made with its key.
            IndexModel(
                [("user_id", pymongo.ASCENDING), ("idempotency_key", pymongo.ASCENDING)],
                name="user_idempotency_key",
                partialFilterExpression={"idempotency_key": {"$type": "string"}},
            ),
            # The pending-grants gauge of /metrics and analysts' "unacknowledged for an hour".
            IndexModel([("delivered_at", pymongo.ASCENDING)], name="delivered_at"),
            # A reward's grants: capping a reward already granted counts its slots taken.
            IndexModel([("reward_slug", pymongo.ASCENDING), ("kind", pymongo.ASCENDING)], name="reward_kind"),
            # The feed relay finds the records holding entries to copy.
            IndexModel([("feed_outbox.at", pymongo.ASCENDING)], name="feed_outbox"),
        ]
