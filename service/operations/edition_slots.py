"""Limited editions: the slots claims take, never more than `max_claims`, none lost to a crash.

A slot and the grant are two documents, so a claim ties them together through a hold on the
user's own state (`pending_slot`): set first, it names the claim (`<user_id>:<claim_number>`) the
slot will be taken for; the slot is then taken by one conditional update of the edition's document
(`taken < max_claims`, the claim not yet among `holders`), and the claim's update clears the hold.
A claim retried with its key resumes its hold (taking a slot is idempotent per claim); a hold left
by a claim that never came back is released, with its slot, by the sweep. `max_claims` is read
from the edition's document, never from a cached catalogue.

Every claim of an edition updates its one document: on a replica set that document's writes are
serialized by the primary, so a popular edition's claims queue behind each other there (about one
write's latency each, a few hundred per second), whatever the number of service instances.
"""

from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError
from rewards_contract.enums import RewardStatus
from rewards_contract.errors import MaxClaimsBelowTaken

from documents import RewardEdition, as_stored
from service.db import collections
from service.operations.catalog_version import bump_catalog_version

# A claim's steps take milliseconds; a hold older than this was left by a claim that never came back.
STALE_HOLD_AGE = timedelta(seconds=30)


def holder(user_id: int, claim_number: int) -> str:
    """How an edition names the claim holding a slot."""
    return f"{user_id}:{claim_number}"


async def slots_left(caps: dict[str, int | None]) -> dict[str, int | None]:
    """The slots left of these limited editions (slug -> its cap as the catalogue says), in one read."""
    if not caps:
        return {}
    left: dict[str, int | None] = {}
    async for doc in collections.reward_editions().find({"_id": {"$in": sorted(caps)}}, {"max_claims": 1, "taken": 1}):
        cap = doc.get("max_claims")
        left[doc["_id"]] = None if cap is None else max(0, cap - doc["taken"])
    return {slug: left.get(slug, cap) for slug, cap in caps.items()}


async def hold_unlock(user_id: int, reward_id: Any, now: datetime, key: str | None) -> dict[str, Any] | None:
    """Hold the user's claimable unlock for this claim; the state after, or None when nothing could be held."""
    return await collections.user_rewards().find_one_and_update(
        {
            "user_id": user_id,
            "reward_id": reward_id,
            "status": str(RewardStatus.UNLOCKED),
            "expires_at": {"$gt": now},
            "pending_grant": None,
            "pending_slot": None,
        },
        {"$set": {"pending_slot": {"at": now, "idempotency_key": key}}},
        return_document=True,
    )


async def take_slot(slug: str, claim: str, now: datetime, cap: int | None = None) -> bool:
    """Take a slot for the claim; True when it holds one (taken now, or by an earlier attempt of this claim).

    `cap`: the catalogue's max_claims, to create the edition's document should it be missing.
    """
    took = await _take(slug, claim, now)
    if took is None and cap is not None and not await _edition_exists(slug):
        await set_edition_cap(slug, cap, now)  # the document is missing (a failed write): count the grants made
        took = await _take(slug, claim, now)
    if took:
        return True
    await mark_sold_out(slug, now)  # every slot is taken: no more unlocks (if the last taker did not say so)
    return False


async def _take(slug: str, claim: str, now: datetime) -> bool | None:
    """One conditional update taking a slot: True when the claim holds one, None when none is left (or no edition)."""
    editions = collections.reward_editions()
    taken = await editions.find_one_and_update(
        {"_id": slug, "holders": {"$ne": claim}, "$expr": {"$lt": ["$taken", "$max_claims"]}},
        {"$inc": {"taken": 1}, "$push": {"holders": claim}, "$set": {"updated_at": now}},
        projection={"taken": 1, "max_claims": 1},
        return_document=True,
    )
    if taken is not None:
        if taken["taken"] >= taken["max_claims"]:
            await mark_sold_out(slug, now)
        return True
    if await editions.find_one({"_id": slug, "holders": claim}, {"_id": 1}) is not None:
        return True  # this claim's earlier attempt took it
    return None


async def _edition_exists(slug: str) -> bool:
    return await collections.reward_editions().find_one({"_id": slug}, {"_id": 1}) is not None


async def state_of(user_id: int, reward_id: Any) -> dict[str, Any] | None:
    """The user's stored state of the reward, with the hold a claim may have left on it."""
    return await collections.user_rewards().find_one({"user_id": user_id, "reward_id": reward_id})


