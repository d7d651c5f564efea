"""The reward state machine for one (user, reward) pair, as pure functions of the reward, facts, state and `now`.

LOCKED -> UNLOCKED -> CLAIMED or EXPIRED, and back to UNLOCKED for a repeatable reward: the one
description of every transition and its conditions is docs/rules.md, "The reward state machine".
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from rewards_contract.enums import Availability, RewardConditionType, RewardStatus
from rewards_contract.rewards import RewardDefinition

from service.engine.conditions import (
    Condition,
    condition_inputs,
    is_eligible,
    misses_a_threshold,
    ordered,
    required_thresholds,
    windowed_names,
)
from service.engine.standing import Mark, Standing


@dataclass(frozen=True)
class RewardState:
    """The part of a UserReward the state machine reads and writes."""

    status: RewardStatus = RewardStatus.LOCKED
    unlocked_at: datetime | None = None
    expires_at: datetime | None = None
    claimed_at: datetime | None = None
    claim_count: int = 0
    # The facts the conditions read at the latest unlock (None: stored before this was recorded).
    unlock_inputs: Mapping[str, int | bool] | None = None
    # What each windowed counter had counted on the day of the latest claim: only later events count again.
    window_marks: Mapping[str, Mark] | None = None

    @classmethod
    def from_mapping(cls, stored: Mapping[str, Any] | None) -> "RewardState":
        """From a stored UserReward document, as the driver reads it; None means locked."""
        if stored is None:
            return LOCKED
        return cls(
            status=RewardStatus(stored.get("status", RewardStatus.LOCKED)),
            unlocked_at=stored.get("unlocked_at"),
            expires_at=stored.get("expires_at"),
            claimed_at=stored.get("claimed_at"),
            claim_count=stored.get("claim_count", 0),
            unlock_inputs=stored.get("unlock_inputs"),
            window_marks=stored.get("window_marks"),
        )

    def claim_window(self) -> tuple[datetime, datetime]:
        """When the latest unlock opened its claim window, and when the window closes (every unlock sets both)."""
        if self.unlocked_at is None:
            raise ValueError(f"a {self.status} reward that was never unlocked has no claim window")
        return self.unlocked_at, self.window_end()

    def window_end(self) -> datetime:
        """When the latest unlock's claim window closes: what names an expiry (every unlock sets it)."""
        if self.expires_at is None:
            raise ValueError(f"a {self.status} reward that was never unlocked has no claim window")
        return self.expires_at


LOCKED = RewardState()


@dataclass(frozen=True, slots=True)
class RewardRules:
    """What the state machine reads of a reward, as plain values.

    Built once per catalogue load: every event evaluates every active reward, and reading the
    same fields from the stored Beanie document costs a lazy-parsing attribute lookup each time.
    """

    is_active: bool
    is_repeatable: bool
    claim_window_hours: int
    conditions: tuple[Condition, ...]  # in display order (`ordered`), as every view lists them
    available_from: datetime | None = None
    available_until: datetime | None = None
    # A limited edition whose every slot is taken: it unlocks for nobody any more.
    sold_out: bool = False
    # The conditions' required thresholds (`required_thresholds`), read by every evaluation.
    thresholds: tuple[tuple[str, int], ...] = field(init=False, repr=False, compare=False)
    # What the conditions count over a window: marked at each claim of a repeatable reward.
    windowed: tuple[str, ...] = field(init=False, repr=False, compare=False)
    # Given by a leaderboard's closing only (its one condition is `awarded`): no evaluation unlocks it.
    awarded: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", required_thresholds(self.conditions))
        object.__setattr__(self, "windowed", windowed_names(self.conditions))
        awarded = any(c.condition_type is RewardConditionType.AWARDED for c in self.conditions)
        object.__setattr__(self, "awarded", awarded)

    @classmethod
    def of(cls, reward: RewardDefinition, sold_out: bool = False) -> "RewardRules":
        return cls(
            reward.is_active,
            reward.is_repeatable,
            reward.claim_window_hours,
            ordered(reward.conditions),
            reward.available_from,
            reward.available_until,
            sold_out,
        )


def availability(reward: RewardRules, now: datetime) -> Availability:
    """Where `now` falls in the reward's season."""
    return season_availability(reward.available_from, reward.available_until, now)


