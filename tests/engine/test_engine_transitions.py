"""The reward state machine, transition by transition, including the exact edges."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from rewards_contract.enums import RewardStatus

from service.engine.standing import Standing
from service.engine.transitions import (
    LOCKED,
    ClaimOutcome,
    RewardRules,
    RewardState,
    TransitionKind,
    claim_outcome,
    evaluate,
    expire_if_due,
)
from tests.support.factories import definition, standing


def rules(**overrides: object) -> RewardRules:
    """A valid reward's rules, as the catalogue hands them to the engine."""
    return RewardRules.of(definition(**overrides))


def claimed(state: RewardState, now: datetime) -> RewardState:
    """What the claim's guarded update stores (service/operations/claims.py), as a pure model."""
    return replace(state, status=RewardStatus.CLAIMED, claimed_at=now, claim_count=state.claim_count + 1)


NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
STREAK_7 = [{"condition_type": "streak_length", "value": 7}]
ELIGIBLE = standing(current_streak=7)
NOT_ELIGIBLE = standing(current_streak=6)


def unlocked_state(at: datetime = NOW, window_hours: int = 168, claims: int = 0) -> RewardState:
    return RewardState(RewardStatus.UNLOCKED, at, at + timedelta(hours=window_hours), None, claims)


def test_locked_reward_unlocks_when_eligible_with_a_claim_window():
    reward = rules(conditions=STREAK_7, claim_window_hours=24)
    transition = evaluate(reward, ELIGIBLE, LOCKED, NOW)
    assert transition is not None
    assert transition.kind is TransitionKind.UNLOCK
    assert transition.previous == LOCKED
    assert transition.state.status is RewardStatus.UNLOCKED
    assert transition.state.unlocked_at == NOW
    assert transition.state.expires_at == NOW + timedelta(hours=24)


def test_locked_reward_stays_locked_one_below_threshold():
    assert evaluate(rules(conditions=STREAK_7), NOT_ELIGIBLE, LOCKED, NOW) is None


def test_inactive_reward_never_unlocks_even_when_eligible():
    assert evaluate(rules(conditions=STREAK_7, is_active=False), ELIGIBLE, LOCKED, NOW) is None


def test_unlocked_reward_expires_exactly_at_expires_at():
    state = unlocked_state(at=NOW - timedelta(hours=168))
    transition = evaluate(rules(conditions=STREAK_7), NOT_ELIGIBLE, state, NOW)
    assert transition is not None
    assert transition.kind is TransitionKind.EXPIRE
    assert transition.state.status is RewardStatus.EXPIRED


def test_unlocked_reward_is_still_open_one_millisecond_before_expiry():
    state = unlocked_state(at=NOW - timedelta(hours=168) + timedelta(milliseconds=1))
    assert evaluate(rules(conditions=STREAK_7), ELIGIBLE, state, NOW) is None


def test_claimed_non_repeatable_reward_stays_claimed():
    state = claimed(unlocked_state(), NOW)
    assert evaluate(rules(conditions=STREAK_7), ELIGIBLE, state, NOW + timedelta(days=1)) is None


def test_claimed_repeatable_reward_unlocks_again_when_eligible():
    state = claimed(unlocked_state(), NOW)
    later = NOW + timedelta(days=1)
    transition = evaluate(rules(conditions=STREAK_7, is_repeatable=True), ELIGIBLE, state, later)
    assert transition is not None
    assert transition.kind is TransitionKind.UNLOCK
    assert transition.state.unlocked_at == later
    assert transition.state.claim_count == 1


def test_claimed_repeatable_reward_waits_while_not_eligible():
    state = claimed(unlocked_state(), NOW)
    assert evaluate(rules(conditions=STREAK_7, is_repeatable=True), NOT_ELIGIBLE, state, NOW) is None


def test_not_claimed_before_makes_a_repeatable_reward_one_shot():
    conditions = [*STREAK_7, {"condition_type": "not_claimed_before"}]
    state = claimed(unlocked_state(), NOW)
    reward = rules(conditions=conditions, is_repeatable=True)
    assert evaluate(reward, ELIGIBLE, state, NOW + timedelta(days=1)) is None


def test_expired_non_repeatable_reward_stays_expired():
    state = RewardState(RewardStatus.EXPIRED, NOW - timedelta(days=8), NOW - timedelta(days=1))
    assert evaluate(rules(conditions=STREAK_7), ELIGIBLE, state, NOW) is None


