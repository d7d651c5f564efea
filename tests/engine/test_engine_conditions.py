"""Condition evaluation: every condition type, thresholds, and the AND/OR grouping rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rewards_contract.enums import RewardConditionType
from rewards_contract.facts import Facts

from service.engine.conditions import (
    condition_progress,
    is_eligible,
    misses_a_threshold,
    ordered,
    progress,
    required_thresholds,
)
from service.engine.standing import Standing
from tests.support.factories import condition, standing

T = RewardConditionType


@pytest.mark.parametrize(
    ("kind", "fact", "target", "current", "met"),
    [
        (T.STREAK_LENGTH, "current_streak", 7, 6, False),
        (T.STREAK_LENGTH, "current_streak", 7, 7, True),
        (T.STREAK_LENGTH, "current_streak", 7, 8, True),
        (T.TOTAL_POINTS, "total_points", 100, 99, False),
        (T.TOTAL_POINTS, "total_points", 100, 100, True),
        (T.LEVEL_REACHED, "level", 5, 4, False),
        (T.LEVEL_REACHED, "level", 5, 5, True),
        (T.BESITOS_SPENT, "besitos_spent", 500, 499, False),
        (T.BESITOS_SPENT, "besitos_spent", 500, 500, True),
    ],
)
def test_threshold_condition_is_met_from_exactly_the_target(kind, fact, target, current, met):
    result = condition_progress(condition(kind, target), standing(**{fact: current}), claim_count=0)
    assert (result.current, result.target, result.met) == (current, target, met)


@pytest.mark.parametrize(
    ("kind", "fact"),
    [
        (T.FIRST_PURCHASE, "purchases_count"),
        (T.FIRST_DAILY_GIFT, "daily_gifts_count"),
        (T.FIRST_REACTION, "reactions_count"),
    ],
)
@pytest.mark.parametrize(("count", "met"), [(0, False), (1, True), (5, True)])
def test_first_time_condition_needs_the_event_at_least_once(kind, fact, count, met):
    result = condition_progress(condition(kind), standing(**{fact: count}), claim_count=0)
    assert (result.current, result.target, result.met) == (int(met), 1, met)


@pytest.mark.parametrize(("is_vip", "met"), [(False, True), (True, False)])
def test_not_vip_excludes_vip_users(is_vip, met):
    assert condition_progress(condition(T.NOT_VIP), standing(is_vip=is_vip), claim_count=0).met is met


@pytest.mark.parametrize(("claims", "met"), [(0, True), (1, False), (3, False)])
def test_not_claimed_before_holds_only_before_the_first_claim(claims, met):
    assert condition_progress(condition(T.NOT_CLAIMED_BEFORE), standing(), claim_count=claims).met is met


def test_reward_without_conditions_is_always_eligible():
    assert is_eligible([], standing(), claim_count=0)


def test_group_zero_conditions_are_all_required():
    conditions = [condition(T.STREAK_LENGTH, 3), condition(T.LEVEL_REACHED, 2)]
    assert not is_eligible(conditions, standing(current_streak=3, level=1), 0)
    assert is_eligible(conditions, standing(current_streak=3, level=2), 0)


def test_one_condition_of_a_non_zero_group_is_enough():
    conditions = [condition(T.FIRST_PURCHASE, group=1), condition(T.FIRST_REACTION, group=1)]
    assert not is_eligible(conditions, standing(), 0)
    assert is_eligible(conditions, standing(reactions_count=1), 0)


def test_groups_are_anded_together():
    conditions = [
        condition(T.LEVEL_REACHED, 2),
        condition(T.FIRST_PURCHASE, group=1),
        condition(T.FIRST_REACTION, group=1),
        condition(T.STREAK_LENGTH, 7, group=2),
        condition(T.TOTAL_POINTS, 100, group=2),
    ]
    assert not is_eligible(conditions, standing(level=2, purchases_count=1), 0)  # group 2 fails
    assert not is_eligible(conditions, standing(level=1, purchases_count=1, total_points=100), 0)  # group 0 fails
    assert is_eligible(conditions, standing(level=2, reactions_count=1, total_points=100), 0)


def test_progress_lists_conditions_by_group_then_sort_order():
    conditions = [
        condition(T.FIRST_REACTION, group=1, sort_order=2),
        condition(T.FIRST_PURCHASE, group=1, sort_order=1),
        condition(T.STREAK_LENGTH, 7),
    ]
    kinds = [item.condition_type for item in progress(ordered(conditions), standing(current_streak=3), 0)]
    assert kinds == [T.STREAK_LENGTH, T.FIRST_PURCHASE, T.FIRST_REACTION]


def test_facts_from_a_partial_document_take_new_user_defaults():
    assert Facts.from_mapping({"total_points": 9}) == Facts(total_points=9)
    assert Facts.from_mapping(None) == Facts()


# --- property: the grouped evaluation equals a brute-force oracle -------------------------------

_conditions = st.lists(
    st.one_of(
        st.builds(
            lambda kind, value, group: condition(kind, value, group),
            st.sampled_from([T.STREAK_LENGTH, T.TOTAL_POINTS, T.LEVEL_REACHED, T.BESITOS_SPENT]),
            st.integers(1, 12),
            st.integers(0, 3),
        ),
        st.builds(
            lambda kind, group: condition(kind, None, group),
            st.sampled_from([T.FIRST_PURCHASE, T.FIRST_DAILY_GIFT, T.FIRST_REACTION, T.NOT_VIP, T.NOT_CLAIMED_BEFORE]),
            st.integers(0, 3),
        ),
    ),
    max_size=8,
)
_facts = st.builds(
    Facts,
    current_streak=st.integers(0, 12),
    total_points=st.integers(0, 12),
    level=st.integers(1, 12),
    besitos_spent=st.integers(0, 12),
    purchases_count=st.integers(0, 2),
    daily_gifts_count=st.integers(0, 2),
    reactions_count=st.integers(0, 2),
    is_vip=st.booleans(),
)


def _oracle_holds(cond, facts: Facts, claim_count: int) -> bool:
    """Each condition spelled out independently of the engine's tables."""
    kind, value = cond.condition_type, cond.value
    return {
        T.STREAK_LENGTH: lambda: facts.current_streak >= value,
        T.TOTAL_POINTS: lambda: facts.total_points >= value,
        T.LEVEL_REACHED: lambda: facts.level >= value,
        T.BESITOS_SPENT: lambda: facts.besitos_spent >= value,
        T.FIRST_PURCHASE: lambda: facts.purchases_count > 0,
        T.FIRST_DAILY_GIFT: lambda: facts.daily_gifts_count > 0,
        T.FIRST_REACTION: lambda: facts.reactions_count > 0,
        T.NOT_VIP: lambda: not facts.is_vip,
        T.NOT_CLAIMED_BEFORE: lambda: claim_count == 0,
    }[kind]()


