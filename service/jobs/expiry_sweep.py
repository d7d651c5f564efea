"""The expiry sweep job: every interval, expire overdue unlocks, remind of closing windows, finish half-done claims.

What one sweep does is `service/operations/expiry.py`; reads and claims never depend on it having run.
"""

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from service.jobs.runner import CommandReport, Step, run_job, running_task
from service.operations.expiry import SweepResult, sweep
from service.usecases.runtime import Runtime

log = logging.getLogger(__name__)


async def run_sweeper(
    interval_seconds: float,
    clock: Callable[[], datetime],
    on_sweep: Callable[[SweepResult], None] | None = None,
    remind_before: timedelta = timedelta(hours=24),
    on_commands: CommandReport | None = None,
) -> None:
    """Sweep every interval until cancelled (the first one an interval after start-up)."""

    async def step() -> Step:
        result = await sweep(clock(), remind_before)
        worked = bool(result.expired or result.reminded or result.recovered_grants or result.released_holds)
        log.log(
            logging.INFO if worked else logging.DEBUG,
            "Expiry sweep: expired %d unlocked rewards, reminded %d, recovered %d grants, released %d holds",
            result.expired,
            result.reminded,
            result.recovered_grants,
            result.released_holds,
        )
        if on_sweep is not None:
            on_sweep(result)
        return Step(interval_seconds, worked)

    await run_job("expiry-sweep", step, interval_seconds, first_pause=interval_seconds, on_commands=on_commands)


@contextlib.asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[None]:
    """Sweep in the background while the service runs."""
    metrics, settings = runtime.metrics, runtime.settings
    sweeper = run_sweeper(
        settings.expiry_sweep_seconds,
        runtime.clock,
        on_sweep=lambda result: metrics.record_expiry_sweep(result.expired),
        remind_before=timedelta(hours=settings.remind_before_hours),
        on_commands=metrics.record_commands,
    )
    async with running_task(sweeper, "expiry-sweeper"):
        yield
