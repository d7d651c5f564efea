"""Claims: one guarded atomic update per claim, the grant recorded in that same write.

The claim update matches only an unlocked, unexpired reward with no half-copied grant, sets it
claimed, increments `claim_count` and stores the grant snapshot in `pending_grant`, all in one
single-document write. Then the ledger record is upserted under a grant id derived from
(user, reward, claim number) and the snapshot is cleared. A crash between those steps leaves the
snapshot for recovery, which repeats the same upsert: never zero grants, never two.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from documents import IdempotencyRecord, Reward, RewardGrant, RewardStatus, UserReward, grant_id_for
from service.engine.transitions import ClaimOutcome, RewardState, claim_outcome
from service.errors import (
    AlreadyClaimed,
    ClaimExpired,
    Conflict,
    IdempotencyKeyReused,
    RewardLocked,
    error_envelope,
)
from service.operations.grants import clear_pending, write_grant

_ERRORS: dict[ClaimOutcome, tuple[type[Conflict], str]] = {
    ClaimOutcome.LOCKED: (RewardLocked, "This reward is not unlocked for this user yet."),
    ClaimOutcome.ALREADY_CLAIMED: (AlreadyClaimed, "This reward was already claimed."),
    ClaimOutcome.EXPIRED: (ClaimExpired, "The claim window of this reward has closed."),
}


@dataclass(frozen=True)
class ClaimAnswer:
    """The HTTP-independent answer to a claim: a status code and a JSON-ready body."""

    status: int
    body: dict[str, Any]
    # True only for the request whose write granted the reward (not for replays or errors).
    granted: bool = False


def grant_body(grant: dict[str, Any]) -> dict[str, Any]:
    """What a successful claim answers (JSON-ready, so it can be stored and replayed verbatim)."""
    return {
        "grant_id": grant["grant_id"],
        "reward": grant["reward_slug"],
        "reward_type": str(grant["reward_type"]),
        "reward_value": grant["reward_value"],
        "claim_number": grant["claim_number"],
        "claimed_at": grant["claimed_at"].isoformat(),
    }


async def claim_reward(user_id: int, reward: Reward, now: datetime, idempotency_key: str | None) -> ClaimAnswer:
    """Claim with an optional Idempotency-Key: a retry with the same key gets the first answer."""
    if idempotency_key is None:
        return await _claim(user_id, reward, now, None)
    remembered = await IdempotencyRecord.get_motor_collection().find_one({"key": idempotency_key})
    if remembered is not None:
        return _replay(remembered, user_id, reward)
    answer = await _claim(user_id, reward, now, idempotency_key)
    try:
        await IdempotencyRecord.get_motor_collection().insert_one(
            {
                "key": idempotency_key,
                "user_id": user_id,
                "reward_slug": reward.slug,
                "status_code": answer.status,
                "body": answer.body,
                "created_at": now,
            }
        )
    except DuplicateKeyError:
        # A concurrent request with the same key answered first: give the same answer it gave.
        remembered = await IdempotencyRecord.get_motor_collection().find_one({"key": idempotency_key})
        if remembered is not None:
            return _replay(remembered, user_id, reward)
    return answer


def _replay(remembered: dict[str, Any], user_id: int, reward: Reward) -> ClaimAnswer:
    if remembered["user_id"] != user_id or remembered["reward_slug"] != reward.slug:
        raise IdempotencyKeyReused("This Idempotency-Key was already used for another user or reward.")
    return ClaimAnswer(remembered["status_code"], remembered["body"])


async def _claim(user_id: int, reward: Reward, now: datetime, idempotency_key: str | None) -> ClaimAnswer:
    collection = UserReward.get_motor_collection()
    snapshot = {
        "reward_slug": reward.slug,
        "reward_type": str(reward.reward_type),
        "reward_value": reward.reward_value,
        "claimed_at": now,
        "idempotency_key": idempotency_key,
    }
    for _attempt in range(2):
        claimed = await collection.find_one_and_update(
            {
                "user_id": user_id,
                "reward_id": reward.id,
                "status": str(RewardStatus.UNLOCKED),
                "expires_at": {"$gt": now},
                # A claim whose grant is not in the ledger yet must be copied before the next one.
                "pending_grant": None,
            },
            {
                "$set": {
                    "status": str(RewardStatus.CLAIMED),
                    "claimed_at": now,
                    "last_claimed_at": now,
                    "pending_grant": snapshot,
                    "updated_at": now,
                },
                "$inc": {"claim_count": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if claimed is not None:
            grant = await write_grant(claimed, now)
            await clear_pending(claimed)
            return ClaimAnswer(200, grant_body(grant), granted=True)
        current = await collection.find_one({"user_id": user_id, "reward_id": reward.id})
        if current is not None and current.get("pending_grant"):
            same_request = idempotency_key is not None and current["pending_grant"].get("idempotency_key") == idempotency_key
            if same_request:
                # The same request, concurrently: answer with the grant it made.
                return ClaimAnswer(200, grant_body(await write_grant(current, now)))
            if current["status"] == str(RewardStatus.UNLOCKED):
                # An earlier claim crashed before its ledger copy: finish it, then claim again.
                await write_grant(current, now)
                await clear_pending(current)
                continue
        if idempotency_key is not None and current is not None and current.get("claim_count"):
            replay = await _grant_with_key(current, idempotency_key)
            if replay is not None:
                return ClaimAnswer(200, grant_body(replay))
        outcome = claim_outcome(RewardState.from_mapping(current), now)
        if outcome is ClaimOutcome.ALLOWED:
            continue  # the state moved between our update and our read: try once more
        error_class, message = _ERRORS[outcome]
        return ClaimAnswer(409, error_envelope(error_class.code, message))
    return ClaimAnswer(409, error_envelope(Conflict.code, "The reward changed during the claim; retry."))


async def _grant_with_key(user_reward: dict[str, Any], idempotency_key: str) -> dict[str, Any] | None:
    """The latest grant of this (user, reward) if it was made with this key (a concurrent retry)."""
    grant_id = grant_id_for(user_reward["user_id"], str(user_reward["reward_id"]), user_reward["claim_count"])
    grant = await RewardGrant.get_motor_collection().find_one({"grant_id": grant_id})
    if grant is not None and grant.get("idempotency_key") == idempotency_key:
        return grant
    return None
