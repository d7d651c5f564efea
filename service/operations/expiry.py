"""The background sweep: expire overdue unlocks, remind of closing windows, finish half-copied grants.

Expiries and reminders are feed entries, so each is one guarded update per document that stores
the change and its entry together (an update_many cannot give each document its own entry).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import UpdateOne
from rewards_contract.enums import RewardStatus

from service.db import collections
from service.engine.feed_entries import expired_entry, expiring_entry
from service.engine.transitions import RewardState
from service.engine.user_rewards import Overdue
from service.operations.edition_slots import release_stale_holds
from service.operations.grants import recover_stale_grants

log = logging.getLogger(__name__)

# A claim's two writes take milliseconds; a snapshot older than this was left by a crash.
STALE_GRANT_AGE = timedelta(seconds=30)


# Documents changed per bulk write; a sweep repeats batches until none is left.
SWEEP_BATCH = 1000
_UNLOCK_FIELDS = {"user_id": 1, "reward_slug": 1, "status": 1, "unlocked_at": 1, "expires_at": 1, "reminded": 1}


@dataclass(frozen=True)
class SweepResult:
    expired: int
    recovered_grants: int
    reminded: int = 0
    # Limited-edition holds of claims that never came back, released with their slots.
    released_holds: int = 0


def expiry_write(doc_id: Any, user_id: int, slug: str, state: RewardState, now: datetime) -> UpdateOne:
    """The guarded write that stores an unlock's window as closed, with its feed entry.

    The one expiry write: the sweep sends it, and so does a user's rewards list that finds a window
    closed first. The guard (still unlocked, the same window) makes whichever comes second change nothing.
    """
    return UpdateOne(
        {"_id": doc_id, "status": str(RewardStatus.UNLOCKED), "expires_at": state.expires_at},
        {
            "$set": {"status": str(RewardStatus.EXPIRED), "updated_at": now},
            "$push": {"feed_outbox": expired_entry(user_id, slug, state.unlocked_at, state.window_end())},
        },
    )


async def store_expiries(user_id: int, overdue: list[Overdue], now: datetime) -> None:
    """Store as expired the unlocks a read found past their window (one bulk write; none when there is none)."""
    if overdue:
        writes = [expiry_write(item.doc_id, user_id, item.slug, item.state, now) for item in overdue]
        await collections.user_rewards().bulk_write(writes, ordered=False)


async def expire_overdue(now: datetime) -> int:
    """Expire every unlock whose window closed, on the (status, expires_at) index.

    Reads and claims never depend on it having run: they see an overdue window as expired anyway.
    """
    expired = 0
    while batch := await _unlocked({"$lte": now}):
        writes = [
            expiry_write(doc["_id"], doc["user_id"], doc["reward_slug"], RewardState.from_mapping(doc), now)
            for doc in batch
        ]
        expired += (await collections.user_rewards().bulk_write(writes, ordered=False)).modified_count
        if len(batch) < SWEEP_BATCH:
            break
    return expired


async def remind_expiring(now: datetime, before: timedelta) -> int:
    """Enter one `reward_expiring` per unlock whose window closes within `before`, unless it is shorter.

    Only unlocks stored by this version (`reminded: false`) are reminded; older ones have no such
    field and get no reminder.
    """
    reminded = 0
    # A sold-out edition's unlocks cannot be claimed any more: no reminder for them.
    sold_out = [doc["_id"] async for doc in collections.rewards().find({"sold_out": True}, {"_id": 1})]
    also: dict[str, Any] = {"reminded": False}
    if sold_out:
        also["reward_id"] = {"$nin": sold_out}
    while batch := await _unlocked({"$gt": now, "$lte": now + before}, **also):
        writes = []
        for doc in batch:
            guard = {
                "_id": doc["_id"],
                "status": str(RewardStatus.UNLOCKED),
                "expires_at": doc["expires_at"],
                "reminded": False,
            }
            if doc["expires_at"] - doc["unlocked_at"] < before:
                writes.append(UpdateOne(guard, {"$set": {"reminded": True}}))  # too short a window: no reminder
                continue
            entry = expiring_entry(doc["user_id"], doc["reward_slug"], doc["unlocked_at"], doc["expires_at"], now)
            writes.append(UpdateOne(guard, {"$set": {"reminded": True}, "$push": {"feed_outbox": entry}}))
            reminded += 1
        await collections.user_rewards().bulk_write(writes, ordered=False)
        if len(batch) < SWEEP_BATCH:
            break
    return reminded


async def _unlocked(expires_at: dict[str, datetime], **also: Any) -> list[dict[str, Any]]:
    query = {"status": str(RewardStatus.UNLOCKED), "expires_at": expires_at, **also}
    return await collections.user_rewards().find(query, _UNLOCK_FIELDS).limit(SWEEP_BATCH).to_list(SWEEP_BATCH)


async def sweep(now: datetime, remind_before: timedelta = timedelta(hours=24)) -> SweepResult:
    """One sweep: expire overdue unlocks, remind of closing windows, copy stale pending grants into the ledger."""
    return SweepResult(
        expired=await expire_overdue(now),
        recovered_grants=await recover_stale_grants(now, STALE_GRANT_AGE),
        reminded=await remind_expiring(now, remind_before),
        released_holds=await release_stale_holds(now),
    )
