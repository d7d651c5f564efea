"""The grants ledger: copy claims into `reward_grants` exactly once, list them, acknowledge and revoke them."""

import contextlib
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError
from rewards_contract.enums import GrantKind, RewardType
from rewards_contract.errors import CannotRevokeReversal, GrantNotFound
from rewards_contract.feed import FeedEntryType

from documents import FeedOutboxEntry, RewardGrant, as_stored, grant_id_for, reversal_id_for, user_of_grant
from service.db import collections
from service.engine.feed_entries import acked_entry, grant_entry
from service.operations.retries import gave_up, retried

_GRANT_PROJECTION = {"_id": 0, "feed_outbox": 0}


def grant_from_claim(user_reward: dict[str, Any], now: datetime) -> RewardGrant:
    """The ledger record of the claim whose snapshot is in `pending_grant` (a pure derivation)."""
    pending = user_reward["pending_grant"]
    claim_number = user_reward["claim_count"]
    grant = RewardGrant(
        grant_id=grant_id_for(user_reward["user_id"], str(user_reward["reward_id"]), claim_number),
        user_id=user_reward["user_id"],
        reward_id=user_reward["reward_id"],
        reward_slug=pending["reward_slug"],
        reward_type=pending["reward_type"],
        reward_value=pending["reward_value"],
        claim_number=claim_number,
        claimed_at=pending["claimed_at"],
        idempotency_key=pending.get("idempotency_key"),
        created_at=now,
    )
    # The record's feed entry is inserted with it: the ledger insert happens once, so does the entry.
    grant.feed_outbox = [
        FeedOutboxEntry.model_validate(grant_entry(FeedEntryType.GRANT_CREATED, _answered(grant), grant.claimed_at))
    ]
    return grant


def _answered(grant: RewardGrant) -> dict[str, Any]:
    """A ledger record as the API and the feed read it: without its own bookkeeping."""
    return as_stored(grant, exclude={"feed_outbox", "created_at"})


