"""A user's rewards as the list shows them (pure): each active reward's status and progress, hints, what expired.

Built from the catalogue, the user's stored states and standing, and `now`; the list's use case
(`service/usecases/user_rewards.py`) reads those, stores the expiries found, and answers.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from rewards_contract.enums import Availability, RewardStatus

from service.engine.catalogue import ActiveReward, ActiveRewards
from service.engine.conditions import ConditionProgress, groups_hold, progress
from service.engine.standing import Standing
from service.engine.tiers import collapsed
from service.engine.transitions import RewardState, availability, expire_if_due, is_overdue

# A user's stored states, by reward id.
States = Mapping[Any, Mapping[str, Any]]


class UserRewardStatus(NamedTuple):
    """One reward as one user sees it (a named tuple: a list builds one per active reward)."""

    reward: ActiveReward
    state: RewardState
    progress: list[ConditionProgress]
    last_claimed_at: datetime | None
    availability: Availability
    # A limited edition's slots left (None: not limited).
    remaining: int | None = None


class Hint(NamedTuple):
    """A locked secret reward's hint, and how many of its conditions the user meets."""

    reward: ActiveReward
    met: int
    total: int


class Overdue(NamedTuple):
    """An unlocked reward whose claim window closed before anyone stored it as expired: the list stores it."""

    doc_id: Any
    slug: str
    state: RewardState


@dataclass(frozen=True)
class UserRewards:
    """What a user's rewards list answers: the rewards shown, hints of the locked secret ones, and what expired."""

    rewards: list[UserRewardStatus]
    hints: list[Hint]
    overdue: list[Overdue]


def user_rewards(
    catalog: ActiveRewards,
    states: States,
    standing: Standing,
    now: datetime,
    *,
    include_secret: bool,
    remaining: Mapping[str, int | None],
    collapse_tiers: bool = False,
) -> UserRewards:
    """Every active reward for the user in display order; locked secret ones only if asked (else their hints).

    Seasonal rewards are listed whatever their availability (the bot announces upcoming events).
    An unlocked reward past its window is shown expired, and listed in `overdue` to be stored so.
    """
    overdue: list[Overdue] = []
    shown: list[UserRewardStatus] = []
    hints: list[Hint] = []
    for reward in catalog.entries:
        stored = states.get(reward.id)
        state = RewardState.from_mapping(stored)
        if stored is not None and is_overdue(state, now):
            overdue.append(Overdue(stored["_id"], reward.slug, state))
            state = expire_if_due(state, now)
        reward_progress = progress(reward.rules.conditions, standing, state.claim_count, state.window_marks)
        if reward.is_secret and state.status is RewardStatus.LOCKED and not include_secret:
            if reward.texts.default_hint is not None or any(reward.texts.hints.values()):
                hints.append(Hint(reward, sum(p.met for p in reward_progress), len(reward_progress)))
            continue
        last_claimed = stored.get("last_claimed_at") if stored else None
        shown.append(
            UserRewardStatus(
                reward,
                state,
                reward_progress,
                last_claimed,
                availability(reward.rules, now),
                remaining.get(reward.slug),
            )
        )
    if collapse_tiers:
        shown = collapsed(shown, lambda s: s.reward.series, lambda s: s.reward.tier, lambda s: s.state.claim_count > 0)
    return UserRewards(shown, hints, overdue)


def chain_left_unfinished(catalog: ActiveRewards, standing: Standing, states: States, now: datetime) -> bool:
    """A reward that needs another claimed first, whose conditions all hold, still locked: a claim's last step
    (unlocking what depends on it) was cut short. Never true otherwise: the claim unlocks them itself."""
    for reward in catalog.entries:
        if not reward.prerequisites or reward.rules.sold_out:
            continue
        if reward.id in states or availability(reward.rules, now) is not Availability.OPEN:
            continue
        if groups_hold(progress(reward.rules.conditions, standing, 0)):
            return True
    return False
