"""A user's rewards with status and progress, applying expiry on read."""

import asyncio
from datetime import datetime
from typing import NamedTuple

from pymongo import UpdateOne
from rewards_contract.enums import Availability, RewardStatus
from rewards_contract.facts import Facts

from documents import FACTS_PROJECTION
from service.db import collections
from service.engine.conditions import ConditionProgress, progress
from service.engine.feed_entries import expired_entry
from service.engine.transitions import (
    RewardState,
    availability,
    expire_if_due,
    is_overdue,
)
from service.operations.catalog import ActiveReward, ActiveRewards
from service.operations.evaluation import STATE_PROJECTION, read_states

_LIST_PROJECTION = {**STATE_PROJECTION, "last_claimed_at": 1}


class UserRewardStatus(NamedTuple):
    """One reward as one user sees it (a named tuple: a list builds one per active reward)."""

    reward: ActiveReward
    state: RewardState
    progress: list[ConditionProgress]
    last_claimed_at: datetime | None
    availability: Availability


async def read_facts(user_id: int) -> Facts:
    """The user's facts; a user never seen has a new user's facts."""
    stored = await collections.user_facts().find_one({"user_id": user_id}, FACTS_PROJECTION)
    return Facts.from_mapping(stored)


async def user_rewards_storing_expiry(
    user_id: int, catalog: ActiveRewards, include_secret: bool, now: datetime
) -> list[UserRewardStatus]:
    """Every active reward for the user in display order; locked secret ones only if asked.

    Seasonal rewards are listed whatever their availability (the bot announces upcoming events).

    Two reads (facts and states, issued together) plus, only when some unlocked reward is past
    its window, one bulk write that stores the expiry.
    """
    collection = collections.user_rewards()

    facts, stored_states = await asyncio.gather(read_facts(user_id), read_states(user_id, _LIST_PROJECTION))
    overdue: list[UpdateOne] = []
    result: list[UserRewardStatus] = []
    for reward in catalog.entries:
        stored = stored_states.get(reward.id)
        state = RewardState.from_mapping(stored)
        if stored is not None and is_overdue(state, now):
            overdue.append(
                UpdateOne(
                    {"_id": stored["_id"], "status": str(RewardStatus.UNLOCKED), "expires_at": state.expires_at},
                    {
                        "$set": {"status": str(RewardStatus.EXPIRED), "updated_at": now},
                        "$push": {"feed_outbox": expired_entry(user_id, reward.slug, state.unlocked_at, state.expires_at)},
                    },
                )
            )
            state = expire_if_due(state, now)
        if reward.is_secret and state.status is RewardStatus.LOCKED and not include_secret:
            continue
        last_claimed = stored.get("last_claimed_at") if stored else None
        result.append(
            UserRewardStatus(
                reward,
                state,
                progress(reward.rules.conditions, facts, state.claim_count),
                last_claimed,
                availability(reward.rules, now),
            )
        )
    if overdue:
        await collection.bulk_write(overdue, ordered=False)
    return result
