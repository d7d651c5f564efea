"""The goal relay job: every interval, add what events gave to community goals to their totals, and reward contributors.

Every instance runs it: each step is safe to repeat and to run twice at once (`operations/goals.py`),
so no lease is needed, and a crashed instance's half-done step is finished by the next of any.
"""

import contextlib
import logging
from collections.abc import AsyncIterator

from service.jobs.runner import Step, run_job, running_task
from service.usecases.goals import relay_goals
from service.usecases.runtime import Runtime

log = logging.getLogger(__name__)


async def run_goal_relay(runtime: Runtime) -> None:
    """Relay every interval until cancelled (the first step an interval after start-up)."""
    interval = runtime.settings.goal_relay_seconds

    async def step() -> Step:
        relayed, rewarded = await relay_goals(runtime)
        worked = bool(relayed or rewarded)
        log.log(
            logging.INFO if worked else logging.DEBUG,
            "Goal relay: added %d contributions to goals, rewarded %d contributors",
            relayed,
            rewarded,
        )
        return Step(interval, worked)

    await run_job("goal-relay", step, interval, first_pause=interval, on_commands=runtime.metrics.record_commands)


@contextlib.asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[None]:
    async with running_task(run_goal_relay(runtime), "goal-relay"):
        yield
