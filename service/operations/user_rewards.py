"""A user's rewards with status and progress, applying expiry on read (and finishing a chain a crash left)."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from rewards_contract.enums import Availability, RewardStatus

from documents import FACTS_PROJECTION
from service.db import collections
from service.engine.catalogue import ActiveRewards
from service.engine.conditions import groups_hold, progress
from service.engine.standing import Standing
from service.engine.tiers import collapsed
from service.engine.transitions import (
    RewardState,
    availability,
    expire_if_due,
    is_overdue,
)
from service.engine.views import Hint, UserRewardStatus
from service.operations.editions import slots_left
from service.operations.evaluation import STATE_PROJECTION, States, evaluate_user, read_states, standing_of
from service.operations.expiry import expiry_write

_LIST_PROJECTION = {**STATE_PROJECTION, "last_claimed_at": 1}


@dataclass(frozen=True)
class UserRewards:
    """What a user's rewards list answers: the rewards shown, and hints of the locked secret ones."""

    rewards: list[UserRewardStatus]
    hints: list[Hint]


async def read_facts(user_id: int) -> dict[str, Any] | None:
    """The user's facts document (None: a user never seen, with a new user's facts)."""
    return await collections.user_facts().find_one({"user_id": user_id}, FACTS_PROJECTION)


async def remaining_slots(catalog: ActiveRewards) -> dict[str, int | None]:
    """Each active limited edition's slots left (one read, only when the catalogue has one)."""
    return await slots_left({reward.slug: reward.max_claims for reward in catalog.capped})


async def user_rewards_storing_expiry(
    user_id: int, catalog: ActiveRewards, include_secret: bool, now: datetime, collapse_tiers: bool = False
) -> UserRewards:
    """Every active reward for the user in display order; locked secret ones only if asked (else their hints).

    Seasonal rewards are listed whatever their availability (the bot announces upcoming events).

    Two reads (facts and states, issued together; a third for the slots left when limited editions
    are active) plus, only when some unlocked reward is past its window, one bulk write that stores
    the expiry, and only when a crash left a chain unfinished, the evaluation that finishes it.
    """
    facts, states, remaining = await asyncio.gather(
        read_facts(user_id), read_states(user_id, _LIST_PROJECTION), remaining_slots(catalog)
    )
    standing = standing_of(facts, states, now)
    if _chain_left_unfinished(catalog, standing, states, now):
        marker = f"list:{uuid.uuid4().hex}"
        await evaluate_user(user_id, facts, [r for r in catalog.entries if r.prerequisites], marker, now, states)
        states = await read_states(user_id, _LIST_PROJECTION)
    overdue: list[UpdateOne] = []
    shown: list[UserRewardStatus] = []
    hints: list[Hint] = []
    for reward in catalog.entries:
        stored = states.get(reward.id)
        state = RewardState.from_mapping(stored)
        if stored is not None and is_overdue(state, now):
            overdue.append(expiry_write(stored["_id"], user_id, reward.slug, state, now))
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
    if overdue:
        await collections.user_rewards().bulk_write(overdue, ordered=False)
    if collapse_tiers:
        shown = collapsed(shown, lambda s: s.reward.series, lambda s: s.reward.tier, lambda s: s.state.claim_count > 0)
    return UserRewards(shown, hints)


def _chain_left_unfinished(catalog: ActiveRewards, standing: Standing, states: States, now: datetime) -> bool:
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
