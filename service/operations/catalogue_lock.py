"""The catalogue's write lock: one change of the catalogue at a time, across every instance.

A definition is checked against the rest of the catalogue (the counters it reads, the rewards it
needs claimed first, its series' tiers) under this lock: two instances saving A-needs-B and
B-needs-A at once, or deleting a counter while a reward that reads it is saved, are serialized,
and the second sees the first. The lock is a lease (one conditional upsert), renewed just before
the write (`still_holding`), so only a writer stalled for longer than LOCK_SECONDS could race.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from rewards_contract.errors import RaceLost

from service.operations.leases import INSTANCE_ID, hold_lease, release_lease
from service.operations.retries import retried

CATALOG_LOCK = "catalog-write"
LOCK_SECONDS = 30.0
# Waiting for another change to finish: 0.1 s, then 0.2 s, then 0.4 s between tries; about 7 s in all.
LOCK_WAIT_ATTEMPTS = 20
LOCK_WAIT_SECONDS = 0.1
LOCK_WAIT_MAX_SECONDS = 0.4


@dataclass(frozen=True)
class CatalogueLock:
    """The lock as held by one change."""

    owner: str

    async def still_holding(self, now: datetime) -> None:
        """Renew the lock just before writing; RaceLost if it ran out and another change began."""
        if not await hold_lease(CATALOG_LOCK, now, timedelta(seconds=LOCK_SECONDS), self.owner):
            raise RaceLost("The catalogue change took too long and another one began; retry.")


@asynccontextmanager
async def catalogue_change(now: datetime) -> AsyncIterator[CatalogueLock]:
    """Hold the catalogue's write lock for the block (waiting briefly for another change to finish)."""
    owner = f"{INSTANCE_ID}:{uuid.uuid4().hex[:12]}"
    lease = timedelta(seconds=LOCK_SECONDS)

    async def take() -> None:
        if not await hold_lease(CATALOG_LOCK, now, lease, owner):
            raise RaceLost("Another change of the catalogue is in progress; retry.")

    await retried(take, attempts=LOCK_WAIT_ATTEMPTS, first_delay=LOCK_WAIT_SECONDS, max_delay=LOCK_WAIT_MAX_SECONDS)
    try:
        yield CatalogueLock(owner)
    finally:
        await release_lease(CATALOG_LOCK, owner)
