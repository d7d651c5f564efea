"""Remembered claim answers, keyed by the caller's Idempotency-Key."""

from typing import Any

import pymongo
from beanie import Document
from pydantic import ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.fields import UserId, UtcDatetime

from documents.clock import utc_now

# Keys are promised for at least 24 hours; MongoDB's TTL monitor removes them some time after this.
IDEMPOTENCY_KEY_TTL_SECONDS = 48 * 3600


class IdempotencyRecord(Document):
    """Collection `idempotency_keys`: a key reserved for one (user, reward) claim, and its first outcome."""

    model_config = ConfigDict(extra="ignore")

    key: str
    user_id: UserId
    reward_slug: str
    # The languages the first attempt asked for (`LanguageChoice.ranges`): a replay answers in them.
    language_ranges: list[str] | None = None
    # The outcome to replay: the grant of a successful claim, or the refusal's code and message.
    # All three are null while the first attempt is still running (or lost its answer).
    grant: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    created_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "idempotency_keys"
        use_state_management = False
        indexes = [
            IndexModel([("key", pymongo.ASCENDING)], name="key_unique", unique=True),
            IndexModel(
                [("created_at", pymongo.ASCENDING)],
                name="created_at_ttl",
                expireAfterSeconds=IDEMPOTENCY_KEY_TTL_SECONDS,
            ),
        ]
