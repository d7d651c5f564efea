"""The feed relay job: copies outbox entries into the feed while the service runs, one instance at a time.

What one step does, and why the feed's numbers never skip or repeat, is `service/operations/feed_relay.py`.
"""

import contextlib
import itertools
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from service.jobs.runner import CommandReport, Step, run_job, running_task
from service.operations.feed_relay import (
    BUSY_PAUSE_SECONDS,
    COMMUNITY_EVERY_STEPS,
    RELAY_LEASE,
    NumbersTaken,
    relay,
)
from service.operations.leases import INSTANCE_ID, hold_lease, release_lease
from service.usecases.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class _Holding:
    """What a relay knows while it holds the lease: until when, and the last number it gave."""

    until: datetime | None = None
    last_seq: int | None = None

    def forget(self) -> None:
        self.until, self.last_seq = None, None


async def run_relay(
    interval_seconds: float,
    clock: Callable[[], datetime],
    retention: timedelta,
    owner: str = INSTANCE_ID,
    on_commands: CommandReport | None = None,
) -> None:
    """Relay every interval until cancelled (sooner while entries keep coming); give the lease up at the end.

    While it holds the lease, the relay renews it only once half of it has run out, and numbers on
    from the last number it gave itself instead of reading the counter: two commands fewer per step.
    Both are safe because its writes are fenced anyway (a holder that lost the lease meanwhile
    collides on the feed's unique numbers, and starts over from the stored ones).
    """
    lease = timedelta(seconds=max(5.0, 10 * interval_seconds))
    held = _Holding()
    steps = itertools.count()

    async def step() -> Step:
        now = clock()
        try:
            if held.until is None or now >= held.until - lease / 2:
                if not await hold_lease(RELAY_LEASE, now, lease, owner):
                    held.forget()
                    return Step(interval_seconds, worked=False)
                held.until = now + lease
            community = next(steps) % COMMUNITY_EVERY_STEPS == 0
            entered, held.last_seq = await relay(now, retention, held.last_seq, community)
        except NumbersTaken as collision:
            held.forget()
            log.warning("Feed relay step stopped by numbers already given (%s); trying again", collision)
            return Step(interval_seconds, worked=True)
        except Exception:
            held.forget()  # the database went away mid-step: renew and count afresh next time
            raise
        # While entries keep coming, step again soon, not at once: a step's fixed reads are shared
        # by everything written meanwhile.
        return Step(min(interval_seconds, BUSY_PAUSE_SECONDS) if entered else interval_seconds, worked=entered > 0)

    try:
        await run_job(RELAY_LEASE, step, interval_seconds, on_commands=on_commands)
    finally:
        try:
            await release_lease(RELAY_LEASE, owner)
        except Exception:  # shutting down with the database gone: the lease simply expires
            log.warning("Could not release the feed relay lease; it expires on its own")


@contextlib.asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[None]:
    """Relay the outboxes into the feed while the service runs (one instance at a time holds the lease)."""
    settings = runtime.settings
    relay_loop = run_relay(
        settings.feed_relay_seconds,
        runtime.clock,
        timedelta(days=settings.feed_retention_days),
        on_commands=runtime.metrics.record_commands,
    )
    async with running_task(relay_loop, RELAY_LEASE):
        yield
