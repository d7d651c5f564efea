"""A user's rewards list as answered: what never changes between requests is serialized once per language.

A list answers every active reward, and most of each reward's view (its texts, its type's
display, its flags and season, each condition's type, display and target) depends only on the
languages answered in. Those parts are serialized on a reward's first answer in a pair of
languages and kept with the catalogue load (`ActiveReward.answer_parts`); a request serializes
only the user's part (state, progress, availability, rarity) and joins the two. Building and
serializing every field of every reward per request was most of a list's CPU.
"""

from typing import Any, NamedTuple

import orjson
from rewards_contract.facts import Facts

from service.engine.conditions import ConditionProgress, progress
from service.engine.languages import LanguageChoice, displayed
from service.operations.catalog import ActiveReward
from service.operations.rarity import RarityBoard
from service.operations.user_rewards import UserRewardStatus

_OPTIONS = orjson.OPT_UTC_Z  # as `json_trusted` writes the rest of the answer


class _FixedParts(NamedTuple):
    # `{"slug": ..., ...,` : the reward's fields that only depend on the languages, left open.
    head: bytes
    # The same for each condition (`{"condition_type": ..., "target": ...,`), in progress order.
    conditions: tuple[bytes, ...]


def user_reward_view(status: UserRewardStatus, choice: LanguageChoice, rarity: RarityBoard) -> orjson.Fragment:
    """One UserRewardView, serialized: the reward's fixed parts in these languages, then the user's."""
    fixed = _fixed_parts(status.reward, choice)
    state = status.state
    progress = [
        orjson.Fragment(b'%s"current":%d,"met":%s}' % (head, p.current, b"true" if p.met else b"false"))
        for head, p in zip(fixed.conditions, status.progress, strict=True)
    ]
    users_part = orjson.dumps({
        "status": state.status,
        "status_display": displayed(state.status, choice),
        "progress": progress,
        "unlocked_at": state.unlocked_at,
        "expires_at": state.expires_at,
        "claimed_at": state.claimed_at,
        "last_claimed_at": status.last_claimed_at,
        "claim_count": state.claim_count,
        "availability": status.availability,
        "availability_display": displayed(status.availability, choice),
        "rarity": rarity.for_slug(status.reward.slug),
    }, option=_OPTIONS)
    return orjson.Fragment(fixed.head + users_part[1:])  # the user's fields close the object the head opened


def _fixed_parts(reward: ActiveReward, choice: LanguageChoice) -> _FixedParts:
    languages = (choice.for_texts(reward.texts.languages), choice.for_display)
    parts = reward.answer_parts.get(languages)
    if parts is None:
        parts = reward.answer_parts[languages] = _serialize_fixed_parts(reward, choice)
    return parts


def _serialize_fixed_parts(reward: ActiveReward, choice: LanguageChoice) -> _FixedParts:
    rules = reward.rules
    head = _open({
        **reward.summary,
        **reward.texts.in_language(choice),
        "reward_type_display": displayed(reward.reward_type, choice),
        "is_repeatable": rules.is_repeatable,
        "is_secret": reward.is_secret,
        "available_from": rules.available_from,
        "available_until": rules.available_until,
    })
    conditions = tuple(
        _open({
            "condition_type": progress.condition_type,
            "condition_display": displayed(progress.condition_type, choice),
            "group": progress.group,
            "target": progress.target,
        })
        for progress in _targets(reward)
    )
    return _FixedParts(head, conditions)


def _targets(reward: ActiveReward) -> list[ConditionProgress]:
    """Each condition's progress for a new user: its type, group and target are the same for everyone."""
    return progress(reward.rules.conditions, Facts(), 0)


def _open(fields: dict[str, Any]) -> bytes:
    """The fields as a JSON object left open for more: `{"a":1,` (never empty here)."""
    return orjson.dumps(fields, option=_OPTIONS)[:-1] + b","
