"""One reward's funnel for the admin console: its users' stored states, its ledger, and its unlocks per day.

Three aggregations, each led by an equality on the reward's slug so it reads that reward's
documents only (indexes `reward_status` on user_rewards, `reward_kind` on reward_grants,
`reward_type_at` on feed). Stored states keep only a user's latest unlock, so unlocks per day come
from the feed's `reward_unlocked` entries, which exist for the retention period only.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from rewards_contract.enums import GrantKind, RewardStatus
from rewards_contract.feed import FeedEntryType

from service.db import collections

_NO_WINDOW_END = {"$eq": [{"$ifNull": ["$expires_at", None]}, None]}
_HAS_WINDOW_END = {"$gt": [{"$ifNull": ["$expires_at", None]}, None]}


def _count_if(condition: dict[str, Any]) -> dict[str, Any]:
    return {"$sum": {"$cond": [condition, 1, 0]}}


def _states_pipeline(slug: str, now: datetime) -> list[dict[str, Any]]:
    """Per status, applying expiry as a read does: an unlocked window that closed at or before `now` is expired."""
    unlocked = {"$eq": ["$status", str(RewardStatus.UNLOCKED)]}
    closed = {"$and": [_HAS_WINDOW_END, {"$lte": ["$expires_at", now]}]}
    still_open = {"$or": [_NO_WINDOW_END, {"$gt": ["$expires_at", now]}]}
    return [
        {"$match": {"reward_slug": slug}},
        {
            "$group": {
                "_id": None,
                "unlocked_now": _count_if({"$and": [unlocked, still_open]}),
                "claimed": _count_if({"$eq": ["$status", str(RewardStatus.CLAIMED)]}),
                "expired": _count_if(
                    {"$or": [{"$eq": ["$status", str(RewardStatus.EXPIRED)]}, {"$and": [unlocked, closed]}]}
                ),
            }
        },
    ]


def _ledger_pipeline(slug: str) -> list[dict[str, Any]]:
    """Grants and reversals (one reversal per revoked grant: its id is derived from the grant's)."""
    return [
        {"$match": {"reward_slug": slug}},
        {
            "$group": {
                "_id": None,
                "reversals": _count_if({"$eq": ["$kind", str(GrantKind.REVERSAL)]}),
                "records": {"$sum": 1},
            }
        },
    ]


def _unlocks_pipeline(slug: str, since: datetime) -> list[dict[str, Any]]:
    return [
        {"$match": {"reward_slug": slug, "type": str(FeedEntryType.REWARD_UNLOCKED), "at": {"$gte": since}}},
        {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$at"}}, "unlocks": {"$sum": 1}}},
    ]


@dataclass(frozen=True)
class RewardFunnel:
    """Users whose stored state of the reward is each status now; grants in the ledger; unlocks per UTC day."""

    unlocked_now: int
    claimed: int
    expired: int
    granted: int
    revoked: int
    unlocks_per_day: list[tuple[date, int]]


def days_back(today: date, days: int, counted: dict[str, int]) -> list[tuple[date, int]]:
    """The last `days` UTC days up to today, oldest first, with the count of each (0 when none)."""
    span = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
    return [(day, counted.get(day.isoformat(), 0)) for day in span]


async def _one(collection: Any, pipeline: list[dict[str, Any]]) -> dict[str, Any]:
    rows = await collection.aggregate(pipeline).to_list(None)
    return rows[0] if rows else {}


async def reward_funnel(slug: str, now: datetime, days: int) -> RewardFunnel:
    """The funnel of one reward: three aggregations, one per collection, each on one reward's documents."""
    states = await _one(collections.user_rewards(), _states_pipeline(slug, now))
    ledger = await _one(collections.grants(), _ledger_pipeline(slug))
    first_day = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    per_day = await collections.feed().aggregate(_unlocks_pipeline(slug, first_day)).to_list(None)
    reversals = ledger.get("reversals", 0)
    return RewardFunnel(
        unlocked_now=states.get("unlocked_now", 0),
        claimed=states.get("claimed", 0),
        expired=states.get("expired", 0),
        granted=ledger.get("records", 0) - reversals,
        revoked=reversals,
        unlocks_per_day=days_back(now.date(), days, {row["_id"]: row["unlocks"] for row in per_day}),
    )
