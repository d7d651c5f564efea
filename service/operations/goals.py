"""Community goals in the database: the goals, their shard totals, the contributions, and the goal relay's writes.

An event leaves what it added to each goal in the user's facts document (`goal_outbox`), in its
one atomic update. The relay adds each entry to one shard of its goal with a guarded update that
also remembers the entry's id there (`applied`), copies the user's contribution with `$max`, then
takes the entries out of the outbox. A relay that dies between those writes repeats them: the
guard skips what was added, `$max` changes nothing, so the total stays exact.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from rewards_contract.errors import GoalNotFound, GoalTaken
from rewards_contract.goals import GoalDefinition

from documents import CommunityGoal, DocumentId, as_stored
from service.db import collections
from service.db.collections import Upsert
from service.engine.feed_entries import goal_reached_entry
from service.engine.goal_admission import check_goal_room
from service.engine.goals import shard_id

# The latest entry ids each shard remembers. A relay pass handles at most RELAY_BATCH documents,
# and repeats an interrupted pass's entries on its next pass, long before this many more arrive.
APPLIED_KEPT = 5000
RELAY_BATCH = 200
# Facts documents with increments waiting, as a range on the `goal_outbox_at` index.
HAS_GOAL_OUTBOX = {"goal_outbox.at": {"$gte": datetime(1970, 1, 1, tzinfo=UTC)}}


# --- the goals ---


async def insert_goal(definition: GoalDefinition, shards: int, now: datetime) -> CommunityGoal:
    """Insert a goal, whole, from its model, spread over `shards`; GoalTaken when the slug is taken. At most MAX_GOALS."""
    check_goal_room(await collections.goals().count_documents({}))
    goal = CommunityGoal(id=DocumentId(), **definition.model_dump(), shards=shards, created_at=now, updated_at=now)
    if not await collections.insert_with_own_id(collections.goals(), as_stored(goal)):
        raise GoalTaken(f"A goal with slug {definition.slug!r} is already declared.")
    return goal


async def list_goals() -> list[CommunityGoal]:
    return [CommunityGoal.model_validate(doc) async for doc in collections.goals().find({}).sort([("slug", 1)])]


async def stored_goals() -> list[dict[str, Any]]:
    """Every goal's definition fields, as stored (seeding compares the files with them)."""
    return await collections.goals().find({}, dict.fromkeys(GoalDefinition.model_fields, 1)).to_list(None)


async def get_goal(slug: str) -> CommunityGoal:
    found = await collections.goals().find_one({"slug": slug})
    if found is None:
        raise GoalNotFound(f"No goal with slug {slug!r}.")
    return CommunityGoal.model_validate(found)


async def patch_goal(slug: str, fields: dict[str, Any], now: datetime) -> CommunityGoal:
    found = await collections.goals().find_one_and_update(
        {"slug": slug}, {"$set": {**fields, "updated_at": now}}, return_document=True
    )
    if found is None:
        raise GoalNotFound(f"No goal with slug {slug!r}.")
    return CommunityGoal.model_validate(found)


async def progress(slugs: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per goal, (total, contributors): the sum of its shards (one query on the `goal` index)."""
    sums = dict.fromkeys(slugs, (0, 0))
    async for shard in collections.goal_shards().find(
        {"goal": {"$in": list(slugs)}}, {"goal": 1, "total": 1, "contributors": 1}
    ):
        total, contributors = sums[shard["goal"]]
        sums[shard["goal"]] = (total + shard.get("total", 0), contributors + shard.get("contributors", 0))
    return sums


async def contribution(user_id: int, slug: str) -> int:
    """The user's own contribution, exact: read from their facts document, where the event wrote it."""
    facts = await collections.user_facts().find_one({"user_id": user_id}, {"_id": 0, f"goals.{slug}": 1})
    return int(((facts or {}).get("goals") or {}).get(slug, 0))


# --- the goal relay ---


async def waiting_increments() -> list[dict[str, Any]]:
    """A batch of facts documents with increments waiting (on the `goal_outbox_at` index)."""
    cursor = collections.user_facts().find(HAS_GOAL_OUTBOX, {"user_id": 1, "goal_outbox": 1}).limit(RELAY_BATCH)
    return await cursor.to_list(RELAY_BATCH)


async def relay_increments(docs: Sequence[dict[str, Any]], now: datetime) -> set[str]:
    """Add the documents' waiting increments to their goals, copy the contributions, clear the outboxes.

    Three bulk writes, whatever the batch holds. Answers the goals that moved.
    """
    shard_writes: list[Upsert] = []
    contribution_writes: list[Upsert] = []
    clears: list[UpdateOne] = []
    moved: set[str] = set()
    for doc in docs:
        entries = doc.get("goal_outbox") or []
        for entry in entries:
            shard = shard_id(entry["goal"], entry["shard"])
            shard_writes.append(
                (
                    {"_id": shard, "applied": {"$ne": entry["id"]}},
                    {
                        "$inc": {"total": entry["amount"], "contributors": 1 if entry["first"] else 0},
                        "$push": {"applied": {"$each": [entry["id"]], "$slice": -APPLIED_KEPT}},
                        "$setOnInsert": {"goal": entry["goal"]},
                    },
                )
            )
            contribution_writes.append(
                (
                    {"goal": entry["goal"], "user_id": doc["user_id"]},
                    {
                        "$max": {"amount": entry["total"]},
                        "$set": {"updated_at": now},
                        "$setOnInsert": {"awarded": False},
                    },
                )
            )
            moved.add(entry["goal"])
        if entries:
            clears.append(
                UpdateOne({"_id": doc["_id"]}, {"$pull": {"goal_outbox": {"id": {"$in": [e["id"] for e in entries]}}}})
            )
    if shard_writes:
        await collections.bulk_upserts(collections.goal_shards(), shard_writes)
        await collections.bulk_upserts(collections.goal_contributions(), contribution_writes)
        await collections.user_facts().bulk_write(clears, ordered=False)
    return moved


async def mark_reached(slug: str, total: int, target: int, now: datetime) -> bool:
    """Record, once, that the goal reached its target, with the feed's `goal_reached` entry in the same write."""
    entry = goal_reached_entry(slug, target, total, now)
    result = await collections.goals().update_one(
        {"slug": slug, "reached_at": None}, {"$set": {"reached_at": now}, "$push": {"feed_outbox": entry}}
    )
    return result.modified_count == 1


async def reached_goals(ended_after: datetime) -> list[CommunityGoal]:
    """The active goals that reached their target, whose window ended after `ended_after` (on the `active` index)."""
    cursor = collections.goals().find({"is_active": True, "reached_at": {"$ne": None}, "ends_at": {"$gt": ended_after}})
    return [CommunityGoal.model_validate(doc) async for doc in cursor]


async def contributors_to_reward(slug: str, min_contribution: int, limit: int) -> list[int]:
    """Contributors who qualify and were not rewarded yet (on the `to_reward` index)."""
    cursor = (
        collections.goal_contributions()
        .find({"goal": slug, "awarded": False, "amount": {"$gte": min_contribution}}, {"_id": 0, "user_id": 1})
        .limit(limit)
    )
    return [doc["user_id"] async for doc in cursor]


async def mark_rewarded(slug: str, user_ids: Sequence[int]) -> None:
    if user_ids:
        await collections.goal_contributions().update_many(
            {"goal": slug, "user_id": {"$in": list(user_ids)}}, {"$set": {"awarded": True}}
        )
