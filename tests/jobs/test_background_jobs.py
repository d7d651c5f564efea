"""Background jobs survive a database outage: they back off, log it once, and resume by themselves."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pymongo.errors import AutoReconnect

from service.caches.rarity import RarityHolder
from service.db import collections
from service.db.commands import CommandTally
from service.engine.rarity import RarityBoard
from service.jobs import runner
from service.jobs.expiry_sweep import run_sweeper
from service.jobs.feed_relay import run_relay
from service.jobs.rarity_refresh import run_rarity_refresher
from service.jobs.runner import MAX_BACKOFF_SECONDS, Step, backoff_pause, run_job
from service.jobs.webhook_sender import Attempt, WebhookSender
from service.operations import rarity
from service.operations.feed_relay import RELAY_LEASE
from service.operations.leases import release_lease
from tests.support.api import create_reward, send_event
from tests.support.feed import RETENTION
from tests.support.outage import database_away

REACTION = [{"condition_type": "first_reaction"}]
INTERVAL = 0.01


class Stop(Exception):
    """Ends a job loop driven by a scripted sleep."""


def scripted_sleep(pauses: list[float], steps: int) -> Callable[[float], Awaitable[None]]:
    """A sleep that records each pause and stops the loop after `steps` of them."""

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) > steps:
            raise Stop

    return sleep


def failing_then_working(
    failures: int, error: Callable[[], Exception]
) -> tuple[list[str], Callable[[], Awaitable[Step]]]:
    calls: list[str] = []

    async def step() -> Step:
        calls.append("step")
        if len(calls) <= failures:
            raise error()
        return Step(INTERVAL, worked=False)

    return calls, step


# --- the loop ------------------------------------------------------------------------------------


def test_the_pause_doubles_with_each_failure_up_to_the_cap():
    assert [backoff_pause(n, 0.5) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, MAX_BACKOFF_SECONDS, MAX_BACKOFF_SECONDS]
    assert backoff_pause(3, 60) == 60  # a job with a long interval never waits longer than it


async def test_an_outage_backs_off_and_is_logged_once_when_it_starts_and_once_when_it_ends(caplog):
    caplog.set_level(logging.INFO, logger=runner.__name__)
    pauses: list[float] = []
    calls, step = failing_then_working(4, lambda: AutoReconnect("connection refused"))
    with pytest.raises(Stop):
        await run_job("test-job", step, INTERVAL, sleep=scripted_sleep(pauses, 6))
    assert pauses == [0.0, INTERVAL, 2 * INTERVAL, 4 * INTERVAL, 8 * INTERVAL, INTERVAL, INTERVAL]
    assert len(calls) == 6
    lines = [(r.levelno, r.getMessage(), r.exc_info) for r in caplog.records]
    assert lines == [
        (logging.WARNING, "test-job: database unavailable (AutoReconnect: connection refused)", None),
        (logging.INFO, "test-job: database available again after 4 failed attempt(s)", None),
    ]


async def test_a_failure_that_is_not_an_outage_is_logged_with_its_stack_trace_and_backs_off_too(caplog):
    pauses: list[float] = []
    _, step = failing_then_working(2, lambda: KeyError("bug"))
    with pytest.raises(Stop):
        await run_job("test-job", step, INTERVAL, sleep=scripted_sleep(pauses, 3))
    assert pauses[1:3] == [INTERVAL, 2 * INTERVAL]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert all(r.exc_info for r in errors)


async def test_rarity_counts_run_within_a_budget_of_their_own(client, clock, monkeypatch):
    budgets: list[float] = []
    real_deadline = rarity.deadline

    def recorded_deadline(seconds: float) -> Any:
        budgets.append(seconds)
        return real_deadline(seconds)

    monkeypatch.setattr(rarity, "deadline", recorded_deadline)
    await rarity.compute_rarity(clock())
    assert budgets == [rarity.COUNTS_BUDGET_SECONDS]


async def test_a_steps_commands_are_reported_as_work_or_as_idle_polling():
    reported: list[tuple[str, int]] = []
    worked = iter([True, False])

    async def step() -> Step:
        for _ in range(3):
            # As the driver's listener is called, with a stand-in event: started() reads only its command_name.
            CommandTally().started(SimpleNamespace(command_name="find"))  # type: ignore[arg-type]  # a stand-in event
        return Step(INTERVAL, worked=next(worked))

    with pytest.raises(Stop):
        await run_job(
            "test-job", step, INTERVAL, on_commands=lambda *r: reported.append(r), sleep=scripted_sleep([], 2)
        )
    assert reported == [("test-job work", 3), ("test-job idle", 3)]


# --- each job, through an outage -----------------------------------------------------------------


async def _until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 30.0) -> None:
    """Poll until `check()` holds: a bound on how long to wait, never a measure of speed."""
    for _ in range(int(seconds / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{what} within {seconds} s")


async def _through_an_outage(
    job: Coroutine[Any, Any, None], name: str, done: Callable[[], Awaitable[bool]], monkeypatch, caplog
) -> None:
    """Start the job with the database away; once it noticed, bring the database back; it must finish its work."""
    caplog.set_level(logging.INFO, logger=runner.__name__)
    noticed = f"{name}: database unavailable"
    with database_away(monkeypatch):
        task = asyncio.create_task(job)
        try:
            await _until(lambda: _logged(caplog, noticed), f"{name} noticed the outage")
            await asyncio.sleep(0.1)  # a few more failed steps
        except BaseException:
            task.cancel()
            raise
    try:
        await _until(done, f"{name} did its work after the database came back")
        await _until(lambda: _logged(caplog, f"{name}: database available again"), f"{name} logged the return")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert sum(noticed in r.getMessage() for r in caplog.records) == 1


async def _logged(caplog, text: str) -> bool:
    return any(text in r.getMessage() for r in caplog.records)


async def test_the_feed_relay_resumes_by_itself_after_an_outage(client, clock, monkeypatch, caplog):
    await create_reward(client, slug="hello", conditions=REACTION)
    await send_event(client, 1, "r", "reaction")
    await release_lease(RELAY_LEASE)  # the app's own relay (hourly in tests) took it at start-up

    async def entered() -> bool:
        return await collections.feed().count_documents({}) == 1

    await _through_an_outage(
        run_relay(INTERVAL, clock, RETENTION, owner="test"), RELAY_LEASE, entered, monkeypatch, caplog
    )


async def test_the_expiry_sweep_resumes_by_itself_after_an_outage(client, clock, monkeypatch, caplog):
    await create_reward(client, slug="flash", conditions=REACTION, claim_window_hours=1)
    await send_event(client, 1, "r", "reaction")
    clock.advance(hours=2)

    async def expired() -> bool:
        return await collections.user_rewards().count_documents({"status": "expired"}) == 1

    await _through_an_outage(run_sweeper(INTERVAL, clock), "expiry-sweep", expired, monkeypatch, caplog)


async def test_the_rarity_refresher_resumes_by_itself_after_an_outage(client, clock, monkeypatch, caplog):
    await create_reward(client, slug="hello", conditions=REACTION)
    await send_event(client, 1, "r", "reaction")
    holder = RarityHolder(RarityBoard(as_of=clock() - timedelta(days=1)))
    clock.advance(hours=2)  # the stored figures (from start-up) are due again

    async def refreshed() -> bool:
        return holder.board.for_slug("hello")["unlocked_share"] == 1.0

    await _through_an_outage(
        run_rarity_refresher(INTERVAL, clock, holder), "rarity-refresh", refreshed, monkeypatch, caplog
    )


async def test_the_webhook_sender_resumes_by_itself_after_an_outage(client, clock, monkeypatch, caplog):
    from tests.support.feed import relay_all

    await create_reward(client, slug="hello", conditions=REACTION)
    await send_event(client, 1, "r", "reaction")
    await relay_all(clock)
    sent: list[bytes] = []

    async def transport(body: bytes, headers: dict[str, str]) -> Attempt:
        sent.append(body)
        return Attempt(delivered=True)

    sender = WebhookSender(secret="whsec_" + "A" * 32, transport=transport, clock=clock, owner="test")

    async def delivered() -> bool:
        return len(sent) == 1

    await _through_an_outage(sender.run(INTERVAL), "webhook-sender", delivered, monkeypatch, caplog)
