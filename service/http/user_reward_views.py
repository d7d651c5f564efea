"""A user's rewards list as answered: what never changes between requests is serialized once per language.

A list answers every active reward, and most of each reward's view (its texts, its type's
display, its flags and season, each condition's type, display and target) depends only on the
languages answered in. Those parts are serialized on a reward's first answer in a pair of
languages and kept with the catalogue load (`ActiveReward.answer_parts`). The user's part is
joined from parts serialized once too (a status or availability with its display, a locked
reward's empty dates, the current rarity board's figures); only progress numbers and the dates of
rewards the user has a state for are written per request. Building and serializing every field
of every reward per request was most of a list's CPU.
"""

from enum import StrEnum
from typing import Any, NamedTuple

import orjson
from rewards_contract.facts import Facts

from service.engine.conditions import ConditionProgress, progress
from service.engine.languages import LanguageChoice, displayed
from service.engine.transitions import LOCKED
from service.operations.catalog import ActiveReward
from service.operations.rarity import RarityBoard
from service.operations.user_rewards import UserRewardStatus

_OPTIONS = orjson.OPT_UTC_Z  # as `json_trusted` writes the rest of the answer


def _members(fields: dict[str, Any]) -> bytes:
    """The fields as JSON object members, each followed by a comma: `"a":1,"b":null,` (never empty here)."""
    return orjson.dumps(fields, option=_OPTIONS)[1:-1] + b","


class _FixedParts(NamedTuple):
    # `{"slug": ..., ...,` : the reward's fields that only depend on the languages, left open.
    head: bytes
    # The same for each condition (`{"condition_type": ..., "target": ...,`), in progress order.
    conditions: tuple[bytes, ...]


def user_reward_view(status: UserRewardStatus, choice: LanguageChoice, rarity: RarityBoard) -> orjson.Fragment:
    """One UserRewardView, serialized: the reward's fixed parts in these languages, then the user's."""
    fixed = _fixed_parts(status.reward, choice)
    progress_items = b",".join(
        b'%s"current":%d,"met":%s}' % (head, p.current, b"true" if p.met else b"false")
        for head, p in zip(fixed.conditions, status.progress, strict=True)
    )
    return orjson.Fragment(b"".join((
        fixed.head,
        _enum_part("status", status.state.status, choice),
        b'"progress":[', progress_items, b"],",
        _dates_part(status),
        _enum_part("availability", status.availability, choice),
        b'"rarity":', _rarity_part(rarity, status.reward.slug), b"}",
    )))


# `"status":"locked","status_display":{...},` and the like, by (field, value, display language).
_ENUM_PARTS: dict[tuple[str, StrEnum, str], bytes] = {}


def _enum_part(name: str, value: StrEnum, choice: LanguageChoice) -> bytes:
    key = (name, value, choice.for_display)
    part = _ENUM_PARTS.get(key)
    if part is None:
        part = _ENUM_PARTS[key] = _members({name: value, f"{name}_display": displayed(value, choice)})
    return part


# What a reward the user has no state for (locked, never claimed) answers for its dates and count.
_NO_DATES = _members({"unlocked_at": None, "expires_at": None, "claimed_at": None, "last_claimed_at": None,
                      "claim_count": 0})


def _dates_part(status: UserRewardStatus) -> bytes:
    state = status.state
    if state is LOCKED and status.last_claimed_at is None:
        return _NO_DATES
    return _members({"unlocked_at": state.unlocked_at, "expires_at": state.expires_at, "claimed_at": state.claimed_at,
                     "last_claimed_at": status.last_claimed_at, "claim_count": state.claim_count})


# The current board's rarity per slug, serialized on first use; reset when the board is replaced.
_RARITY_PARTS: tuple[RarityBoard | None, dict[str, bytes]] = (None, {})


def _rarity_part(board: RarityBoard, slug: str) -> bytes:
    global _RARITY_PARTS
    if _RARITY_PARTS[0] is not board:
        _RARITY_PARTS = (board, {})
    parts = _RARITY_PARTS[1]
    part = parts.get(slug)
    if part is None:
        part = parts[slug] = orjson.dumps(board.for_slug(slug), option=_OPTIONS)
    return part


def _fixed_parts(reward: ActiveReward, choice: LanguageChoice) -> _FixedParts:
    languages = (choice.for_texts(reward.texts.languages), choice.for_display)
    parts = reward.answer_parts.get(languages)
    if parts is None:
        parts = reward.answer_parts[languages] = _serialize_fixed_parts(reward, choice)
    return parts


def _serialize_fixed_parts(reward: ActiveReward, choice: LanguageChoice) -> _FixedParts:
    rules = reward.rules
    head = b"{" + _members({
        **reward.summary,
        **reward.texts.in_language(choice),
        "reward_type_display": displayed(reward.reward_type, choice),
        "is_repeatable": rules.is_repeatable,
        "is_secret": reward.is_secret,
        "available_from": rules.available_from,
        "available_until": rules.available_until,
    })
    conditions = tuple(
        b"{" + _members({
            "condition_type": condition.condition_type,
            "condition_display": displayed(condition.condition_type, choice),
            "group": condition.group,
            "target": condition.target,
        })
        for condition in _targets(reward)
    )
    return _FixedParts(head, conditions)


def _targets(reward: ActiveReward) -> list[ConditionProgress]:
    """Each condition's progress for a new user: its type, group and target are the same for everyone."""
    return progress(reward.rules.conditions, Facts(), 0)
