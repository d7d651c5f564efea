"""Evaluate every active reward for one user and store the transitions in one bulk write.

Each transition is a guarded write that only applies if the stored state is still the one that
was evaluated, so concurrent evaluations of one user can never unlock a reward twice. Only the
request whose write changed a document reports that unlock; `unlocked_by` records which request
it was, so a replayed event can answer with the same unlocks.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from documents import Reward, RewardStatus, UserReward
from service.engine.conditions import Facts
from service.engine.transitions import RewardState, Transition, TransitionKind, evaluate

DUPLICATE_KEY = 11000

# What evaluation reads of a UserReward: enough for the state machine and the unlock report.
STATE_PROJECTION = {
    "reward_id": 1,
    "status": 1,
    "unlocked_at": 1,
    "expires_at": 1,
    "claimed_at": 1,
    "claim_count": 1,
    "unlocked_by": 1,
}


@dataclass(frozen=True)
class Unlock:
    """A reward unlocked for the user, as reported to the bot."""

    reward: Reward
    unlocked_at: datetime
    expires_at: datetime
    # False when reported again for a replayed event rather than unlocked by this call.
    fresh: bool = True


async def read_states(user_id: int) -> dict[Any, dict[str, Any]]:
    """The user's stored reward states by reward id (one query, on the (user_id, status) index)."""
    cursor = UserReward.get_motor_collection().find({"user_id": user_id}, STATE_PROJECTION)
    return {doc["reward_id"]: doc async for doc in cursor}


def _write_for(user_id: int, reward: Reward, transition: Transition, stored: dict[str, Any] | None,
               marker: str, now: datetime) -> UpdateOne:
    """The guarded write that stores one transition."""
    new = transition.state
    if stored is None:
        # First unlock: an upsert on the unique (user_id, reward_id) pair. If another request
        # inserted it first, this matches that document and $setOnInsert changes nothing.
        return UpdateOne(
            {"user_id": user_id, "reward_id": reward.id},
            {
                "$setOnInsert": {
                    "user_id": user_id,
                    "reward_id": reward.id,
                    "reward_slug": reward.slug,
                    "status": str(new.status),
                    "unlocked_at": new.unlocked_at,
                    "expires_at": new.expires_at,
                    "claimed_at": None,
                    "claim_count": 0,
                    "last_claimed_at": None,
                    "unlocked_by": marker,
                    "pending_grant": None,
                    "created_at": now,
                    "updated_at": now,
                }
            },
            upsert=True,
        )
    previous = transition.previous
    # The guard: the document must still hold the state this evaluation started from.
    guard = {
        "_id": stored["_id"],
        "status": str(previous.status),
        "unlocked_at": previous.unlocked_at,
        "claim_count": previous.claim_count,
    }
    changes: dict[str, Any] = {"status": str(new.status), "updated_at": now}
    if transition.kind is TransitionKind.UNLOCK:
        changes |= {"unlocked_at": new.unlocked_at, "expires_at": new.expires_at, "unlocked_by": marker}
    return UpdateOne(guard, {"$set": changes})


async def evaluate_user(
    user_id: int, facts: Facts, rewards: Sequence[Reward], marker: str, now: datetime
) -> list[Unlock]:
    """Apply every due transition for the user; return the unlocks made by `marker`.

    Round trips: one read of the user's states, and at most one bulk write (plus one re-read
    only when a concurrent request changed some of the same documents in between).
    """
    states = await read_states(user_id)
    writes: list[UpdateOne] = []
    upserts: set[int] = set()
    unlocks: list[tuple[int, Reward, Transition]] = []
    reported: list[Unlock] = []
    for reward in rewards:
        stored = states.get(reward.id)
        if stored is not None and stored.get("unlocked_by") == marker:
            # This very event already unlocked it (a replay): report it again, change nothing.
            reported.append(Unlock(reward, stored["unlocked_at"], stored["expires_at"], fresh=False))
            continue
        transition = evaluate(reward, facts, RewardState.from_mapping(stored), now)
        if transition is None:
            continue
        if transition.kind is TransitionKind.UNLOCK:
            unlocks.append((len(writes), reward, transition))
        if stored is None:
            upserts.add(len(writes))
        writes.append(_write_for(user_id, reward, transition, stored, marker, now))
    if not writes:
        return reported
    applied = await _bulk_write(writes, upserts)
    uncertain = [(index, reward, t) for index, reward, t in unlocks if applied.get(index) is None]
    confirmed = [(reward, t) for index, reward, t in unlocks if applied.get(index)]
    if uncertain:
        confirmed += await _confirm_unlocks(user_id, uncertain, marker)
    reported += [Unlock(reward, t.state.unlocked_at, t.state.expires_at) for reward, t in confirmed]  # type: ignore[arg-type]
    return reported


async def _bulk_write(writes: list[UpdateOne], upserts: set[int]) -> dict[int, bool | None]:
    """Run the writes unordered; per write: True applied, False not applied, None unknown.

    A bulk result only counts modified documents, so when some guarded updates did not apply the
    caller re-reads to find out which. Upserts are known exactly from their reported indexes.
    """
    collection = UserReward.get_motor_collection()
    try:
        result = await collection.bulk_write(writes, ordered=False)
        upserted = set(result.upserted_ids or {})
        modified = result.modified_count
        failed: set[int] = set()
    except BulkWriteError as error:
        details = error.details
        if any(e.get("code") != DUPLICATE_KEY for e in details.get("writeErrors", [])):
            raise
        # Two first unlocks raced on the unique (user_id, reward_id) index: the other one won.
        upserted = {item["index"] for item in details.get("upserted", [])}
        modified = details.get("nModified", 0)
        failed = {e["index"] for e in details.get("writeErrors", [])}
    all_guarded_applied = modified == len(writes) - len(upserts)
    return {
        index: (index in upserted and index not in failed)
        if index in upserts
        else (True if all_guarded_applied else None)
        for index in range(len(writes))
    }


async def _confirm_unlocks(
    user_id: int, uncertain: list[tuple[int, Reward, Transition]], marker: str
) -> list[tuple[Reward, Transition]]:
    """Which of these unlocks did this request make? Those whose document carries its marker."""
    ids = [reward.id for _, reward, _ in uncertain]
    cursor = UserReward.get_motor_collection().find(
        {"user_id": user_id, "reward_id": {"$in": ids}}, {"reward_id": 1, "unlocked_by": 1, "status": 1}
    )
    mine = {doc["reward_id"] async for doc in cursor if doc.get("unlocked_by") == marker
            and doc.get("status") == str(RewardStatus.UNLOCKED)}
    return [(reward, t) for _, reward, t in uncertain if reward.id in mine]
