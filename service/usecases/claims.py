"""Claims: an unlocked reward claimed exactly once, whatever the retries, crashes and concurrent presses.

Three protocols, each in its own module, tied together here:
- the Idempotency-Key (`operations/idempotency_keys.py`): reserved first, so a retry replays the
  first attempt's outcome, in its language, and a lost answer never becomes a second grant;
- a limited edition's slot (`operations/edition_slots.py`): the user's unlock is held, a slot is
  taken for this claim, and only then is the claim made, so the slots never pass the cap and a
  claim cut short leaves a hold its retry resumes (or the sweep releases);
- the guarded claim (`operations/claims.py`): one atomic update that claims and records the grant,
  then its copy into the ledger.

A claim that completes another reward's prerequisite unlocks it in the same request: the dependents
are evaluated under the grant's own marker, so a replay reports the same unlocks, and one cut short
is finished by the replay, the user's next event or their next list.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from rewards_contract.api import ClaimResponse
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

from service.engine.catalogue import ActiveReward, texts_of
from service.engine.languages import LanguageChoice, LocalizedTexts
from service.engine.views import Unlock, unlocked_views
from service.operations import edition_slots, idempotency_keys
from service.operations.claims import REFUSAL_BY_CODE, Claimed, claim_unlock, grant_body
from service.operations.evaluation import evaluate_user
from service.operations.retries import retried
from service.operations.rewards import get_reward
from service.operations.user_rewards import read_facts
from service.usecases.context import Context


@dataclass(frozen=True)
class ClaimResult:
    """A granted claim: the grant as answered, named in `language`, and what it unlocked."""

    grant: dict[str, Any]
    # The language the answer is in: the request's, or a keyed replay's first attempt's.
    language: LanguageChoice
    # True only for the request whose write granted the reward (not for replays).
    granted_now: bool = False
    # The rewards that needed this one claimed first and unlocked with it (reported again on a replay).
    unlocked: list[Unlock] = field(default_factory=list)


async def claim(ctx: Context, user_id: int, slug: str, idempotency_key: str | None) -> ClaimResponse:
    """Claim an unlocked reward for the user; a retry with the same Idempotency-Key gets the first outcome.

    Raises RewardNotFound, RewardLocked, AlreadyClaimed, ClaimExpired, RewardSoldOut, IdempotencyKeyReused,
    RaceLost.
    """
    catalog = await ctx.runtime.catalogue.active()
    reward = catalog.by_slug.get(slug)
    result = await _claim_once(ctx, user_id, slug, reward, idempotency_key)
    dependents = catalog.dependents.get(slug, ())
    if dependents:
        marker = f"claim:{result.grant['grant_id']}"
        unlocked = await evaluate_user(user_id, await read_facts(user_id), dependents, marker, ctx.now)
        result = replace(result, unlocked=unlocked)
    metrics = ctx.runtime.metrics
    if result.granted_now and reward is not None:
        metrics.record_claim(reward.reward_type)
    metrics.record_unlocks(u.reward.reward_type for u in result.unlocked if u.fresh)
    # A keyed replay answers in its first attempt's language, the unlocked rewards too.
    return ClaimResponse.model_validate({**result.grant, "unlocked": unlocked_views(result.unlocked, result.language)})


def _not_found(slug: str) -> RewardNotFound:
    return RewardNotFound(f"No active reward with slug {slug!r}.")


def _hidden(ctx: Context, reward: ActiveReward) -> bool:
    """A secret reward the user has not unlocked is, to the bot, a slug it does not know: refused as unknown."""
    return reward.is_secret and not ctx.is_admin


def _named(claimed: Claimed, texts: LocalizedTexts, language: LanguageChoice) -> ClaimResult:
    """The grant with the reward's `name` and its `lang`, as the answer (and a replay of it) carries them."""
    name = texts.in_language(language)
    grant = {**claimed.grant, "name": name["name"], "lang": name["lang"]}
    return ClaimResult(grant, language, granted_now=claimed.granted_now)


async def _texts(slug: str, reward: ActiveReward | None) -> LocalizedTexts:
    """The reward's texts; for a replay of a reward deactivated since, one read of its document."""
    if reward is not None:
        return reward.texts
    try:
        return texts_of(await get_reward(slug))
    except RewardNotFound:  # removed from the database behind the service's back: named by its slug
        return LocalizedTexts.of(slug, None, {})


