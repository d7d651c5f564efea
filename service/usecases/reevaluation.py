"""Re-evaluating every user with facts: how a new or changed reward reaches users before their next event.

`rewards-reevaluate` runs it. Users are visited in `user_id` order, one batch at a time, so a run
interrupted after some batch can continue after the last user id it finished (the script keeps a
checkpoint). Each batch is one states read and one bulk write, the same plan and guarded writes
as a request's evaluation, so it is safe alongside live traffic.
"""

from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from service.db.availability import deadline
from service.engine.catalogue import ActiveReward
from service.operations.evaluation import evaluate_users
from service.operations.reevaluation import count_users, user_batches
from service.operations.rewards import load_active_rewards

# One batch's deadline (a states read and a bulk write for hundreds of users), far above a request's.
BATCH_BUDGET_SECONDS = 120.0


@dataclass(frozen=True)
class BatchDone:
    """What one batch did: reported to the caller, which keeps the checkpoint and the progress bar."""

    last_user_id: int
    users: int
    unlocks: Counter[str]


async def active_rewards() -> tuple[ActiveReward, ...]:
    """The active rewards, read now (a run sees one catalogue from start to end)."""
    return (await load_active_rewards()).entries


async def users_to_visit(after_user_id: int | None) -> int:
    """How many users a run starting after this id visits (for the progress bar)."""
    return await count_users(after_user_id)


async def reevaluate(
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
    async for batch in user_batches(after_user_id, batch_size):
        with deadline(BATCH_BUDGET_SECONDS):
            unlocks = await evaluate_users(batch, rewards, marker, clock(), dry_run=dry_run)
        yield BatchDone(batch[-1][0], len(batch), Counter(u.reward.slug for u in unlocks))