async def write_grant(user_reward: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Upsert the ledger record for the pending claim; repeating it never makes a second one."""
    grant = grant_from_claim(user_reward, now)
    # A concurrent copy of the same claim may have inserted it first: exactly one record either way.
    with contextlib.suppress(DuplicateKeyError):
        await collections.grants().update_one(
            {"user_id": grant.user_id, "grant_id": grant.grant_id}, {"$setOnInsert": as_stored(grant)}, upsert=True
        )
    return _answered(grant)


async def clear_pending(user_reward: dict[str, Any]) -> None:
    """Drop the snapshot once the ledger has it; guarded so a later claim's snapshot is never dropped."""
    await collections.user_rewards().update_one(
        {"_id": user_reward["_id"], "claim_count": user_reward["claim_count"]},
        {"$set": {"pending_grant": None}},
    )


async def recover_pending_grants(query: dict[str, Any], now: datetime, claimed_before: datetime | None = None) -> int:
    """Copy every claim snapshot matching `query` into the ledger (after a crash between the two writes)."""
    collection = collections.user_rewards()
    pending: dict[str, Any] = {"$exists": True}
    if claimed_before is not None:
        pending["$lte"] = claimed_before
    recovered = 0
    async for user_reward in collection.find({**query, "pending_grant.claimed_at": pending}):
        await write_grant(user_reward, now)
        await clear_pending(user_reward)
        recovered += 1
    return recovered


async def recover_user_grants(user_id: int, now: datetime) -> int:
    return await recover_pending_grants({"user_id": user_id}, now)


async def recover_stale_grants(now: datetime, older_than: timedelta) -> int:
    """Recovery for the sweeper: claims left half-done for longer than any request takes."""
    return await recover_pending_grants({}, now, claimed_before=now - older_than)


async def list_grants(user_id: int, pending_only: bool, limit: int) -> list[dict[str, Any]]:
    """A user's grants, oldest first (call recover_user_grants first so none is missing)."""
    query: dict[str, Any] = {"user_id": user_id}
    if pending_only:
        query["delivered_at"] = None
    cursor = collections.grants().find(query, _GRANT_PROJECTION).sort("claimed_at", 1).limit(limit)
    return await cursor.to_list(length=limit)


async def list_badges(user_id: int) -> list[dict[str, Any]]:
    """Badge grants of the user not revoked, oldest first (a repeatable badge appears once per claim)."""
    cursor = (
        collections.grants()
        .find({"user_id": user_id, "reward_type": str(RewardType.BADGE)}, _GRANT_PROJECTION)
        .sort("claimed_at", 1)
    )
    entries = await cursor.to_list(length=None)
    # Revoked means "has a reversal", not only "revoked_at is set": a revoke that died between its
    # two writes has already taken the badge back.
    reversed_ids = {e["reverses"] for e in entries if e.get("kind") == GrantKind.REVERSAL}
    return [
        e for e in entries if e.get("kind", GrantKind.GRANT) == GrantKind.GRANT and e["grant_id"] not in reversed_ids
    ]


def reversal_of(grant: dict[str, Any], reason: str, now: datetime) -> RewardGrant:
    """The ledger entry taking `grant` back (a pure derivation): besitos negative, other payloads as granted."""
    value = dict(grant["reward_value"])
    if grant["reward_type"] == RewardType.BESITOS:
        value["amount"] = -value["amount"]
    reversal = RewardGrant(
        grant_id=reversal_id_for(grant["grant_id"]),
        user_id=grant["user_id"],
        kind=GrantKind.REVERSAL,
        reverses=grant["grant_id"],
        reward_id=grant["reward_id"],
        reward_slug=grant["reward_slug"],
        reward_type=grant["reward_type"],
        reward_value=value,
        claim_number=grant["claim_number"],
        # The revocation time: the pending list's order (oldest first) puts it after its grant.
        claimed_at=now,
        created_at=now,
        reason=reason,
    )
    # Stored if and only if the reversal is: its feed entry rides on its insert.
    entry = grant_entry(FeedEntryType.GRANT_REVOKED, _answered(reversal), now)
    reversal.feed_outbox = [FeedOutboxEntry.model_validate(entry)]
    return reversal


async def revoke_grant(grant_id: str, reason: str, now: datetime) -> dict[str, Any]:
    """Revoke a grant: its reversal (pending for the bot) is written once, then the grant is marked.

    The reversal is the first write, an upsert on the unique (user_id, grant_id): concurrent or
    repeated revokes make exactly one. If the process dies before the mark, revoking again completes
    it, and /badges already goes by the reversal. Answers the reversal, the same one every time.
    """
    collection = collections.grants()
    user_id = user_of_grant(grant_id)
    grant = None if user_id is None else await collection.find_one({"user_id": user_id, "grant_id": grant_id})
    if grant is None:
        raise GrantNotFound(f"No grant with id {grant_id!r}.")
    if grant.get("kind") == GrantKind.REVERSAL:
        raise CannotRevokeReversal(f"{grant_id!r} is a reversal; only grants can be revoked.")
    reversal = reversal_of(grant, reason, now)
    key = {"user_id": reversal.user_id, "grant_id": reversal.grant_id}

    async def attempt() -> dict[str, Any]:
        # A concurrent revoke may have inserted it first: exactly one reversal either way.
        with contextlib.suppress(DuplicateKeyError):
            await collection.update_one(key, {"$setOnInsert": as_stored(reversal)}, upsert=True)
        written = await collection.find_one(key, _GRANT_PROJECTION)
        if written is None:  # the concurrent revoke's reversal is not visible to us yet
            raise gave_up("Revoking this grant")
        return written

    written = await retried(attempt)
    await mark_revoked(written)
    return written


async def mark_revoked(reversal: dict[str, Any]) -> None:
    """Mark the grant a reversal takes back; guarded so the first revocation's time and reason stay."""
    await collections.grants().update_one(
        {"user_id": reversal["user_id"], "grant_id": reversal["reverses"], "revoked_at": None},
        {"$set": {"revoked_at": reversal["claimed_at"], "revoked_reason": reversal["reason"]}},
    )


async def acknowledge_grant(grant_id: str, now: datetime) -> dict[str, Any]:
    """Mark a grant delivered; acknowledging again is fine and keeps the first delivery time."""
    collection = collections.grants()
    user_id = user_of_grant(grant_id)
    if user_id is None:
        raise GrantNotFound(f"No grant with id {grant_id!r}.")
    updated = await collection.find_one_and_update(
        {"user_id": user_id, "grant_id": grant_id, "delivered_at": None},
        {"$set": {"delivered_at": now}, "$push": {"feed_outbox": acked_entry(user_id, grant_id, now)}},
        projection=_GRANT_PROJECTION,
        return_document=ReturnDocument.AFTER,
    )
    if updated is not None:
        return updated
    existing = await collection.find_one({"user_id": user_id, "grant_id": grant_id}, _GRANT_PROJECTION)
    if existing is None:
        raise GrantNotFound(f"No grant with id {grant_id!r}.")
    return existing


async def count_pending_grants() -> int:
    """Grants claimed but not yet acknowledged, over all users (on the `delivered_at` index)."""
    return await collections.grants().count_documents({"delivered_at": None})
