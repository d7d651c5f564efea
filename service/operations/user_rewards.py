"""What a user's rewards list reads: the user's facts and their stored states."""

from typing import Any

from documents import FACTS_PROJECTION
from service.db import collections
from service.operations.evaluation import STATE_PROJECTION, States, read_states

# What the list reads of each state: what evaluation reads, and the latest claim's time it shows.
_LIST_PROJECTION = {**STATE_PROJECTION, "last_claimed_at": 1}


async def read_facts(user_id: int) -> dict[str, Any] | None:
    """The user's facts document (None: a user never seen, with a new user's facts)."""
    return await collections.user_facts().find_one({"user_id": user_id}, FACTS_PROJECTION)


async def read_listed_states(user_id: int) -> States:
    """The user's stored states, with what the list shows of them (one query)."""
    return await read_states(user_id, _LIST_PROJECTION)