async def _claim_once(
    ctx: Context, user_id: int, slug: str, reward: ActiveReward | None, key: str | None
) -> ClaimResult:
    language = ctx.language
    if key is None:
        if reward is None:
            raise _not_found(slug)
        try:
            return _named(await _claim(ctx, user_id, reward, None), reward.texts, language)
        except RewardLocked:
            if _hidden(ctx, reward):
                raise _not_found(slug) from None
            raise
    earlier = await idempotency_keys.reserve(key, user_id, slug, ctx.now, language)
    if earlier is not None:
        if earlier["user_id"] != user_id or earlier["reward_slug"] != slug:
            raise IdempotencyKeyReused("This Idempotency-Key was already used for another user or reward.")
        language = idempotency_keys.first_language(earlier, language)
        if earlier.get("grant") is not None:
            if "name" in earlier["grant"]:
                return ClaimResult(earlier["grant"], language)
            # Remembered before claims answered a name: named now, in the first attempt's language.
            return _named(Claimed(earlier["grant"]), await _texts(slug, reward), language)
        if earlier.get("error_code") is not None:
            raise REFUSAL_BY_CODE[earlier["error_code"]](earlier["error_message"])
        # Reserved by an attempt that recorded no outcome (still running, or its answer was lost).
        made = await idempotency_keys.grant_made_with(user_id, key)
        if made is not None:
            named = _named(Claimed(grant_body(made)), await _texts(slug, reward), language)
            await idempotency_keys.remember_grant(key, named.grant)
            return named
    if reward is None:
        await idempotency_keys.release(key)
        raise _not_found(slug)
    try:
        result = _named(await _claim(ctx, user_id, reward, key), reward.texts, language)
    except RewardLocked as refusal:
        if _hidden(ctx, reward):  # answered as an unknown slug is: nothing to replay
            await idempotency_keys.release(key)
            raise _not_found(slug) from None
        await idempotency_keys.record_refusal(key, refusal)
        raise
    except (AlreadyClaimed, ClaimExpired) as refusal:
        await idempotency_keys.record_refusal(key, refusal)
        raise
    except Conflict:
        await idempotency_keys.release(key)  # a transient refusal: a retry with this key may succeed
        raise
    await idempotency_keys.remember_grant(key, result.grant)
    return result


async def _claim(ctx: Context, user_id: int, reward: ActiveReward, key: str | None) -> Claimed:
    if reward.max_claims is not None:
        return await _claim_edition(ctx, user_id, reward, key)
    return await claim_unlock(user_id, reward, ctx.now, key)


async def _claim_edition(ctx: Context, user_id: int, reward: ActiveReward, key: str | None) -> Claimed:
    """Claim a limited edition: hold the unlock, take a slot for this claim, then claim (see `edition_slots`)."""
    now = ctx.now

    async def attempt() -> Claimed:
        held = await edition_slots.hold_unlock(user_id, reward.id, now, key)
        if held is None:
            current = await edition_slots.state_of(user_id, reward.id)
            hold = (current or {}).get("pending_slot")
            if current is not None and hold is not None and key is not None and hold.get("idempotency_key") == key:
                held = current  # this claim's earlier attempt holds it: go on from there
            elif current is not None and hold is not None and now - hold["at"] >= edition_slots.STALE_HOLD_AGE:
                await edition_slots.release_hold(current, now, reward.slug)
                raise RaceLost("The reward changed during the claim; retry.")  # a stale hold, released: try again
            elif hold is not None:
                raise RaceLost("Another claim of this reward is in progress for this user; retry.")
            else:
                # Nothing to hold: answer as any claim does (a refusal, or a replay); a crashed claim's
                # grant finished on the way leaves the unlock claimable, and a RaceLost holds it again.
                return await claim_unlock(user_id, reward, now, key, held={"pending_slot": {"$type": "object"}})
        hold_filter = {"pending_slot.at": held["pending_slot"]["at"]}
        holder = edition_slots.holder(user_id, held.get("claim_count", 0) + 1)
        if not await edition_slots.take_slot(reward.slug, holder, now, reward.max_claims):
            await edition_slots.release_hold(held, now, reward.slug)
            raise RewardSoldOut(f"Every one of the {reward.max_claims} slots of {reward.slug!r} is taken.")
        try:
            return await claim_unlock(user_id, reward, now, key, held=hold_filter)
        except Conflict:
            await edition_slots.release_hold(held, now, reward.slug)
            raise

    # Tried twice: once more after a stale hold was released or the state moved under the first attempt.
    return await retried(attempt, attempts=2)
