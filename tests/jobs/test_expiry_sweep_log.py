"""The expiry sweep's log line: a sweep that changed nothing is DEBUG, one that did something is INFO."""

import asyncio
import logging

import pytest

from service.jobs.expiry_sweep import run_sweeper
from service.operations.expiry import SweepResult
from tests.support.api import create_reward, send_event
from tests.support.environment import FakeClock

REACTION = [{"condition_type": "first_reaction"}]


async def one_sweep(clock: FakeClock) -> SweepResult:
    """Run the real sweeper loop until its first sweep is done, then stop it."""
    done: asyncio.Future[SweepResult] = asyncio.get_running_loop().create_future()

    def first_only(result: SweepResult) -> None:
        if not done.done():
            done.set_result(result)

    sweeper = asyncio.create_task(run_sweeper(0, clock, on_sweep=first_only))
    try:
        return await asyncio.wait_for(done, timeout=30)
    finally:
        sweeper.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sweeper


def first_sweep_line(caplog: pytest.LogCaptureFixture) -> tuple[int, str]:
    """The first sweep's line (the loop may start a second sweep before it is stopped)."""
    return next((r.levelno, r.getMessage()) for r in caplog.records if r.getMessage().startswith("Expiry sweep"))


async def test_an_idle_sweep_logs_at_debug_only(client, clock, caplog):
    caplog.set_level(logging.DEBUG, logger="service")

    result = await one_sweep(clock)

    assert result == SweepResult(expired=0, recovered_grants=0, reminded=0, released_holds=0)
    level, message = first_sweep_line(caplog)
    assert level == logging.DEBUG
    assert message.startswith("Expiry sweep: expired 0 ")


async def test_a_sweep_that_expired_a_reward_logs_at_info(client, clock, caplog):
    await create_reward(client, slug="short", conditions=REACTION, claim_window_hours=2)
    await send_event(client, 7007, "r1", "reaction")
    clock.advance(hours=3)
    caplog.set_level(logging.DEBUG, logger="service")

    result = await one_sweep(clock)

    assert result.expired == 1
    level, message = first_sweep_line(caplog)
    assert level == logging.INFO
    assert message.startswith("Expiry sweep: expired 1 ")
