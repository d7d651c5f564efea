"""Webhook delivery's stored state: where delivery stands, shared by every instance (one sends at a time).

The position (`delivered_seq`) lives in the database, so whichever instance holds the sender's lease
continues where the last holder stopped. Every change of the position is conditional on the
position its writer read: a stale holder's write matches nothing, so the position never moves
twice or backwards. What to send and when is decided by the sender (`service/jobs/webhook_sender.py`).
"""

import contextlib
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from documents import WEBHOOK_STATE_ID, WebhookState
from service.db import collections
from service.operations.feed import last_seq

# Nothing sent yet: the state model's defaults (what a missing document reads as).
STATE_DEFAULTS: dict[str, Any] = {
    name: field.get_default(call_default_factory=True)
    for name, field in WebhookState.model_fields.items()
    if name not in ("id", "revision_id")
}
# What a success or a give-up resets: the next entry starts with a clean slate.
_CLEAR_FAILURE = {"attempts": 0, "failing_since": None, "next_attempt_at": None}


async def load_state() -> dict[str, Any]:
    """The stored state, with defaults for what was never written (no document yet: nothing sent)."""
    stored = await collections.webhook_deliveries().find_one({"_id": WEBHOOK_STATE_ID}) or {}
    return {**STATE_DEFAULTS, **stored}


async def ensure_state() -> dict[str, Any]:
    """The stored state, written with its defaults the first time (later steps only read)."""
    stored = await collections.webhook_deliveries().find_one({"_id": WEBHOOK_STATE_ID})
    if stored is not None:
        return {**STATE_DEFAULTS, **stored}
    # Another (stale) holder may have inserted it at the same moment: then it exists.
    with contextlib.suppress(DuplicateKeyError):
        await collections.webhook_deliveries().update_one(
            {"_id": WEBHOOK_STATE_ID}, {"$setOnInsert": STATE_DEFAULTS}, upsert=True
        )
    return await load_state()


async def delivery_status() -> dict[str, Any]:
    """The stored state plus the backlog: entries numbered after the position."""
    state = await load_state()
    return {**state, "backlog": max(0, await last_seq() - state["delivered_seq"])}


async def record_delivered(entry: dict[str, Any], previous: int, now: datetime) -> bool:
    """Move the position past a delivered entry; False when another holder moved it first.

    `previous` is entry seq - 1, except on a first start, when the feed's oldest kept entry may come later than 1.
    """
    moved = await collections.webhook_deliveries().update_one(
        {"_id": WEBHOOK_STATE_ID, "delivered_seq": previous},
        {
            "$set": {
                "delivered_seq": entry["seq"],
                **_CLEAR_FAILURE,
                "last_delivered_id": entry["entry_id"],
                "last_delivered_seq": entry["seq"],
                "last_delivered_at": now,
            }
        },
    )
    return moved.modified_count == 1


async def record_failure(
    position: int, attempts: int, failing_since: datetime, retry_at: datetime, error: str | None, now: datetime
) -> None:
    """Remember a failed attempt at the entry after `position`, and when to try it again."""
    await collections.webhook_deliveries().update_one(
        {"_id": WEBHOOK_STATE_ID, "delivered_seq": position},
        {
            "$set": {
                "attempts": attempts,
                "failing_since": failing_since,
                "next_attempt_at": retry_at,
                "last_error": error,
                "last_error_at": now,
            }
        },
    )


async def record_given_up(entry: dict[str, Any], previous: int, error: str | None, now: datetime) -> bool:
    """Move the position past an entry given up, counting it; False when another holder moved it first."""
    moved = await collections.webhook_deliveries().update_one(
        {"_id": WEBHOOK_STATE_ID, "delivered_seq": previous},
        {
            "$set": {"delivered_seq": entry["seq"], **_CLEAR_FAILURE, "last_error": error, "last_error_at": now},
            "$inc": {"given_up": 1},
        },
    )
    return moved.modified_count == 1


async def record_skipped(position: int, oldest_kept: int) -> bool:
    """Move the position to just before the oldest entry kept, counting the expired ones as given up."""
    moved = await collections.webhook_deliveries().update_one(
        {"_id": WEBHOOK_STATE_ID, "delivered_seq": position},
        {
            "$set": {"delivered_seq": oldest_kept - 1, **_CLEAR_FAILURE},
            "$inc": {"given_up": oldest_kept - 1 - position},
        },
    )
    return moved.modified_count == 1