def test_expired_repeatable_reward_unlocks_again_when_eligible():
    state = RewardState(RewardStatus.EXPIRED, NOW - timedelta(days=8), NOW - timedelta(days=1))
    transition = evaluate(rules(conditions=STREAK_7, is_repeatable=True), ELIGIBLE, state, NOW)
    assert transition is not None
    assert transition.state.status is RewardStatus.UNLOCKED


def test_overdue_repeatable_reward_reopens_with_a_fresh_window_in_one_evaluation():
    state = unlocked_state(at=NOW - timedelta(hours=200))
    transition = evaluate(rules(conditions=STREAK_7, is_repeatable=True), ELIGIBLE, state, NOW)
    assert transition is not None
    assert transition.kind is TransitionKind.UNLOCK
    assert transition.previous == state
    assert transition.state.expires_at == NOW + timedelta(hours=168)


def test_expire_if_due_leaves_other_statuses_alone():
    for status in (RewardStatus.LOCKED, RewardStatus.CLAIMED, RewardStatus.EXPIRED):
        state = RewardState(status, NOW - timedelta(days=9), NOW - timedelta(days=2))
        assert expire_if_due(state, NOW) == state


@pytest.mark.parametrize(
    ("state", "at", "outcome"),
    [
        (LOCKED, NOW, ClaimOutcome.LOCKED),
        (unlocked_state(), NOW, ClaimOutcome.ALLOWED),
        (unlocked_state(), NOW + timedelta(hours=168) - timedelta(milliseconds=1), ClaimOutcome.ALLOWED),
        (unlocked_state(), NOW + timedelta(hours=168), ClaimOutcome.EXPIRED),
        (RewardState(RewardStatus.EXPIRED), NOW, ClaimOutcome.EXPIRED),
        (claimed(unlocked_state(), NOW), NOW, ClaimOutcome.ALREADY_CLAIMED),
    ],
)
def test_claim_outcome_for_every_status_and_the_expiry_edge(state, at, outcome):
    assert claim_outcome(state, at) is outcome


def test_claim_counts_and_timestamps():
    after = claimed(unlocked_state(claims=2), NOW)
    assert (after.status, after.claimed_at, after.claim_count) == (RewardStatus.CLAIMED, NOW, 3)


def claimed_after_unlock_at(facts: Standing, reward: RewardRules) -> RewardState:
    """The state after the reward unlocked on `facts` and was then claimed."""
    transition = evaluate(reward, facts, LOCKED, NOW)
    assert transition is not None
    return claimed(transition.state, NOW)


def test_unlock_records_the_facts_its_conditions_read():
    reward = rules(conditions=[*STREAK_7, {"condition_type": "not_vip"}, {"condition_type": "not_claimed_before"}])
    transition = evaluate(reward, standing(current_streak=7, total_points=40), LOCKED, NOW)
    assert transition is not None
    assert transition.state.unlock_inputs == {"current_streak": 7, "is_vip": False}


def test_claimed_repeatable_reward_stays_claimed_while_the_facts_it_reads_stay_the_same():
    reward = rules(conditions=STREAK_7, is_repeatable=True)
    state = claimed_after_unlock_at(ELIGIBLE, reward)
    unrelated_activity = standing(current_streak=7, reactions_count=5, total_points=99)
    assert evaluate(reward, unrelated_activity, state, NOW + timedelta(hours=1)) is None


def test_claimed_repeatable_reward_reopens_when_a_fact_it_reads_moves_on():
    reward = rules(conditions=STREAK_7, is_repeatable=True)
    state = claimed_after_unlock_at(ELIGIBLE, reward)
    transition = evaluate(reward, standing(current_streak=8), state, NOW + timedelta(days=1))
    assert transition is not None
    assert transition.kind is TransitionKind.UNLOCK
    assert transition.state.unlock_inputs == {"current_streak": 8}


def test_repeatable_reward_without_fact_conditions_never_reopens():
    reward = rules(conditions=[], is_repeatable=True)
    state = claimed_after_unlock_at(standing(), reward)
    assert evaluate(reward, standing(level=9, reactions_count=3), state, NOW + timedelta(days=1)) is None


def test_an_unlocked_state_names_its_claim_window():
    state = unlocked_state(window_hours=24)
    assert state.claim_window() == (NOW, NOW + timedelta(hours=24))
    assert state.window_end() == NOW + timedelta(hours=24)


def test_a_state_never_unlocked_has_no_claim_window():
    with pytest.raises(ValueError, match="never unlocked"):
        LOCKED.claim_window()
    with pytest.raises(ValueError, match="never unlocked"):
        LOCKED.window_end()
