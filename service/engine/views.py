"""The answers' views, built from plain values (pure): rewards, a user's rewards with progress and hints, grants.

Hand-built as plain data for speed (`Trusted`): a new field goes into the contract's model and into
the builder here alike, and the tests' answer check (`Settings.check_answers`) keeps the two equal.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from rewards_contract.api import RewardView
from rewards_contract.enums import RewardConditionType
from rewards_contract.facts import FactsView

from documents import Reward
from service.engine.catalogue import ActiveReward, ActiveRewards, texts_of
from service.engine.conditions import ConditionProgress
from service.engine.languages import LanguageChoice, LocalizedTexts, displayed
from service.engine.rarity import RarityBoard
from service.engine.transitions import RewardRules, availability
from service.engine.user_rewards import Hint, UserRewardStatus


@dataclass(frozen=True)
class Trusted:
    """An answer the service built itself from validated parts, as plain data in `model`'s shape.

    Serialized in one pass by orjson, without validating it again. With `Settings.check_answers`
    (the tests) every trusted answer is validated against `model` and must serialize to the same JSON
    as the model would, so the shortcut can never drift from the contract.

    Why it stays, on the production path (Motor to a MongoDB server): `python -m bench --duration 5
    --idle-seconds 2` (wrk, SecantusDB, R=50 rewards, U=200 users, 16 connections, a shared 2-core VM),
    run twice as it is and twice with `json_trusted` writing `model.model_validate(payload)
    .model_dump_json()` instead, gave the list 1.42 and 1.34 ms of service CPU per request against
    3.45 and 4.91 ms (and 447-462 against 153-197 req/s). In process, one list answer of 50 rewards
    (58 KB) takes 0.05 ms here against 0.82 ms validated and dumped by pydantic (0.53 ms of it the
    validation; pydantic-core's `to_json` of the plain data alone takes 0.43 ms).
    """

    model: type[BaseModel]
    payload: Any


def user_reward_view(
    status: UserRewardStatus, choice: LanguageChoice, rarity: RarityBoard, catalog: ActiveRewards
) -> dict[str, Any]:
    """One UserRewardView's fields, in the caller's language."""
    reward, state = status.reward, status.state
    rules = reward.rules
    return {
        **reward.summary,
        **reward.texts.in_language(choice),
        "reward_type_display": displayed(reward.reward_type, choice),
        "is_repeatable": rules.is_repeatable,
        "is_secret": reward.is_secret,
        "status": state.status,
        "status_display": displayed(state.status, choice),
        "progress": [progress_view(p, choice, catalog) for p in status.progress],
        "unlocked_at": state.unlocked_at,
        "expires_at": state.expires_at,
        "claimed_at": state.claimed_at,
        "last_claimed_at": status.last_claimed_at,
        "claim_count": state.claim_count,
        "availability": status.availability,
        "availability_display": displayed(status.availability, choice),
        "available_from": rules.available_from,
        "available_until": rules.available_until,
        "rarity": rarity.for_slug(reward.slug),
        "series": reward.series,
        "tier": reward.tier,
        "remaining": status.remaining,
    }


def progress_view(item: ConditionProgress, choice: LanguageChoice, catalog: ActiveRewards) -> dict[str, Any]:
    """A condition's progress, with what it reads named in the caller's language (a secret prerequisite: unnamed)."""
    counter_texts = catalog.counter_texts.get(item.counter) if item.counter else None
    prerequisite: ActiveReward | None = None
    if item.condition_type is RewardConditionType.REWARD_CLAIMED and item.reward:
        prerequisite = catalog.by_slug.get(item.reward)
    hidden = prerequisite is not None and prerequisite.is_secret
    return {
        "condition_type": item.condition_type,
        "condition_display": displayed(item.condition_type, choice),
        "group": item.group,
        "current": item.current,
        "target": item.target,
        "met": item.met,
        "counter": item.counter,
        "counter_name": counter_texts.in_language(choice)["name"] if counter_texts else None,
        "window_days": item.window_days,
        "reward": None if hidden else item.reward,
        "reward_name": None if hidden or prerequisite is None else prerequisite.texts.in_language(choice)["name"],
    }


def hint_view(hint: Hint, choice: LanguageChoice) -> dict[str, Any] | None:
    """A HintView's fields; None when the reward has no hint in any language the caller could read."""
    text, lang = hint.reward.texts.hint_in(choice)
    if text is None:
        return None
    return {"id": hint.reward.hint_id, "hint": text, "lang": lang, "met": hint.met, "total": hint.total}


@dataclass(frozen=True)
class Unlock:
    """A reward unlocked for the user, as reported to the bot."""

    reward: ActiveReward
    unlocked_at: datetime
    expires_at: datetime
    # False when reported again for a replayed event rather than unlocked by this call.
    fresh: bool = True


def unlocked_views(unlocks: list[Unlock], choice: LanguageChoice) -> list[dict[str, Any]]:
    """UnlockedReward's fields for each unlock, in the caller's language."""
    return [
        {
            **u.reward.summary,
            **u.reward.texts.in_language(choice),
            "reward_type_display": displayed(u.reward.reward_type, choice),
            "unlocked_at": u.unlocked_at,
            "expires_at": u.expires_at,
        }
        for u in unlocks
    ]


@dataclass(frozen=True)
class Answering:
    """What every reward view of one answer is built with."""

    now: datetime
    choice: LanguageChoice
    rarity: RarityBoard
    # The limited editions' slots left, by slug (read for the rewards answered).
    remaining: Mapping[str, int | None]


def caps_of(*rewards: Reward | ActiveReward) -> dict[str, int | None]:
    """The limited editions among these rewards, with their caps: whose slots left an answer reads."""
    return {reward.slug: reward.max_claims for reward in rewards if reward.max_claims is not None}


def _reward_view_fields(
    view: dict[str, Any], texts: LocalizedTexts, rules: RewardRules, answering: Answering
) -> dict[str, Any]:
    """A RewardView's fields: the stored ones, its texts in the caller's language, now's availability, its rarity."""
    choice = answering.choice
    availability_now = availability(rules, answering.now)
    return {
        **view,
        **texts.in_language(choice),
        "reward_type_display": displayed(view["reward_type"], choice),
        "availability": availability_now,
        "availability_display": displayed(availability_now, choice),
        "rarity": answering.rarity.for_slug(view["slug"]),
        "remaining": answering.remaining.get(view["slug"]),
    }


def reward_view(reward: Reward, answering: Answering) -> RewardView:
    """A stored reward, active or not, as the catalogue answers it."""
    fields = _reward_view_fields(reward.model_dump(), texts_of(reward), RewardRules.of(reward), answering)
    return RewardView.model_validate(fields)


def active_reward_view(reward: ActiveReward, answering: Answering) -> dict[str, Any]:
    """A cached active reward's RewardView fields now (the season moves on; the cache does not)."""
    return {
        **_reward_view_fields(reward.view, reward.texts, reward.rules, answering),
        "sold_out": reward.rules.sold_out,
    }


def grant_view_fields(grant: Mapping[str, Any], texts: LocalizedTexts | None, choice: LanguageChoice) -> dict[str, Any]:
    """A GrantView's fields: the stored grant, with its reward's texts today in the caller's language.

    `texts` None: a reward removed from the database behind the service's back, named by its slug.
    """
    shown = texts if texts is not None else LocalizedTexts.of(grant["reward_slug"], None, {})
    return {
        **grant,
        **shown.in_language(choice),
        "reward_type_display": displayed(grant["reward_type"], choice),
    }


# What a facts document missing a fact (stored before that fact existed) reads as.
_FACTS_DEFAULTS = {
    name: field.get_default() for name, field in FactsView.model_fields.items() if not field.is_required()
}


def facts_view_fields(user_id: int, facts: Mapping[str, Any] | None) -> dict[str, Any]:
    """A FactsView's fields from the user's facts document (None: a user never seen, with a new user's facts)."""
    stored = facts or {}
    return {name: stored.get(name, _FACTS_DEFAULTS.get(name)) for name in FactsView.model_fields} | {
        "user_id": user_id,
        "counters": stored.get("counters") or {},
    }
