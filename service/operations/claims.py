"""The guarded claim: one atomic update per claim, the grant recorded in that same write, then copied to the ledger.

The claim update matches only an unlocked, unexpired reward with no half-copied grant, sets it
claimed, increments `claim_count` and stores the grant snapshot in `pending_grant`, all in one
single-document write. Then the ledger record is upserted under a grant id derived from
(user, reward, claim number) and the snapshot is cleared. A crash between those steps leaves the
snapshot for recovery, which repeats the same upsert: never zero grants, never two.

The Idempotency-Key's protocol is `idempotency_keys.py`, a limited edition's slots are
`edition_slots.py`; the claim's use case (`service/usecases/claims.py`) ties the three together.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from rewards_contract.enums import RewardConditionType, RewardStatus
from rewards_contract.errors import AlreadyClaimed, ClaimExpired, Conflict, RaceLost, RewardLocked

from documents import grant_id_for
from service.db import collections
from service.engine.catalogue import ActiveReward
from service.engine.standing import Standing
from service.engine.transitions import ClaimOutcome, RewardState, claim_outcome
from service.operations.grants import clear_pending, write_grant
from service.operations.retries import retried

REFUSALS: dict[ClaimOutcome, tuple[type[Conflict], str]] = {
    ClaimOutcome.LOCKED: (RewardLocked, "This reward is not unlocked for this user yet."),
    ClaimOutcome.ALREADY_CLAIMED: (AlreadyClaimed, "This reward was already claimed."),
    ClaimOutcome.EXPIRED: (ClaimExpired, "The claim window of this reward has closed."),
}
# A refusal remembered under an Idempotency-Key, by its code.
REFUSAL_BY_CODE: dict[str, type[Conflict]] = {cls.code: cls for cls, _ in REFUSALS.values()}


@dataclass(frozen=True)
class Claimed:
    """A granted claim: the grant as answered (JSON-ready, so it can be remembered and replayed verbatim)."""

    grant: dict[str, Any]
    # True only for the request whose write granted the reward (not for replays).
    granted_now: bool = False


def grant_body(grant: dict[str, Any]) -> dict[str, Any]:
    """What a successful claim answers of its grant (its name comes from the reward, in the caller's language)."""
    return {
        "grant_id": grant["grant_id"],
        "reward": grant["reward_slug"],
        "reward_type": str(grant["reward_type"]),
        "reward_value": grant["reward_value"],
        "claim_number": grant["claim_number"],
        "claimed_at": grant["claimed_at"].isoformat(),
    }


async def _window_marks(user_id: int, reward: ActiveReward, now: datetime) -> dict[str, Any]:
    """For a repeatable reward counting over windows: the claim's extra changes (one read of the user's days).

    Today's counts are marked, so only later events count toward the next unlock; and the windows'
    values at the last unlock are forgotten, since they were counted from another start.
    """
    if not (reward.rules.is_repeatable and reward.rules.windowed):
        return {}
    facts = await collections.user_facts().find_one({"user_id": user_id}, {"days": 1})
    marks = Standing.of(facts, now).marks(reward.rules.windowed)
    windows = {
        f"unlock_inputs.window:{c.window_days}:{c.counter}": ""
        for c in reward.rules.conditions
        if c.condition_type is RewardConditionType.COUNTER_IN_WINDOW
    }
    return {"$set": {"window_marks": {name: list(mark) for name, mark in marks.items()}}, "$unset": windows}


async def claim_unlock(
    user_id: int, reward: ActiveReward, now: datetime, idempotency_key: str | None, held: dict[str, Any] | None = None
) -> Claimed:
    """The claim's guarded update, ledger copy and clean-up; `held`: the filter of a limited edition's hold."""
    collection = collections.user_rewards()
    marks = await _window_marks(user_id, reward, now)
    snapshot = {
        "reward_slug": reward.slug,
        "reward_type": str(reward.reward_type),
        "reward_value": reward.reward_value,
        "claimed_at": now,
        "idempotency_key": idempotency_key,
    }

    async def attempt() -> Claimed:
        claimed = await collection.find_one_and_update(
            {
                "user_id": user_id,
                "reward_id": reward.id,
                "status": str(RewardStatus.UNLOCKED),
                "expires_at": {"$gt": now},
                # A claim whose grant is not in the ledger yet must be copied before the next one.
                "pending_grant": None,
                # Without a slot held for it, a limited edition's claim is not made (none else clears a hold).
                **(held or {"pending_slot": None}),
            },
            {
                "$set": {
                    "status": str(RewardStatus.CLAIMED),
                    "claimed_at": now,
                    "last_claimed_at": now,
                    "pending_grant": snapshot,
                    "pending_slot": None,
                    "updated_at": now,
                    **marks.get("$set", {}),
                },
                "$inc": {"claim_count": 1},
                **({"$unset": marks["$unset"]} if marks.get("$unset") else {}),
            },
            return_document=ReturnDocument.AFTER,
        )
        if claimed is not None:
            grant = await write_grant(claimed, now)
            await clear_pending(claimed)
            return Claimed(grant_body(grant), granted_now=True)
        current = await collection.find_one({"user_id": user_id, "reward_id": reward.id})
        if current is not None and current.get("pending_grant"):
            pending_key = current["pending_grant"].get("idempotency_key")
            if idempotency_key is not None and pending_key == idempotency_key:
                # The same request (a concurrent or retried attempt): finish and answer its grant.
                grant = await write_grant(current, now)
                await clear_pending(current)
                return Claimed(grant_body(grant))
            if current["status"] == str(RewardStatus.UNLOCKED):
                # An earlier claim crashed before its ledger copy: finish it, then claim again.
                await write_grant(current, now)
                await clear_pending(current)
                raise _moved()
        if idempotency_key is not None and current is not None and current.get("claim_count"):
            replay = await _latest_grant_with_key(current, idempotency_key)
            if replay is not None:
                return Claimed(grant_body(replay))
        outcome = claim_outcome(RewardState.from_mapping(current), now)
        if outcome is ClaimOutcome.ALLOWED:
            raise _moved()  # the state moved between our update and our read: try once more
        refusal, message = REFUSALS[outcome]
        raise refusal(message)

    # Tried twice: once more after the state moved under the first attempt.
    return await retried(attempt, attempts=2)


def _moved() -> RaceLost:
    """The claim found the state moved under it, or a crashed claim's grant to finish first: worth once more."""
    return RaceLost("The reward changed during the claim; retry.")


async def _latest_grant_with_key(user_reward: dict[str, Any], idempotency_key: str) -> dict[str, Any] | None:
    """The latest grant of this (user, reward) if it was made with this key (a concurrent retry)."""
    grant_id = grant_id_for(user_reward["user_id"], str(user_reward["reward_id"]), user_reward["claim_count"])
    grant = await collections.grants().find_one({"user_id": user_reward["user_id"], "grant_id": grant_id})
    if grant is not None and grant.get("idempotency_key") == idempotency_key:
        return grant
    return None
