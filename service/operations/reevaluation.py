"""Every user with facts, read in batches in `user_id` order (re-evaluation), or sampled (the console's preview).

A run interrupted after some batch can continue after the last user id it finished.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from documents import FACTS_PROJECTION
from service.db import collections
from service.engine.catalogue import ActiveReward
from service.operations.evaluation import evaluate_users


def users_after(after_user_id: int | None) -> dict[str, object]:
    """The query of the users still to visit: a walk of the user_id index (user ids are positive)."""
    return {"user_id": {"$gt": 0 if after_user_id is None else after_user_id}}


async def count_users(after_user_id: int | None) -> int:
    """How many users a run starting after this id visits (for the progress bar)."""
    return await collections.user_facts().count_documents(users_after(after_user_id))


async def user_batches(after_user_id: int | None, size: int) -> AsyncIterator[list[tuple[int, dict[str, Any]]]]:
    cursor = (
        collections.user_facts().find(users_after(after_user_id), FACTS_PROJECTION).sort("user_id", 1).batch_size(size)
    )
    batch: list[tuple[int, dict[str, Any]]] = []
    async for document in cursor:
        batch.append((document["user_id"], document))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# The console's preview evaluates at most this many users: all of them on a small database, else a random sample.
PREVIEW_USERS = 2000
PREVIEW_IDS_SHOWN = 10


@dataclass(frozen=True)
class UnlockPreview:
    """Who a reward would newly unlock for if saved now: counted over `evaluated` users of `users_with_facts`."""

    unlocks: int
    user_ids: tuple[int, ...]
    evaluated: int
    users_with_facts: int

    @property
    def sampled(self) -> bool:
        return self.evaluated < self.users_with_facts


async def _preview_users(size: int) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """Every user with facts when there are at most `size`, else a uniform random sample (not user_id order)."""
    total = await count_users(None)
    if total <= size:
        batches = [batch async for batch in user_batches(None, max(total, 1))]
        return [user for batch in batches for user in batch], total
    # The sample's ids, then their facts on the user_id index (an exclusion $project after $sample is not portable).
    pipeline: list[dict[str, Any]] = [
        {"$match": users_after(None)},
        {"$sample": {"size": size}},
        {"$project": {"_id": 0, "user_id": 1}},
    ]
    ids = [document["user_id"] for document in await collections.user_facts().aggregate(pipeline).to_list(size)]
    sampled = await collections.user_facts().find({"user_id": {"$in": ids}}, FACTS_PROJECTION).to_list(size)
    return [(document["user_id"], document) for document in sampled], total


async def preview_unlocks(reward: ActiveReward, now: datetime, size: int = PREVIEW_USERS) -> UnlockPreview:
    """The dry run of re-evaluation for one reward (seasons included), bounded to `size` users, with user ids."""
    users, total = await _preview_users(size)
    unlocks = await evaluate_users(users, [reward], "preview", now, dry_run=True) if users else []
    user_ids = sorted({unlock.user_id for unlock in unlocks})
    return UnlockPreview(len(user_ids), tuple(user_ids[:PREVIEW_IDS_SHOWN]), len(users), total)
