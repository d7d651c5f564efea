"""The relay: copies outbox entries into the feed, numbering them, one instance at a time.

Numbers are given by one holder of the `feed-relay` lease, in one ordered insert per step, from
the highest number stored plus one: so the feed's numbers run 1, 2, 3, ... without a gap, and a
number is stored only after the one before it. The unique `seq` index fences a relay that lost
its lease mid-step (its insert fails); the unique `entry_id` index keeps a repeated copy out.
A step that dies anywhere leaves the outbox entries in place, and the next step finishes them.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError
from rewards_contract.feed import FeedEntryType

from documents import FEED_COUNTER_ID, FeedEntry, as_stored
from service.db import collections
from service.db.collections import Collection
from service.engine.feed_entries import GRANT_FIELDS, grant_view_data
from service.operations.feed import counted_last_seq, last_seq
from service.operations.leases import INSTANCE_ID, hold_lease

log = logging.getLogger(__name__)

RELAY_LEASE = "feed-relay"
# The background relay reads the community's sources one step in this many (every 5 s at the default
# 0.5 s interval): their entries are rare, and reading them every step would double the idle polling.
COMMUNITY_EVERY_STEPS = 10
# The pause between steps while entries keep coming.
BUSY_PAUSE_SECONDS = 0.05
# Source documents read per step (each holds one or a few entries).
RELAY_BATCH = 500
# Documents holding outbox entries, as a range on the `feed_outbox.at` index (documents with an
# empty outbox have no key in that range).
HAS_OUTBOX = {"feed_outbox.at": {"$gte": datetime(1970, 1, 1, tzinfo=UTC)}}


class NumbersTaken(Exception):
    """A step's insert collided with numbers or entries already in the feed; nothing is lost, try again."""


async def relay_step(now: datetime, retention: timedelta) -> int:
    """Copy the waiting outbox entries (a batch of source documents) into the feed; return how many were entered.

    Raises NumbersTaken when another relay (or an uncounted earlier step) got there first.

    Round trips: four reads of sources (one per `outbox_sources`), one of the feed, one for the last number, one insert, one
    counter update and one clean-up per source collection.
    """
    return (await relay(now, retention, None))[0]


async def relay(
    now: datetime, retention: timedelta, known_last: int | None, community: bool = True
) -> tuple[int, int | None]:
    """`relay_step`, numbering on from `known_last` when the caller knows it (it gave that number itself).

    `community`: also read the community's sources (closed runs, goals reached), which write an entry a
    few times a day at most: the background relay reads them one step in COMMUNITY_EVERY_STEPS.
    Returns how many entries were entered and the last number given, when it knows it.
    """
    sources = [(collection, await _holding_entries(collection)) for collection in outbox_sources(community)]
    waiting = [
        (_completed(entry, doc), collection, doc["_id"])
        for collection, docs in sources
        for doc in docs
        for entry in doc["feed_outbox"]
    ]
    if not waiting:
        return 0, known_last
    # By time; at one time, in the order written (states before their grants, a record's outbox in order).
    waiting.sort(key=lambda item: item[0]["at"])
    ids = [entry["entry_id"] for entry, _, _ in waiting]
    entered = {doc["entry_id"] async for doc in collections.feed().find({"entry_id": {"$in": ids}}, {"entry_id": 1})}
    fresh = [entry for entry, _, _ in waiting if entry["entry_id"] not in entered]
    if fresh:
        # The counter alone (one read): if a step died before counting, the insert collides on
        # `seq_unique` and the collision corrects the counter.
        first = (await counted_last_seq() if known_last is None else known_last) + 1
        numbered = [
            as_stored(FeedEntry(**entry, seq=first + i, created_at=now, expires_at=now + retention))
            for i, entry in enumerate(fresh)
        ]
        try:
            await collections.feed().insert_many(numbered, ordered=True)
        except (BulkWriteError, DuplicateKeyError) as error:
            # A number or an entry was taken: by another relay, or by a step that died before counting
            # what it inserted. Count what the feed holds; the next step starts over from there.
            await _record_last(await last_seq())
            raise NumbersTaken(type(error).__name__) from None
        known_last = first + len(fresh) - 1
        await _record_last(known_last)
        entered.update(entry["entry_id"] for entry in fresh)
    await _clear_outboxes(waiting, entered)
    return len(fresh), known_last


def outbox_sources(community: bool = True) -> tuple[Collection, ...]:
    """The collections whose documents carry feed entries in their `feed_outbox`, each on a `feed_outbox.at` index.

    The users' (states, grants), then the community's (closed runs, goals reached) when `community`.
    """
    users = (collections.user_rewards(), collections.grants())
    return (*users, collections.board_closings(), collections.goals()) if community else users


async def _holding_entries(collection: Collection) -> list[dict[str, Any]]:
    """A batch of the documents holding entries, on the `feed_outbox.at` index."""
    projection = {"feed_outbox": 1, "reward_slug": 1, **dict.fromkeys(GRANT_FIELDS, 1)}
    return await collection.find(HAS_OUTBOX, projection).limit(RELAY_BATCH).to_list(RELAY_BATCH)


def _completed(entry: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """An acknowledgement's entry holds only what changed: the rest of the grant comes from its record."""
    entry = {**entry, "reward_slug": entry.get("reward_slug") or doc.get("reward_slug")}
    if entry["type"] == FeedEntryType.GRANT_ACKED:
        entry["data"] = {**grant_view_data(doc), **entry["data"]}
    return entry


async def _record_last(seq: int) -> None:
    """Keep the last number beyond the retention of the entries (a feed emptied by its TTL goes on)."""
    try:
        await collections.feed_counter().update_one({"_id": FEED_COUNTER_ID}, {"$max": {"last_seq": seq}}, upsert=True)
    except DuplicateKeyError:  # two relays created the counter at once: the other's upsert won
        await collections.feed_counter().update_one({"_id": FEED_COUNTER_ID}, {"$max": {"last_seq": seq}})


async def _clear_outboxes(waiting: list[tuple[dict[str, Any], Collection, Any]], entered: set[str]) -> None:
    """Remove the entries the feed holds from their documents' outboxes (only those: new ones stay)."""
    by_doc: dict[tuple[int, Any], tuple[Collection, list[str]]] = {}
    for entry, collection, doc_id in waiting:
        if entry["entry_id"] in entered:
            by_doc.setdefault((id(collection), doc_id), (collection, []))[1].append(entry["entry_id"])
    writes: dict[int, tuple[Collection, list[UpdateOne]]] = {}
    for (key, doc_id), (collection, entry_ids) in by_doc.items():
        update = UpdateOne({"_id": doc_id}, {"$pull": {"feed_outbox": {"entry_id": {"$in": entry_ids}}}})
        writes.setdefault(key, (collection, []))[1].append(update)
    for collection, updates in writes.values():
        await collection.bulk_write(updates, ordered=False)


async def relay_while_leased(
    now: datetime, retention: timedelta, lease: timedelta, owner: str = INSTANCE_ID
) -> int | None:
    """One step if this instance holds (or takes) the relay lease; None when another instance holds it."""
    if not await hold_lease(RELAY_LEASE, now, lease, owner):
        return None
    return await relay_step(now, retention)