async def release_slot(slug: str, claim: str, now: datetime) -> None:
    """Give the claim's slot back (nothing when it holds none): its grant was never made."""
    released = await collections.reward_editions().update_one(
        {"_id": slug, "holders": claim},
        {"$pull": {"holders": claim}, "$inc": {"taken": -1}, "$set": {"updated_at": now}},
    )
    if released.modified_count:
        await collections.rewards().update_one({"slug": slug, "sold_out": True}, {"$set": {"sold_out": False}})
        await bump_catalog_version(now)


async def release_hold(state: dict[str, Any], now: datetime, slug: str) -> None:
    """Drop a hold whose claim will not be made, and the slot it may have taken."""
    hold = state.get("pending_slot") or {}
    await release_slot(slug, holder(state["user_id"], state.get("claim_count", 0) + 1), now)
    await collections.user_rewards().update_one(
        {"_id": state["_id"], "pending_slot.at": hold.get("at")}, {"$set": {"pending_slot": None}}
    )


async def mark_sold_out(slug: str, now: datetime) -> None:
    """Stop unlocking the edition for new users (each instance sees it at its next catalogue check)."""
    marked = await collections.rewards().update_one(
        {"slug": slug, "sold_out": {"$ne": True}}, {"$set": {"sold_out": True}}
    )
    if marked.modified_count:
        await bump_catalog_version(now)


async def release_stale_holds(now: datetime) -> int:
    """For the sweep: release the holds (and slots) of claims that never came back."""
    released = 0
    cursor = collections.user_rewards().find(
        {"pending_slot.at": {"$lte": now - STALE_HOLD_AGE}},
        {"user_id": 1, "claim_count": 1, "pending_slot": 1, "reward_slug": 1},
    )
    async for state in cursor:
        await release_hold(state, now, state["reward_slug"])
        released += 1
    return released


async def set_edition_cap(slug: str, max_claims: int | None, now: datetime) -> bool:
    """Set an edition's cap (creating its document with the grants made so far); answers whether it is sold out.

    Raises MaxClaimsBelowTaken when more slots are taken than the new cap allows.
    """
    editions = collections.reward_editions()
    existing = await editions.find_one({"_id": slug}, {"taken": 1})
    if existing is None:
        if max_claims is None:
            return False
        # Capping a reward that was already granted: its grants so far hold slots.
        holders = [
            f"{g['user_id']}:{g['claim_number']}"
            async for g in collections.grants().find(
                {"reward_slug": slug, "kind": {"$ne": "reversal"}}, {"user_id": 1, "claim_number": 1}
            )
        ]
        if len(holders) > max_claims:
            raise MaxClaimsBelowTaken(f"max_claims {max_claims} is below the {len(holders)} slots already taken.")
        edition = RewardEdition(id=slug, max_claims=max_claims, taken=len(holders), holders=holders, updated_at=now)
        try:
            await editions.insert_one(as_stored(edition))
        except DuplicateKeyError:
            return await set_edition_cap(slug, max_claims, now)  # created meanwhile (a claim found none)
        return len(holders) >= max_claims
    if max_claims is None:
        # Unlimited from now on: forget the slots, so capping it again counts its grants afresh.
        await editions.delete_one({"_id": slug})
        return False
    guard: dict[str, Any] = {"_id": slug, "taken": {"$lte": max_claims}}
    updated = await editions.find_one_and_update(
        guard, {"$set": {"max_claims": max_claims, "updated_at": now}}, projection={"taken": 1}, return_document=True
    )
    if updated is None:
        raise MaxClaimsBelowTaken(f"max_claims {max_claims} is below the {existing['taken']} slots already taken.")
    return updated["taken"] >= max_claims


async def cap_changed(slug: str, before: int | None, after: int | None, now: datetime) -> dict[str, Any]:
    """The reward fields a change of its cap implies (sold out or not); the edition's document first."""
    if before is None and after is None:
        return {}
    return {"sold_out": await set_edition_cap(slug, after, now)}


async def taken_slots(slugs: list[str]) -> dict[str, int]:
    """The slots taken of these limited editions (those with an edition document), in one read."""
    editions = collections.reward_editions().find({"_id": {"$in": sorted(slugs)}}, {"taken": 1})
    return {doc["_id"]: doc["taken"] async for doc in editions}