def _oracle_eligible(conditions, facts: Facts, claim_count: int) -> bool:
    """Brute force: AND over group 0, and for every other group that appears, OR inside it."""
    for cond in conditions:
        if cond.group == 0 and not _oracle_holds(cond, facts, claim_count):
            return False
    for group in {c.group for c in conditions} - {0}:
        members = [c for c in conditions if c.group == group]
        if not any(_oracle_holds(c, facts, claim_count) for c in members):
            return False
    return True


@given(_conditions, _facts, st.integers(0, 2))
def test_eligibility_matches_brute_force_oracle(conditions, facts, claim_count):
    assert is_eligible(conditions, Standing(facts=facts), claim_count) == _oracle_eligible(
        conditions, facts, claim_count
    )


@given(_conditions, _facts, st.integers(0, 2))
def test_a_missed_required_threshold_means_not_eligible(conditions, facts, claim_count):
    if misses_a_threshold(required_thresholds(conditions), Standing(facts=facts)):
        assert not _oracle_eligible(conditions, facts, claim_count)


@given(_conditions, _facts)
def test_no_missed_threshold_means_every_required_threshold_holds(conditions, facts):
    if not misses_a_threshold(required_thresholds(conditions), Standing(facts=facts)):
        thresholds = [c for c in conditions if c.group == 0 and c.value is not None]
        assert all(_oracle_holds(c, facts, 0) for c in thresholds)
