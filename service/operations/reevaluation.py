"""Re-evaluate every user with facts, in batches: how a new reward reaches users before their next event.

Users are visited in `user_id` order, so a run interrupted after some batch can continue after
the last user id it finished. Each batch is one states read and one bulk write (the same plan and
guarded writes as a request's evaluation), so it is safe alongside live traffic.
"""

from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from documents import FACTS_PROJECTION
from service.db import collections
from service.db.availability import deadline
from service.operations.catalog import ActiveReward
from service.operations.evaluation import evaluate_users


# One batch's deadline (a states read and a bulk write for hundreds of users), far above a request's.
BATCH_BUDGET_SECONDS = 120.0


@dataclass(frozen=True)
class BatchDone:
    """What one batch did: reported to the caller, which keeps the checkpoint and the progress bar."""

    last_user_id: int
    users: int
    unlocks: Counter[str]


def users_after(after_user_id: int | None) -> dict[str, object]:
    """The query of the users still to visit: a walk of the user_id index (user ids are positive)."""
    return {"user_id": {"$gt": 0 if after_user_id is None else after_user_id}}


async def count_users(after_user_id: int | None) -> int:
    """How many users a run starting after this id visits (for the progress bar)."""
    return await collections.user_facts().count_documents(users_after(after_user_id))


async def _batches(after_user_id: int | None, size: int) -> AsyncIterator[list[tuple[int, dict[str, Any]]]]:
    cursor = (
        collections.user_facts()
        .find(users_after(after_user_id), FACTS_PROJECTION)
        .sort("user_id", 1)
        .batch_size(size)
    )
    batch: list[tuple[int, dict[str, Any]]] = []
    async for document in cursor:
        batch.append((document["user_id"], document))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def reevaluate_all(
    rewards: Sequence[ActiveReward],
    clock: Callable[[], datetime],
    marker: str,
    after_user_id: int | None = None,
    batch_size: int = 500,
    dry_run: bool = False,
) -> AsyncIterator[BatchDone]:
    """Evaluate every user after `after_user_id`, one batch at a time; yield what each batch did.

    With `dry_run` nothing is written and the unlocks counted are those that would be made.
    """
    async for batch in _batches(after_user_id, batch_size):
        with deadline(BATCH_BUDGET_SECONDS):
            unlocks = await evaluate_users(batch, rewards, marker, clock(), dry_run=dry_run)
        yield BatchDone(batch[-1][0], len(batch), Counter(u.reward.slug for u in unlocks))
