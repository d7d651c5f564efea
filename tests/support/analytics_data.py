"""A small, varied rewards history for the analytics tests: the shipped catalogue plus users' states and grants.

The shipped catalogue declares the counters (`messages_sent`, `reputation`), the limited edition
(`founders-badge`), the weekly board (`weekly-points`) and the goal (`million-points`) the
analytics queries read; users get values of every declared counter, and each edition's slots are
taken for its grants as claims take them. Users score in the board's last two weeks (ties and a
removal among them) and contribute to the goal and to another, whose totals their shards hold.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rewards_catalog import SHIPPED_CATALOG
from rewards_contract.enums import CounterKind, RewardStatus

from documents import (
    BoardScore,
    GoalContribution,
    GoalShard,
    RewardGrant,
    UserFacts,
    UserReward,
    as_stored,
    grant_id_for,
)
from service.analytics.queries import CONTRIBUTIONS_GOAL, STANDINGS_BOARD, STANDINGS_RUN
from service.db import collections
from service.engine.goals import shard_id
from service.operations.edition_slots import holder, take_slot
from service.operations.rarity import compute_rarity
from service.usecases.seeding import seed_catalog

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class History:
    """Exactly what was inserted, so tests can compute the expected answers directly in Python."""

    rewards: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_rewards: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, dict[str, Any]] = field(default_factory=dict)
    goals: dict[str, dict[str, Any]] = field(default_factory=dict)
    board_scores: list[dict[str, Any]] = field(default_factory=list)
    contributions: list[dict[str, Any]] = field(default_factory=list)
    goal_shards: list[dict[str, Any]] = field(default_factory=list)


def _grant(state: dict[str, Any], reward: dict[str, Any], number: int, claimed_at: datetime, delivered: bool) -> dict:
    return as_stored(
        RewardGrant(
            grant_id=grant_id_for(state["user_id"], str(reward["_id"]), number),
            user_id=state["user_id"],
            reward_id=reward["_id"],
            reward_slug=reward["slug"],
            reward_type=reward["reward_type"],
            reward_value=reward["reward_value"],
            claim_number=number,
            claimed_at=claimed_at,
            delivered_at=claimed_at + timedelta(minutes=2) if delivered else None,
            created_at=claimed_at,
        )
    )


def _state(rng: random.Random, user_id: int, reward: dict[str, Any], history: History) -> None:
    """One user's state for one reward, with a grant per claim."""
    unlocked_at = NOW - timedelta(days=rng.randint(1, 70), hours=rng.randint(0, 23))
    status = rng.choice([RewardStatus.UNLOCKED, RewardStatus.CLAIMED, RewardStatus.CLAIMED, RewardStatus.EXPIRED])
    claims = rng.randint(1, 3) if reward["is_repeatable"] and status is RewardStatus.CLAIMED else 0
    claims = claims or (1 if status is RewardStatus.CLAIMED else 0)
    claimed_at = unlocked_at + timedelta(hours=rng.randint(1, 40)) if claims else None
    state = as_stored(
        UserReward(
            user_id=user_id,
            reward_id=reward["_id"],
            reward_slug=reward["slug"],
            status=status,
            unlocked_at=unlocked_at,
            claimed_at=claimed_at,
            expires_at=unlocked_at + timedelta(hours=reward["claim_window_hours"]),
            claim_count=claims,
            last_claimed_at=claimed_at,
            created_at=unlocked_at,
            updated_at=claimed_at or unlocked_at,
        )
    )
    history.user_rewards.append(state)
    if claimed_at is None:  # never claimed: no grants
        return
    for number in range(1, claims + 1):
        # Earlier claims of a repeatable reward lie a week apart before the latest one.
        at = claimed_at - timedelta(days=7 * (claims - number))
        history.grants.append(_grant(state, reward, number, at, delivered=rng.random() < 0.7))