def season_availability(
    available_from: datetime | None, available_until: datetime | None, now: datetime
) -> Availability:
    """Where `now` falls in a season: `available_from` is inclusive, `available_until` exclusive."""
    if available_from is not None and now < available_from:
        return Availability.UPCOMING
    if available_until is not None and now >= available_until:
        return Availability.ENDED
    return Availability.OPEN


class TransitionKind(StrEnum):
    UNLOCK = "unlock"
    EXPIRE = "expire"


@dataclass(frozen=True)
class Transition:
    """A change to store: `previous` is what the guarded write must still find."""

    kind: TransitionKind
    previous: RewardState
    state: RewardState


class ClaimOutcome(StrEnum):
    """Why a claim can or cannot go through; a refused claim raises the contract's error of that code."""

    ALLOWED = "allowed"
    LOCKED = "reward_locked"
    ALREADY_CLAIMED = "already_claimed"
    EXPIRED = "claim_expired"


def is_overdue(state: RewardState, now: datetime) -> bool:
    """An unlocked reward whose claim window has closed (exactly at expires_at counts as closed)."""
    return state.status is RewardStatus.UNLOCKED and state.expires_at is not None and now >= state.expires_at


def expire_if_due(state: RewardState, now: datetime) -> RewardState:
    """Apply expiry only: what reads and the sweeper do."""
    return replace(state, status=RewardStatus.EXPIRED) if is_overdue(state, now) else state


def can_unlock(reward: RewardRules, standing: Standing, state: RewardState) -> bool:
    """Locked rewards unlock when eligible; claimed or expired ones only if repeatable and moved on.

    "Moved on": a fact the conditions read changed since the last unlock. Without that, any event
    (or a facts update repeating the same values) would reopen a reward whose conditions simply
    stay true, and the user could claim it again and again.
    """
    if not reward.is_active or reward.sold_out:
        return False
    marks = state.window_marks
    if state.status is RewardStatus.LOCKED:
        reopenable = True
    elif state.status in (RewardStatus.CLAIMED, RewardStatus.EXPIRED):
        reopenable = reward.is_repeatable and (
            state.unlock_inputs is None
            or dict(state.unlock_inputs) != condition_inputs(reward.conditions, standing, marks)
        )
    else:
        reopenable = False
    return reopenable and is_eligible(reward.conditions, standing, state.claim_count, marks)


def unlocked(reward: RewardRules, standing: Standing, state: RewardState, now: datetime) -> RewardState:
    """The state after an unlock at `now`: a fresh claim window, and the facts it unlocked on."""
    return replace(
        state,
        status=RewardStatus.UNLOCKED,
        unlocked_at=now,
        expires_at=now + timedelta(hours=reward.claim_window_hours),
        unlock_inputs=condition_inputs(reward.conditions, standing, state.window_marks),
    )


def out_of_reach(reward: RewardRules, standing: Standing) -> bool:
    """A required threshold is not reached, or only a closing gives it: a locked reward stays locked."""
    return reward.awarded or misses_a_threshold(reward.thresholds, standing)


def evaluate(reward: RewardRules, standing: Standing, state: RewardState, now: datetime) -> Transition | None:
    """The one transition an evaluation at `now` makes, or None when nothing changes."""
    current = expire_if_due(state, now)
    if availability(reward, now) is Availability.OPEN and can_unlock(reward, standing, current):
        return Transition(TransitionKind.UNLOCK, state, unlocked(reward, standing, current, now))
    if current is not state:  # expire_if_due answers the state itself when nothing is due
        return Transition(TransitionKind.EXPIRE, state, current)
    return None


def claim_outcome(state: RewardState, now: datetime) -> ClaimOutcome:
    """Whether a claim at `now` goes through, and if not, why."""
    if state.status is RewardStatus.UNLOCKED:
        return ClaimOutcome.EXPIRED if is_overdue(state, now) else ClaimOutcome.ALLOWED
    if state.status is RewardStatus.CLAIMED:
        return ClaimOutcome.ALREADY_CLAIMED
    if state.status is RewardStatus.EXPIRED:
        return ClaimOutcome.EXPIRED
    return ClaimOutcome.LOCKED
