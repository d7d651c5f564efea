"""What the admin console's user page reads besides the user's rewards and grants: the user's latest feed entries."""

from typing import Any

from service.db import collections
from service.operations.feed import ENTRY_PROJECTION


async def latest_feed_entries(user_id: int, limit: int) -> list[dict[str, Any]]:
    """The user's newest feed entries, newest first (on the user_latest index; the feed keeps its retention only)."""
    cursor = collections.feed().find({"user_id": user_id}, ENTRY_PROJECTION).sort("seq", -1).limit(limit)
    return await cursor.to_list(limit)