async def insert_history(seed: int = 5, users: int = 30) -> History:
    """Seed the shipped catalogue, then insert a random but reproducible history for `users` users."""
    rng = random.Random(seed)
    history = History()
    await seed_catalog([SHIPPED_CATALOG], NOW - timedelta(days=90))
    async for reward in collections.rewards().find({}):
        history.rewards[reward["slug"]] = reward
    async for counter in collections.counters().find({}):
        history.counters[counter["name"]] = counter
    async for goal in collections.goals().find({}):
        history.goals[goal["slug"]] = goal
    slugs = sorted(history.rewards)
    for user_id in range(1, users + 1):
        for slug in rng.sample(slugs, rng.randint(1, 6)):
            _state(rng, user_id, history.rewards[slug], history)
        history.facts.append(
            as_stored(
                UserFacts(
                    user_id=user_id,
                    current_streak=rng.randint(0, 9),
                    total_points=rng.randint(0, 6000),
                    level=rng.randint(1, 12),
                    is_vip=rng.random() < 0.3,
                    counters=_counter_values(rng, history.counters),
                )
            )
        )
    # One grant claimed just now: pending, but not yet overdue.
    latest = history.user_rewards[0]
    history.grants.append(_grant(latest, history.rewards[latest["reward_slug"]], 99, NOW - timedelta(minutes=5), False))
    await collections.user_rewards().insert_many([dict(d) for d in history.user_rewards])
    await collections.grants().insert_many([dict(d) for d in history.grants])
    await collections.user_facts().insert_many([dict(d) for d in history.facts])
    await _take_edition_slots(history)
    await _insert_board_scores(rng, users, history)
    await _insert_contributions(rng, users, history)
    await compute_rarity(NOW)  # what the service's background refresh stores
    return history


# The week of STANDINGS_RUN, and the week before it, of the board the queries read.
RUNS = {"2025-W09": datetime(2025, 2, 24, tzinfo=UTC), STANDINGS_RUN: datetime(2025, 3, 3, tzinfo=UTC)}


async def _insert_board_scores(rng: random.Random, users: int, history: History) -> None:
    """Scores of two runs of the board: ties on the score, one tie on the score and its moment, one user removed."""
    for run, starts_at in RUNS.items():
        for user_id in sorted(rng.sample(range(1, users + 1), users // 2)):
            score = BoardScore(
                board=STANDINGS_BOARD,
                run=run,
                user_id=user_id,
                score=rng.randint(1, 8) * 50,
                reached_at=starts_at + timedelta(hours=rng.randint(0, 167)),
                expires_at=None,  # kept: on a server's own clock, the TTL index would delete a run this old
            )
            history.board_scores.append(as_stored(score))
    scored = [score for score in history.board_scores if score["run"] == STANDINGS_RUN]
    # The last two users of the run reached the first's score at the same moment: the user id decides.
    for tied in scored[-2:]:
        tied.update(score=scored[0]["score"], reached_at=scored[0]["reached_at"])
    scored[1].update(removed=True, removed_reason="cheating", removed_at=NOW - timedelta(days=1))
    await collections.board_scores().insert_many([dict(d) for d in history.board_scores])


async def _insert_contributions(rng: random.Random, users: int, history: History) -> None:
    """What users added to the shipped goal and to another, and the shards that hold each goal's total."""
    for goal in (CONTRIBUTIONS_GOAL, "another-goal"):
        shards = history.goals.get(goal, {}).get("shards", 1)
        totals, contributors = [0] * shards, [0] * shards
        for user_id in sorted(rng.sample(range(1, users + 1), users // 2)):
            amount = rng.randint(1, 30) * 10  # some below the goal's min_contribution (100)
            shard = rng.randrange(shards)  # where their increments landed (all in one, here)
            totals[shard] += amount
            contributors[shard] += 1
            contribution = GoalContribution(
                goal=goal, user_id=user_id, amount=amount, updated_at=NOW - timedelta(hours=rng.randint(1, 900))
            )
            history.contributions.append(as_stored(contribution))
        history.goal_shards.extend(
            as_stored(GoalShard(id=shard_id(goal, number), goal=goal, total=total, contributors=contributors[number]))
            for number, total in enumerate(totals)
        )
    await collections.goal_contributions().insert_many([dict(d) for d in history.contributions])
    await collections.goal_shards().insert_many([dict(d) for d in history.goal_shards])


def _counter_values(rng: random.Random, counters: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Values of the declared counters for one user: some never moved (absent), ties likely among the rest."""
    values = {}
    for name, counter in sorted(counters.items()):
        if rng.random() < 0.2:
            continue
        values[name] = rng.randint(0, 60) * 50 if counter["kind"] == CounterKind.COUNT else rng.randint(0, 20)
    return values


async def _take_edition_slots(history: History) -> None:
    """Each grant of a limited edition holds a slot of it, taken as the claim took it, oldest claim first."""
    capped = {slug for slug, reward in history.rewards.items() if reward.get("max_claims") is not None}
    for grant in sorted(history.grants, key=lambda g: g["claimed_at"]):
        if grant["reward_slug"] in capped:
            await take_slot(grant["reward_slug"], holder(grant["user_id"], grant["claim_number"]), grant["claimed_at"])
