"""The loop every background job runs: one step at a time, backing off while the database is away; and its task.

Each database call of a step carries the client's own deadline (REWARDS_DB_TIMEOUT_SECONDS), as a
request's do; the one call that is long by nature (rarity's aggregation) takes a budget of its own
where it is made. A budget over a whole step would not do: under a deadline, PyMongo also waits
for a server to come back for as long as the deadline allows, so the job would sit through an
outage silently instead of backing off.

A step that fails does not end the job. While the database is away the pauses double (up to
MAX_BACKOFF_SECONDS, or the job's own interval if longer), so an outage costs a few attempts a
minute and one log line, not a stack trace every half second; the first step that succeeds logs
that the database is back and the job goes on where it stood. Any other failure (a bug) is logged
with its stack trace, and backs off the same way.

Each step's database commands are reported as work when the step changed something and as idle
polling when it only looked, so the cost of what requests cause is told apart from the cost of
waiting (`rewards_database_commands`).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from service.db.availability import OutageLog, is_unavailable
from service.db.commands import counting_commands
from service.operations.retries import backoff_delay

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 10.0
# What every background job's task name starts with.
JOB_TASK_PREFIX = "job:"


@dataclass(frozen=True)
class Step:
    """What one step came to: how long to wait before the next one, and whether it changed anything."""

    pause: float
    worked: bool


def backoff_pause(failures: int, interval: float) -> float:
    """The pause after the `failures`-th failed step in a row: the interval, doubled each time, capped.

    The retry helper's own policy (`backoff_delay`), from the job's interval up to the longer of the
    interval and MAX_BACKOFF_SECONDS.
    """
    return backoff_delay(failures, interval, max(interval, MAX_BACKOFF_SECONDS))


# Reports the commands of one step: (origin, commands), e.g. ("feed-relay work", 8).
CommandReport = Callable[[str, int], None]


async def run_job(
    name: str,
    step: Callable[[], Awaitable[Step]],
    interval: float,
    *,
    first_pause: float = 0.0,
    on_commands: CommandReport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Run `step` every `interval` (or after the pause it asks for) until cancelled."""
    outage = OutageLog(name, log)
    failures = 0  # steps failed in a row, whatever the cause
    await sleep(first_pause)
    while True:
        with counting_commands() as commands:
            try:
                outcome = await step()
            except Exception as error:
                failures += 1
                if is_unavailable(error):
                    outage.failed(error)
                else:
                    log.exception("%s: step failed", name)
                outcome = Step(backoff_pause(failures, interval), worked=False)
            else:
                failures = 0
                outage.succeeded()
        if on_commands is not None and commands:
            on_commands(f"{name} {'work' if outcome.worked else 'idle'}", len(commands))
        await sleep(outcome.pause)


@contextlib.asynccontextmanager
async def running_task(loop: Coroutine[Any, Any, None], name: str) -> AsyncIterator[None]:
    """Run a job's loop as a task for the block; cancel it at the end, before the database client closes.

    The task is named `job:<name>`, so a log, a debugger or a test tells the jobs' work from the requests'.
    """
    task = asyncio.create_task(loop, name=f"{JOB_TASK_PREFIX}{name}")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
