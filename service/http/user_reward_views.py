"""A user's rewards list as answered: each reward with the user's status and progress, and the hints of secret ones."""

import hashlib
from typing import Any

from rewards_contract.enums import RewardConditionType

from service.engine.conditions import ConditionProgress
from service.engine.languages import LanguageChoice, displayed
from service.operations.catalog import ActiveReward, ActiveRewards
from service.operations.rarity import RarityBoard
from service.operations.user_rewards import Hint, UserRewardStatus


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


def hint_id(reward: ActiveReward) -> str:
    """An opaque id for a secret reward: stable, and telling nothing of its slug or name."""
    return "h_" + hashlib.sha256(f"hint:{reward.id}".encode()).hexdigest()[:16]


def hint_view(hint: Hint, choice: LanguageChoice) -> dict[str, Any] | None:
    """A HintView's fields; None when the reward has no hint in any language the caller could read."""
    text, lang = hint.reward.texts.hint_in(choice)
    if text is None:
        return None
    return {"id": hint_id(hint.reward), "hint": text, "lang": lang, "met": hint.met, "total": hint.total}
