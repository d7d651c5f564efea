"""Claims: one guarded atomic update per claim, the grant recorded in that same write.

The claim update matches only an unlocked, unexpired reward with no half-copied grant, sets it
claimed, increments `claim_count` and stores the grant snapshot in `pending_grant`, all in one
single-document write. Then the ledger record is upserted under a grant id derived from
(user, reward, claim number) and the snapshot is cleared. A crash between those steps leaves the
snapshot for recovery, which repeats the same upsert: never zero grants, never two.

With an Idempotency-Key the key is reserved (a unique insert) before anything else, so a key
sent for another user or reward is refused before it can claim. A retry finds the reservation:
it replays the remembered outcome, or, when the first attempt never recorded one, looks for the
grant made with that key before claiming, so a lost answer can never turn into a second grant.

A limited edition (`max_claims`) adds a slot, taken between holding the user's unlock and the
claim: the hold (`pending_slot` on the user's state) comes first, then one conditional update of
the edition's document takes a slot and names the claim among its holders, then the claim's own
update clears the hold. So the slot counter never passes the cap, and a claim cut short anywhere
leaves a hold that its retry (same key) resumes, or that the sweep releases with its slot.

A claim that completes another reward's prerequisite unlocks it in the same request: the
dependents are evaluated under the grant's own marker, so a replay reports the same unlocks, and
one cut short is finished by the replay, the user's next event or their next list.

The answer names the reward in the caller's language. A keyed claim remembers the language it was
asked in with its reservation and its name with its grant, so a replay asked in another language
still answers as the first attempt did.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError
from rewards_contract.enums import RewardConditionType, RewardStatus
from rewards_contract.errors import (
    AlreadyClaimed,
    ClaimExpired,
    Conflict,
    IdempotencyKeyReused,
    RaceLost,
    RewardLocked,
    RewardNotFound,
    RewardSoldOut,
)

from documents import FACTS_PROJECTION, grant_id_for
from service.db import collections
from service.engine.catalogue import ActiveReward, texts_of
from service.engine.languages import LanguageChoice, LocalizedTexts
from service.engine.standing import Standing
from service.engine.transitions import ClaimOutcome, RewardState, claim_outcome
from service.operations import editions, races
from service.operations.catalog import get_reward
from service.operations.evaluation import Unlock, evaluate_user
from service.operations.grants import clear_pending, write_grant

_REFUSALS: dict[ClaimOutcome, tuple[type[Conflict], str]] = {
    ClaimOutcome.LOCKED: (RewardLocked, "This reward is not unlocked for this user yet."),
    ClaimOutcome.ALREADY_CLAIMED: (AlreadyClaimed, "This reward was already claimed."),
    ClaimOutcome.EXPIRED: (ClaimExpired, "The claim window of this reward has closed."),
}
_REFUSAL_BY_CODE: dict[str, type[Conflict]] = {cls.code: cls for cls, _ in _REFUSALS.values()}


@dataclass(frozen=True)
class ClaimResult:
    """A granted claim: the grant (JSON-ready, so it can be remembered and replayed verbatim)."""

    grant: dict[str, Any]
    # The language the answer is in: the request's, or a keyed replay's first attempt's (set once named).
    language: LanguageChoice | None = None
    # True only for the request whose write granted the reward (not for replays).
    granted_now: bool = False
    # The rewards that needed this one claimed first and unlocked with it (reported again on a replay).
    unlocked: list[Unlock] = field(default_factory=list)


def grant_body(grant: dict[str, Any]) -> dict[str, Any]:
    """What a successful claim answers."""
    return {
        "grant_id": grant["grant_id"],
        "reward": grant["reward_slug"],
        "reward_type": str(grant["reward_type"]),
        "reward_value": grant["reward_value"],
        "claim_number": grant["claim_number"],
        "claimed_at": grant["claimed_at"].isoformat(),
    }


async def claim_reward(
    user_id: int,
    slug: str,
    reward: ActiveReward | None,
    now: datetime,
    idempotency_key: str | None,
    language: LanguageChoice,
    dependents: Sequence[ActiveReward] = (),
) -> ClaimResult:
    """Claim `reward` (None: unknown or inactive slug) for the user, then unlock the `dependents` it completes.

    The grant is named in `language` (a keyed replay: in its first attempt's), which `result.language` tells.
    Raises RewardNotFound, RewardLocked, AlreadyClaimed, ClaimExpired, RewardSoldOut, IdempotencyKeyReused.
    """
    result = await _claim_once(user_id, slug, reward, now, idempotency_key, language)
    if not dependents:
        return result
    marker = f"claim:{result.grant['grant_id']}"
    facts = await collections.user_facts().find_one({"user_id": user_id}, FACTS_PROJECTION)
    unlocked = await evaluate_user(user_id, facts, dependents, marker, now)
    return replace(result, unlocked=unlocked)


async def _claim_once(
    user_id: int,
    slug: str,
    reward: ActiveReward | None,
    now: datetime,
    idempotency_key: str | None,
    language: LanguageChoice,
) -> ClaimResult:
    if idempotency_key is None:
        if reward is None:
            raise _not_found(slug)
        return _named(await _claim(user_id, reward, now, None), reward.texts, language)
    earlier = await _reserve(idempotency_key, user_id, slug, now, language)
    if earlier is not None:
        if earlier["user_id"] != user_id or earlier["reward_slug"] != slug:
            raise IdempotencyKeyReused("This Idempotency-Key was already used for another user or reward.")
        language = _first_language(earlier, language)
        if earlier.get("grant") is not None:
            replay = ClaimResult(earlier["grant"])
            if "name" in earlier["grant"]:
                return replace(replay, language=language)
            # Remembered before claims answered a name: named now, in the first attempt's language.
            return _named(replay, await _texts(slug, reward), language)
        if earlier.get("error_code") is not None:
            raise _REFUSAL_BY_CODE[earlier["error_code"]](earlier["error_message"])
        # Reserved by an attempt that recorded no outcome (still running, or its answer was lost).
        made = await collections.grants().find_one({"user_id": user_id, "idempotency_key": idempotency_key})
        if made is not None:
            named = _named(ClaimResult(grant_body(made)), await _texts(slug, reward), language)
            return await _remember_grant(idempotency_key, named)
    if reward is None:
        await _release(idempotency_key)
        raise _not_found(slug)
    try:
        result = _named(await _claim(user_id, reward, now, idempotency_key), reward.texts, language)
    except (RewardLocked, AlreadyClaimed, ClaimExpired) as refusal:
        await collections.idempotency_records().update_one(
            {"key": idempotency_key, "grant": None, "error_code": None},
            {"$set": {"error_code": refusal.code, "error_message": refusal.message}},
        )
        raise
    except Conflict:
        await _release(idempotency_key)  # a transient refusal: a retry with this key may succeed
        raise
    return await _remember_grant(idempotency_key, result)


def _not_found(slug: str) -> RewardNotFound:
    return RewardNotFound(f"No active reward with slug {slug!r}.")


def _named(result: ClaimResult, texts: LocalizedTexts, language: LanguageChoice) -> ClaimResult:
    """The grant with the reward's `name` and its `lang`, as the answer (and a replay of it) carries them."""
    name = texts.in_language(language)
    return replace(result, grant={**result.grant, "name": name["name"], "lang": name["lang"]}, language=language)


def _first_language(reservation: dict[str, Any], language: LanguageChoice) -> LanguageChoice:
    """The language the key's first attempt asked for (a reservation made before it was kept: this request's)."""
    ranges = reservation.get("language_ranges")
    return language if ranges is None else LanguageChoice(tuple(ranges), language.default)


async def _texts(slug: str, reward: ActiveReward | None) -> LocalizedTexts:
    """The reward's texts; for a replay of a reward deactivated since, one read of its document."""
    if reward is not None:
        return reward.texts
    try:
        return texts_of(await get_reward(slug))
    except RewardNotFound:  # removed from the database behind the service's back: named by its slug
        return LocalizedTexts.of(slug, None, {})


async def _reserve(key: str, user_id: int, slug: str, now: datetime, language: LanguageChoice) -> dict[str, Any] | None:
    """Reserve the key for this (user, reward) and language; return the earlier reservation if there is one."""
    collection = collections.idempotency_records()
    record = {
        "key": key,
        "user_id": user_id,
        "reward_slug": slug,
        "language_ranges": list(language.ranges),
        "grant": None,
        "error_code": None,
        "error_message": None,
        "created_at": now,
    }
    for attempt in range(races.ATTEMPTS):
        await races.backoff(attempt)
        try:
            await collection.insert_one(dict(record))  # a copy: the driver adds an _id to what it inserts
            return None
        except DuplicateKeyError:
            earlier = await collection.find_one({"key": key})
            if earlier is not None:
                return earlier
            # Released in between, or the other reservation is not visible to us yet: try again.
    raise races.gave_up("Reserving this Idempotency-Key")


async def _remember_grant(key: str, result: ClaimResult) -> ClaimResult:
    """Record the grant as the key's outcome (first outcome wins; all are the same grant)."""
    await collections.idempotency_records().update_one(
        {"key": key, "grant": None}, {"$set": {"grant": result.grant, "error_code": None, "error_message": None}}
    )
    return result


async def _release(key: str) -> None:
    """Forget a reservation that has no outcome worth replaying."""
    await collections.idempotency_records().delete_one({"key": key, "grant": None, "error_code": None})


async def _claim(user_id: int, reward: ActiveReward, now: datetime, idempotency_key: str | None) -> ClaimResult:
    if reward.max_claims is not None:
        return await claim_edition(user_id, reward, now, idempotency_key)
    return await _claim_unlock(user_id, reward, now, idempotency_key)


async def claim_edition(user_id: int, reward: ActiveReward, now: datetime, key: str | None) -> ClaimResult:
    """Claim a limited edition: hold the unlock, take a slot for this claim, then claim (see `editions`)."""
    for _attempt in range(2):
        held = await editions.hold_unlock(user_id, reward.id, now, key)
        if held is None:
            current = await collections.user_rewards().find_one({"user_id": user_id, "reward_id": reward.id})
            hold = (current or {}).get("pending_slot")
            if hold is not None and key is not None and hold.get("idempotency_key") == key:
                held = current  # this claim's earlier attempt holds it: go on from there
            elif hold is not None and now - hold["at"] >= editions.STALE_HOLD_AGE:
                await editions.release_hold(current, now, reward.slug)  # type: ignore[arg-type]
                continue
            elif hold is not None:
                raise RaceLost("Another claim of this reward is in progress for this user; retry.")
            else:
                # Nothing to hold: answer as any claim does (a refusal, or a replay); a crashed claim's
                # grant finished on the way leaves the unlock claimable, so try to hold it again.
                try:
                    return await _claim_unlock(user_id, reward, now, key, held={"pending_slot": {"$type": "object"}})
                except RaceLost:
                    continue
        assert held is not None
        hold_filter = {"pending_slot.at": held["pending_slot"]["at"]}
        claim = editions.holder(user_id, held.get("claim_count", 0) + 1)
        if not await editions.take_slot(reward.slug, claim, now, reward.max_claims):
            await editions.release_hold(held, now, reward.slug)
            raise RewardSoldOut(f"Every one of the {reward.max_claims} slots of {reward.slug!r} is taken.")
        try:
            return await _claim_unlock(user_id, reward, now, key, held=hold_filter)
        except Conflict:
            await editions.release_hold(held, now, reward.slug)
            raise
    raise RaceLost("The reward changed during the claim; retry.")


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


async def _claim_unlock(
    user_id: int, reward: ActiveReward, now: datetime, idempotency_key: str | None, held: dict[str, Any] | None = None
) -> ClaimResult:
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
    for _attempt in range(2):
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
            return ClaimResult(grant_body(grant), granted_now=True)
        current = await collection.find_one({"user_id": user_id, "reward_id": reward.id})
        if current is not None and current.get("pending_grant"):
            pending_key = current["pending_grant"].get("idempotency_key")
            if idempotency_key is not None and pending_key == idempotency_key:
                # The same request (a concurrent or retried attempt): finish and answer its grant.
                grant = await write_grant(current, now)
                await clear_pending(current)
                return ClaimResult(grant_body(grant))
            if current["status"] == str(RewardStatus.UNLOCKED):
                # An earlier claim crashed before its ledger copy: finish it, then claim again.
                await write_grant(current, now)
                await clear_pending(current)
                continue
        if idempotency_key is not None and current is not None and current.get("claim_count"):
            replay = await _latest_grant_with_key(current, idempotency_key)
            if replay is not None:
                return ClaimResult(grant_body(replay))
        outcome = claim_outcome(RewardState.from_mapping(current), now)
        if outcome is ClaimOutcome.ALLOWED:
            continue  # the state moved between our update and our read: try once more
        refusal, message = _REFUSALS[outcome]
        raise refusal(message)
    raise RaceLost("The reward changed during the claim; retry.")


async def _latest_grant_with_key(user_reward: dict[str, Any], idempotency_key: str) -> dict[str, Any] | None:
    """The latest grant of this (user, reward) if it was made with this key (a concurrent retry)."""
    grant_id = grant_id_for(user_reward["user_id"], str(user_reward["reward_id"]), user_reward["claim_count"])
    grant = await collections.grants().find_one({"user_id": user_reward["user_id"], "grant_id": grant_id})
    if grant is not None and grant.get("idempotency_key") == idempotency_key:
        return grant
    return None
