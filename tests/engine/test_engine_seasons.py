"""Seasonal rewards: availability as a pure function of the season and `now`, and what it stops."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from rewards_contract.enums import Availability, RewardStatus

from service.engine.transitions import (
    LOCKED,
    ClaimOutcome,
    RewardRules,
    RewardState,
    TransitionKind,
    availability,
    claim_outcome,
    evaluate,
)
from tests.support.factories import definition, standing

OPENS = datetime(2026, 12, 1, tzinfo=UTC)
ENDS = datetime(2026, 12, 25, tzinfo=UTC)
MS = timedelta(milliseconds=1)
STREAK_7 = [{"condition_type": "streak_length", "value": 7}]
ELIGIBLE = standing(current_streak=7)


def season(**overrides: object) -> RewardRules:
    return RewardRules.of(definition(conditions=STREAK_7, available_from=OPENS, available_until=ENDS, **overrides))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (OPENS - MS, Availability.UPCOMING),
        (OPENS, Availability.OPEN),  # available_from is inclusive
        (ENDS - MS, Availability.OPEN),
        (ENDS, Availability.ENDED),  # available_until is exclusive
        (ENDS + timedelta(days=365), Availability.ENDED),
    ],
)
def test_availability_at_the_edges_of_the_season(now, expected):
    assert availability(season(), now) is expected


@pytest.mark.parametrize(
    ("bounds", "now", "expected"),
    [
        ({}, datetime(1970, 1, 1, tzinfo=UTC), Availability.OPEN),
        ({"available_from": OPENS}, ENDS + timedelta(days=999), Availability.OPEN),
        ({"available_from": OPENS}, OPENS - MS, Availability.UPCOMING),
        ({"available_until": ENDS}, datetime(1970, 1, 1, tzinfo=UTC), Availability.OPEN),
        ({"available_until": ENDS}, ENDS, Availability.ENDED),
    ],
)
def test_a_missing_bound_does_not_limit_the_season(bounds, now, expected):
    assert availability(RewardRules.of(definition(**bounds)), now) is expected


@pytest.mark.parametrize(
    ("now", "unlocks"),
    [(OPENS - MS, False), (OPENS, True), (ENDS - MS, True), (ENDS, False)],
)
def test_a_locked_reward_unlocks_only_inside_its_season(now, unlocks):
    transition = evaluate(season(), ELIGIBLE, LOCKED, now)
    assert (transition is not None and transition.kind is TransitionKind.UNLOCK) is unlocks


def test_a_repeatable_reward_does_not_reopen_after_the_season_ended():
    reward = season(is_repeatable=True)
    unlock = evaluate(reward, ELIGIBLE, LOCKED, ENDS - timedelta(days=1))
    assert unlock is not None
    claimed = replace(unlock.state, status=RewardStatus.CLAIMED, claimed_at=ENDS - MS, claim_count=1)
    assert evaluate(reward, standing(current_streak=8), claimed, ENDS) is None


def test_a_reward_unlocked_in_season_keeps_its_claim_window_after_the_season():
    unlock = evaluate(season(claim_window_hours=168), ELIGIBLE, LOCKED, ENDS - timedelta(hours=1))
    assert unlock is not None
    after_season = ENDS + timedelta(hours=1)
    assert evaluate(season(), ELIGIBLE, unlock.state, after_season) is None
    assert unlock.state.expires_at == ENDS + timedelta(hours=167)
    assert claim_outcome(unlock.state, after_season) is ClaimOutcome.ALLOWED


def test_an_unlocked_reward_still_expires_after_the_season():
    state = RewardState(RewardStatus.UNLOCKED, ENDS - timedelta(hours=2), ENDS + timedelta(hours=1))
    transition = evaluate(season(), ELIGIBLE, state, ENDS + timedelta(hours=1))
    assert transition is not None
    assert transition.kind is TransitionKind.EXPIRE


@pytest.mark.parametrize("until", [OPENS, OPENS - MS])
def test_a_season_must_end_after_it_starts(until):
    with pytest.raises(ValidationError, match="must be later than available_from"):
        definition(available_from=OPENS, available_until=until)


# The naive datetime is the refusal under test.
@pytest.mark.parametrize("value", ["2026-12-01T00:00:00", datetime(2026, 12, 1)])  # noqa: DTZ001
def test_a_season_bound_without_a_time_zone_is_refused(value):
    with pytest.raises(ValidationError, match="must include its UTC offset"):
        definition(available_from=value)


@pytest.mark.parametrize("value", [1764547200, "1764547200", "tomorrow"])
def test_a_season_bound_must_be_a_date_time_not_a_number(value):
    with pytest.raises(ValidationError, match="must be a date-time"):
        definition(available_until=value)


def test_a_season_bound_in_another_offset_is_held_in_utc_at_millisecond_precision():
    reward = definition(available_from="2026-12-01T02:00:00.123456+02:00")
    assert reward.available_from == datetime(2026, 12, 1, 0, 0, 0, 123000, tzinfo=UTC)


def test_availability_has_display_names_like_the_other_enums():
    assert [str(a) for a in Availability] == ["upcoming", "open", "ended"]
    assert all(a.display_name and a.emoji for a in Availability)
