"""Reward rarity: computed in the background by one instance, stored, and served from memory by every instance.

A reward's rarity is the share of users with facts who ever unlocked it, and who claimed it at least
once. One aggregation over `user_rewards` and one count of `user_facts` (a fixed number of round trips
whatever the numbers) run at most once per interval across all instances: the instance that wins the
conditional update of the `rarity_refresh` marker computes and stores the figures in `reward_rarity`;
every instance then reloads them into an immutable `RarityBoard`. Requests only read that board, so
none pays for the computation and every instance answers the same.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError
from rewards_contract.enums import RewardStatus

from documents import RARITY_REFRESH_ID, RewardRarity, as_stored
from service.db import collections
from service.db.availability import deadline
from service.engine.rarity import RarityBoard
from service.operations.retries import gave_up, retried

log = logging.getLogger(__name__)

# The counts' deadline: one aggregation over every user's states takes a while on a large database.
COUNTS_BUDGET_SECONDS = 600.0

_NOT_NULL = {"$ne": [{"$ifNull": ["$unlocked_at", None]}, None]}
_NOT_LOCKED = {"$ne": [{"$ifNull": ["$status", str(RewardStatus.LOCKED)]}, str(RewardStatus.LOCKED)]}
_CLAIMED = {"$gt": [{"$ifNull": ["$claim_count", 0]}, 0]}

# Per reward slug: users for whom it ever unlocked (a `user_rewards` document exists only from the first
# unlock on; the status check keeps a document missing `unlocked_at` counted) and users who claimed it.
# Keyed by slug, not reward id: slugs never change, answers are built per slug, and analysts read slugs.
REWARD_USERS_PIPELINE: list[dict[str, Any]] = [
    {
        "$group": {
            "_id": "$reward_slug",
            "unlocked_users": {"$sum": {"$cond": [{"$or": [_NOT_NULL, _NOT_LOCKED]}, 1, 0]}},
            "claimed_users": {"$sum": {"$cond": [_CLAIMED, 1, 0]}},
        }
    },
]


@dataclass(frozen=True)
class RewardUsers:
    """How many users ever unlocked and ever claimed one reward."""

    slug: str
    unlocked_users: int
    claimed_users: int


def share(users: int, users_with_facts: int) -> float:
    """`users` as a share of the users with facts: 0 when there are none, never above 1."""
    if users_with_facts <= 0:
        return 0.0
    return min(1.0, users / users_with_facts)


def rarity_rows(counts: list[RewardUsers], users_with_facts: int, as_of: datetime) -> list[dict[str, Any]]:
    """The `reward_rarity` documents for these counts, from their model."""
    return [
        as_stored(
            RewardRarity(
                id=count.slug,
                unlocked_users=count.unlocked_users,
                claimed_users=count.claimed_users,
                users_with_facts=users_with_facts,
                unlocked_share=share(count.unlocked_users, users_with_facts),
                claimed_share=share(count.claimed_users, users_with_facts),
                as_of=as_of,
            )
        )
        for count in counts
    ]


# --- computing and storing ------------------------------------------------------------------------


async def count_reward_users() -> list[RewardUsers]:
    """One aggregation over every `user_rewards` document: a deliberate full read, in the background only."""
    rows = await collections.aggregate("user_rewards", REWARD_USERS_PIPELINE)
    return [
        RewardUsers(slug=row["_id"], unlocked_users=int(row["unlocked_users"]), claimed_users=int(row["claimed_users"]))
        for row in rows
        if row["_id"] is not None
    ]


async def count_users_with_facts() -> int:
    """How many users ever reported activity (one `user_facts` document each)."""
    return await collections.user_facts().count_documents({})


async def claim_refresh(now: datetime, interval: timedelta) -> bool:
    """Whether this instance won the computation due now; False while another started one within `interval`."""
    try:
        # Matches only when the last computation started at least `interval` ago; otherwise the upsert
        # tries to insert the existing `_id` and fails: exactly one instance per interval wins.
        await collections.rarity_refresh().find_one_and_update(
            {"_id": RARITY_REFRESH_ID, "started_at": {"$lte": now - interval}},
            {"$set": {"started_at": now}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False
    return True


async def compute_rarity(now: datetime) -> int:
    """Count, store one document per reward seen, zero the rest, then mark the figures complete as of `now`.

    Returns how many rewards have figures. Rows this computation did not produce (their rewards lost
    every `user_rewards` document) keep existing with zeros, as any reward nobody has seen.
    """
    with deadline(COUNTS_BUDGET_SECONDS):  # after claim_refresh, or start-up, found the database there
        counts = await count_reward_users()
        users_with_facts = await count_users_with_facts()
    rows = rarity_rows(counts, users_with_facts, now)
    if rows:
        await collections.reward_rarity().bulk_write(
            [UpdateOne({"_id": row["_id"]}, {"$set": row}, upsert=True) for row in rows], ordered=False
        )
    await collections.reward_rarity().update_many(
        {"as_of": {"$lt": now}},
        {
            "$set": {
                "unlocked_users": 0,
                "claimed_users": 0,
                "unlocked_share": 0.0,
                "claimed_share": 0.0,
                "users_with_facts": users_with_facts,
                "as_of": now,
            }
        },
    )
    await _mark_complete(now, users_with_facts)
    return len(rows)


async def _mark_complete(now: datetime, users_with_facts: int) -> None:

    async def attempt() -> None:
        try:
            await collections.rarity_refresh().update_one(
                {"_id": RARITY_REFRESH_ID},
                {"$set": {"as_of": now, "users_with_facts": users_with_facts}, "$max": {"started_at": now}},
                upsert=True,
            )
        except DuplicateKeyError:
            # The marker's first insert raced another instance's: the retry updates that document.
            raise gave_up("Recording the rarity computation") from None

    await retried(attempt)


async def refresh_if_due(now: datetime, interval: timedelta) -> bool:
    """Recompute and store when the figures are `interval` old and this instance wins the marker."""
    if not await claim_refresh(now, interval):
        return False
    await compute_rarity(now)
    return True


# --- loading ---------------------------------------------------------------------------------------


async def stored_as_of() -> datetime | None:
    """When the stored figures were completed; None if never."""
    marker = await collections.rarity_refresh().find_one({"_id": RARITY_REFRESH_ID}, {"as_of": 1})
    return marker.get("as_of") if marker else None


async def load_rarity_board(as_of: datetime | None = None) -> RarityBoard | None:
    """The stored figures as a board (None before the first computation completed).

    Pass the `as_of` just read to skip reading it again.
    """
    as_of = as_of or await stored_as_of()
    if as_of is None:
        return None
    # A deliberate full read: one small document per reward someone unlocked, never per user.
    rows = await collections.reward_rarity().find({}, {"unlocked_share": 1, "claimed_share": 1}).to_list(None)
    shares = {row["_id"]: (float(row["unlocked_share"]), float(row["claimed_share"])) for row in rows}
    return RarityBoard(as_of=as_of, shares=MappingProxyType(shares))


async def start_rarity_board(now: datetime) -> RarityBoard:
    """The board to serve from start-up: the stored one, computed here only if nothing was ever stored.

    Stored figures are served even when due: the refresher recomputes them in the background, so a
    restart never waits for an aggregation over every user's states.
    """
    board = await load_rarity_board()
    if board is None:
        await compute_rarity(now)
        board = await load_rarity_board()
    assert board is not None  # compute_rarity just marked the figures complete
    return board
