"""The leaderboard closing job: every interval, close the runs that ended and give the prizes still owed.

Every instance runs it; closing a run twice is impossible by construction (`usecases/closings.py`),
so no lease is needed, and a crashed instance's half-done closing is finished by the next pass of any.
"""

import contextlib
import logging
from collections.abc import AsyncIterator

from service.jobs.runner import Step, run_job, running_task
from service.usecases.closings import close_runs
from service.usecases.runtime import Runtime

log = logging.getLogger(__name__)


async def run_closer(runtime: Runtime) -> None:
    """Close due runs every interval until cancelled (the first pass an interval after start-up)."""
    interval = runtime.settings.leaderboard_close_seconds

    async def step() -> Step:
        done = await close_runs(runtime)
        log.log(
            logging.INFO if done.worked else logging.DEBUG,
            "Leaderboard closing: closed %d runs, gave %d prizes, %d waiting for an earlier one's claim",
            done.closed,
            done.given,
            done.waiting,
        )
        return Step(interval, done.worked)

    await run_job(
        "leaderboard-closing", step, interval, first_pause=interval, on_commands=runtime.metrics.record_commands
    )


@contextlib.asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[None]:
    """Close runs in the background while the service runs."""
    async with running_task(run_closer(runtime), "leaderboard-closer"):
        yield
