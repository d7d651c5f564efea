"""Condition evaluation: per-condition progress and the AND/OR eligibility rule."""

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from rewards_contract.enums import RewardConditionType
from rewards_contract.facts import Facts
from rewards_contract.rewards import RewardCondition


class ConditionProgress(NamedTuple):
    """How far a user is on one condition: what the bot shows as "3/7".

    A named tuple, not a frozen dataclass: a user's list builds one per condition of every reward,
    and a frozen dataclass's `__init__` was the largest single entry of the list's profile.
    """

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


def condition_inputs(conditions: Iterable[RewardCondition], facts: Facts) -> dict[str, int | bool]:
    """The facts these conditions read, by name (`not_claimed_before` reads the claim count, not a fact).

    A repeatable reward unlocks again only when one of these changed since its last unlock, so
    activity its conditions do not read can never reopen it.
    """
    inputs: dict[str, int | bool] = {}
    for condition in conditions:
        kind = condition.condition_type
        name = _THRESHOLD_FACT.get(kind) or _EVENT_COUNTER.get(kind)
        if name is None and kind is RewardConditionType.NOT_VIP:
            name = "is_vip"
        if name is not None:
            inputs[name] = getattr(facts, name)
    return inputs


def condition_met(condition: RewardCondition, facts: Facts, claim_count: int) -> bool:
    """Whether one condition holds: what eligibility needs, without building the progress view."""
    kind = condition.condition_type
    fact = _THRESHOLD_FACT.get(kind)
    if fact is not None:
        return getattr(facts, fact) >= (condition.value or 0)
    counter = _EVENT_COUNTER.get(kind)
    if counter is not None:
        return getattr(facts, counter) >= 1
    if kind is RewardConditionType.NOT_VIP:
        return not facts.is_vip
    if kind is RewardConditionType.NOT_CLAIMED_BEFORE:
        return claim_count == 0
    raise ValueError(f"unknown condition type {kind!r}")  # pragma: no cover - the enum is exhaustive above


def condition_progress(condition: RewardCondition, facts: Facts, claim_count: int) -> ConditionProgress:
    """Progress on one condition. Yes/no conditions are shown as 0/1 or 1/1."""
    kind = condition.condition_type
    fact = _THRESHOLD_FACT.get(kind)
    if fact is not None:
        current = getattr(facts, fact)
        target = condition.value or 0
        return ConditionProgress(kind, condition.group, current, target, current >= target)
    met = condition_met(condition, facts, claim_count)
    return ConditionProgress(kind, condition.group, int(met), 1, met)


def ordered(conditions: Iterable[RewardCondition]) -> tuple[RewardCondition, ...]:
    """Conditions in evaluation and display order: by group, then sort_order."""
    return tuple(sorted(conditions, key=lambda c: (c.group, c.sort_order)))


def progress(conditions_in_order: Sequence[RewardCondition], facts: Facts, claim_count: int) -> list[ConditionProgress]:
    """Progress on every condition, in the order given: `ordered` once per catalogue load, not per request."""
    return [condition_progress(c, facts, claim_count) for c in conditions_in_order]


def required_thresholds(conditions: Iterable[RewardCondition]) -> tuple[tuple[str, int], ...]:
    """The group-0 threshold conditions as (fact, target): every one must hold for the reward to be eligible."""
    return tuple(
        (_THRESHOLD_FACT[c.condition_type], c.value or 0)
        for c in conditions
        if c.group == 0 and c.condition_type in _THRESHOLD_FACT
    )


def misses_a_threshold(thresholds: Sequence[tuple[str, int]], facts: Facts) -> bool:
    """Whether some required threshold is not reached: then the conditions cannot hold, whatever the rest says.

    The cheap first test of every evaluation: most rewards are out of reach for most users.
    """
    for fact, target in thresholds:
        if getattr(facts, fact) < target:
            return True
    return False


def is_eligible(conditions: Sequence[RewardCondition], facts: Facts, claim_count: int) -> bool:
    """Whether the conditions hold; a reward without conditions is always eligible."""
    return _groups_hold((c.group, condition_met(c, facts, claim_count)) for c in conditions)


def _groups_hold(pairs: Iterable[tuple[int, bool]]) -> bool:
    # Stops at the first failed group-0 condition: every request evaluates every reward, and most
    # rewards are out of reach, so most evaluations end here.
    some_met: dict[int, bool] = {}
    for group, met in pairs:
        if group == 0:
            if not met:
                return False
        else:
            some_met[group] = some_met.get(group, False) or met
    return all(some_met.values())
