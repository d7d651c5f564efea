"""Condition evaluation: per-condition progress and the AND/OR eligibility rule."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from documents.enums import RewardConditionType
from documents.reward import RewardCondition


@dataclass(frozen=True)
class Facts:
    """What conditions read about a user (a plain copy of the stored UserFacts)."""

    current_streak: int = 0
    total_points: int = 0
    level: int = 1
    besitos_spent: int = 0
    purchases_count: int = 0
    daily_gifts_count: int = 0
    reactions_count: int = 0
    is_vip: bool = False

    @classmethod
    def from_mapping(cls, stored: object | None) -> "Facts":
        """Build from a stored document or dict; missing fields take the defaults of a new user."""
        if stored is None:
            return cls()
        get = stored.get if isinstance(stored, dict) else lambda name, default: getattr(stored, name, default)
        return cls(**{name: get(name, default) for name, default in _DEFAULTS.items()})


_DEFAULTS = {name: getattr(Facts(), name) for name in Facts.__dataclass_fields__}


@dataclass(frozen=True)
class ConditionProgress:
    """How far a user is on one condition: what the bot shows as "3/7"."""

    condition_type: RewardConditionType
    group: int
    current: int
    target: int
    met: bool


# Threshold conditions: the fact they compare with the condition's value.
_THRESHOLD_FACT = {
    RewardConditionType.STREAK_LENGTH: "current_streak",
    RewardConditionType.TOTAL_POINTS: "total_points",
    RewardConditionType.LEVEL_REACHED: "level",
    RewardConditionType.BESITOS_SPENT: "besitos_spent",
}

# "At least once" conditions: the counter that must be at least 1.
_EVENT_COUNTER = {
    RewardConditionType.FIRST_PURCHASE: "purchases_count",
    RewardConditionType.FIRST_DAILY_GIFT: "daily_gifts_count",
    RewardConditionType.FIRST_REACTION: "reactions_count",
}


def condition_progress(condition: RewardCondition, facts: Facts, claim_count: int) -> ConditionProgress:
    """Progress on one condition. Yes/no conditions are shown as 0/1 or 1/1."""
    kind = condition.condition_type
    if kind in _THRESHOLD_FACT:
        current = getattr(facts, _THRESHOLD_FACT[kind])
        target = condition.value or 0
        return ConditionProgress(kind, condition.group, current, target, current >= target)
    if kind in _EVENT_COUNTER:
        met = getattr(facts, _EVENT_COUNTER[kind]) >= 1
    elif kind is RewardConditionType.NOT_VIP:
        met = not facts.is_vip
    elif kind is RewardConditionType.NOT_CLAIMED_BEFORE:
        met = claim_count == 0
    else:  # pragma: no cover - the enum is exhaustive above
        raise ValueError(f"unknown condition type {kind!r}")
    return ConditionProgress(kind, condition.group, int(met), 1, met)


def ordered(conditions: Iterable[RewardCondition]) -> list[RewardCondition]:
    """Conditions in evaluation and display order: by group, then sort_order."""
    return sorted(conditions, key=lambda c: (c.group, c.sort_order))


def progress(conditions: Sequence[RewardCondition], facts: Facts, claim_count: int) -> list[ConditionProgress]:
    """Progress on every condition, in display order."""
    return [condition_progress(c, facts, claim_count) for c in ordered(conditions)]


def all_groups_hold(items: Iterable[ConditionProgress]) -> bool:
    """Group 0: every condition holds. Each other group: at least one holds. Groups are ANDed."""
    groups: dict[int, list[bool]] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item.met)
    return all(all(mets) if group == 0 else any(mets) for group, mets in groups.items())


def is_eligible(conditions: Sequence[RewardCondition], facts: Facts, claim_count: int) -> bool:
    """Whether the conditions hold; a reward without conditions is always eligible."""
    return all_groups_hold(condition_progress(c, facts, claim_count) for c in conditions)
