"""The activity feed: reading it in order, without ever skipping an entry.

Entries are numbered 1, 2, 3, ... by the relay (`feed_relay.py`), one instance at a time, each
number stored only after the previous one. A reader returns only the unbroken run of numbers that
follows its cursor: an entry not yet visible to it (a server may show a write a moment late) stops
the page there instead of being skipped, and the next read picks it up.
"""

from typing import Any

from rewards_contract.errors import CursorAhead, CursorExpired

from documents import FEED_COUNTER_ID
from service.db import collections

# What a reader needs of an entry (the TTL bookkeeping stays in the database).
ENTRY_PROJECTION = {"_id": 0, "entry_id": 1, "seq": 1, "type": 1, "user_id": 1, "reward_slug": 1, "at": 1, "data": 1}


async def read_feed(after_seq: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` entries numbered after_seq + 1, after_seq + 2, ... in order, stopping at a gap.

    The page is read from the cursor's own entry on, so that a cursor beyond the newest entry shows
    (no entry at or after it) without a read of its own. Raises CursorAhead for such a cursor, and
    CursorExpired when entries after the cursor were already deleted (retention).
    Round trips: one for the page; one more only when the page does not start at the cursor.
    """
    if after_seq == 0:  # no cursor: from the oldest entry kept
        page = await _entries_from(1, limit)
        return _unbroken_run(page, page[0]["seq"] - 1 if page else 0)
    page = await _entries_from(after_seq, limit + 1)
    if page and page[0]["seq"] == after_seq:
        page = page[1:]
    elif not page:
        await _refuse_if_ahead(after_seq)
    elif page[0]["seq"] != after_seq + 1 and after_seq + 1 < await _first_kept_seq():
        raise CursorExpired(
            f"The feed no longer holds the entries after cursor {after_seq} (kept for the retention period); "
            "start again without `after`."
        )
    return _unbroken_run(page[:limit], after_seq)


async def _entries_from(first_seq: int, limit: int) -> list[dict[str, Any]]:
    cursor = collections.feed().find({"seq": {"$gte": first_seq}}, ENTRY_PROJECTION).sort("seq", 1).limit(limit)
    return await cursor.to_list(limit)


def _unbroken_run(page: list[dict[str, Any]], after_seq: int) -> list[dict[str, Any]]:
    run: list[dict[str, Any]] = []
    for entry in page:
        if entry["seq"] != after_seq + len(run) + 1:
            break  # not visible yet (or deleted at the head): never skip past it
        run.append(entry)
    return run


async def _refuse_if_ahead(after_seq: int) -> None:
    """Raise CursorAhead when no stored entry reaches the cursor.

    The newest stored entry decides, not the counter: the relay writes the counter after the entry,
    so a cursor of the entry just inserted is ahead of the counter for a moment, and valid. Only when
    retention has emptied the feed is the counter all there is to compare with.
    """
    newest = await _newest_stored_seq()
    newest_given = newest if newest is not None else await counted_last_seq()
    if after_seq > newest_given:
        raise CursorAhead(
            f"Cursor {after_seq} is beyond the newest entry, whose cursor is {newest_given}: a follower keeping it "
            f"would skip the entries up to it. Continue from `after={newest_given}`, or start again without `after`."
        )


async def _newest_stored_seq() -> int | None:
    newest = await collections.feed().find({"seq": {"$gte": 1}}, {"seq": 1}).sort("seq", -1).limit(1).to_list(1)
    return newest[0]["seq"] if newest else None


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
    return max(await counted_last_seq(), await _newest_stored_seq() or 0)


async def newest_entries(limit: int) -> list[dict[str, Any]]:
    """The feed's newest entries, newest first (the admin console's health page), on the seq index."""
    cursor = collections.feed().find({"seq": {"$gte": 1}}, ENTRY_PROJECTION).sort("seq", -1).limit(limit)
    return await cursor.to_list(limit)


async def user_latest_entries(user_id: int, limit: int) -> list[dict[str, Any]]:
    """The user's newest feed entries, newest first (on the user_latest index; the feed keeps its retention only)."""
    cursor = collections.feed().find({"user_id": user_id}, ENTRY_PROJECTION).sort("seq", -1).limit(limit)
    return await cursor.to_list(limit)


def entry_view(entry: dict[str, Any]) -> dict[str, Any]:
    """A stored entry as the API and the webhook answer it (FeedEntryView's fields)."""
    return {
        "id": entry["entry_id"],
        "type": entry["type"],
        "user_id": entry.get("user_id"),
        "reward_slug": entry.get("reward_slug"),
        "at": entry["at"],
        "data": entry["data"],
        "cursor": str(entry["seq"]),
    }
