"""The activity feed: reading it in order, without ever skipping an entry.

Entries are numbered 1, 2, 3, ... by the relay (`feed_relay.py`), one instance at a time, each
number stored only after the previous one. A reader returns only the unbroken run of numbers that
follows its cursor: an entry not yet visible to it (a server may show a write a moment late) stops
the page there instead of being skipped, and the next read picks it up.
"""

from typing import Any

from rewards_contract.errors import CursorExpired

from documents import FEED_COUNTER_ID
from service.db import collections

# What a reader needs of an entry (the TTL bookkeeping stays in the database).
ENTRY_PROJECTION = {"_id": 0, "entry_id": 1, "seq": 1, "type": 1, "user_id": 1, "reward_slug": 1, "at": 1, "data": 1}


async def read_feed(after_seq: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` entries numbered after_seq + 1, after_seq + 2, ... in order, stopping at a gap.

    Raises CursorExpired when entries after the cursor were already deleted (retention).
    Round trips: one for the page, one more only when the page does not start at after_seq + 1.
    """
    cursor = collections.feed().find({"seq": {"$gt": after_seq}}, ENTRY_PROJECTION).sort("seq", 1).limit(limit)
    page = await cursor.to_list(limit)
    if page and after_seq == 0:
        after_seq = page[0]["seq"] - 1  # no cursor: from the oldest entry kept
    elif page and page[0]["seq"] != after_seq + 1 and after_seq + 1 < await _first_kept_seq():
        raise CursorExpired(
            f"The feed no longer holds the entries after cursor {after_seq} (kept for the retention period); "
            "start again without `after`."
        )
    run = []
    for entry in page:
        if entry["seq"] != after_seq + len(run) + 1:
            break  # not visible yet (or deleted at the head): never skip past it
        run.append(entry)
    return run


async def _first_kept_seq() -> int:
    first = await collections.feed().find({"seq": {"$gte": 1}}, {"seq": 1}).sort("seq", 1).limit(1).to_list(1)
    return first[0]["seq"] if first else 0


async def counted_last_seq() -> int:
    """The counter's last number (one read by `_id`). It outlives the entries the retention deletes;
    a relay step that died before counting leaves it behind the feed until the next step corrects it."""
    counter = await collections.feed_counter().find_one({"_id": FEED_COUNTER_ID}, {"last_seq": 1})
    return counter["last_seq"] if counter else 0


async def last_seq() -> int:
    """The highest number given so far: the counter's, or the feed's own if a step did not count it yet."""
    newest = await collections.feed().find({"seq": {"$gte": 1}}, {"seq": 1}).sort("seq", -1).limit(1).to_list(1)
    return max(await counted_last_seq(), newest[0]["seq"] if newest else 0)


async def newest_entries(limit: int) -> list[dict[str, Any]]:
    """The feed's newest entries, newest first (the admin console's health page), on the seq index."""
    cursor = collections.feed().find({"seq": {"$gte": 1}}, ENTRY_PROJECTION).sort("seq", -1).limit(limit)
    return await cursor.to_list(limit)


def entry_view(entry: dict[str, Any]) -> dict[str, Any]:
    """A stored entry as the API and the webhook answer it (FeedEntryView's fields)."""
    return {
        "id": entry["entry_id"],
        "type": entry["type"],
        "user_id": entry["user_id"],
        "reward_slug": entry["reward_slug"],
        "at": entry["at"],
        "data": entry["data"],
        "cursor": str(entry["seq"]),
    }
