"""The webhook sender job: every feed entry POSTed to the configured URL, signed, in feed order, at least once.

One instance at a time sends (lease `webhook-sender`, renewed before every attempt); the position
it delivered to is stored (`service/operations/webhooks.py`), so whichever instance holds the lease
continues where the last holder stopped. A failed attempt is retried with exponential backoff and
full jitter, never skipping ahead; only after GIVE_UP_AFTER of failures on one entry is that entry
given up (counted and logged), so one broken entry cannot stop the feed for good.

The HTTP call itself is a `Transport` handed in (`webhook_transport.py` POSTs with aiohttp to the
configured URL, the only URL it knows), so tests can also drive the sender against a real receiver.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from rewards_contract.errors import CursorExpired
from rewards_contract.feed import FeedEntryView
from rewards_contract.webhooks import sign

from service.jobs.runner import CommandReport, Step, run_job, running_task
from service.jobs.webhook_transport import Attempt, Transport, WebhookClient
from service.operations.feed import entry_view, read_feed
from service.operations.leases import INSTANCE_ID, hold_lease, release_lease
from service.operations.retries import backoff_delay
from service.operations.webhooks import ensure_state, record_delivered, record_failure, record_given_up, record_skipped
from service.settings import Settings
from service.usecases.runtime import Runtime

log = logging.getLogger(__name__)

LEASE_JOB = "webhook-sender"
GIVE_UP_AFTER = timedelta(hours=24)
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 600.0
BATCH = 100
_CLEAR_FAILURE = {"attempts": 0, "failing_since": None, "next_attempt_at": None}


def backoff_seconds(attempts: int, jitter: float) -> float:
    """Wait after the `attempts`-th failure in a row: full jitter over min(cap, base * 2**(attempts - 1)).

    `jitter` is uniform in [0, 1): instances retrying after one outage spread out instead of
    hitting the receiver together.
    """
    return jitter * backoff_delay(attempts, BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS)


def webhook_body(entry: dict[str, Any]) -> bytes:
    """A stored entry as the JSON the receiver gets: the feed's own view, datetimes in ISO 8601 with Z."""
    return FeedEntryView.model_validate(entry_view(entry)).model_dump_json().encode()


@dataclass
class WebhookSender:
    """Delivers the feed to one URL; `step` is one pass, `run` the background loop."""

    secret: str = field(repr=False)
    transport: Transport = field(repr=False)
    clock: Callable[[], datetime]
    lease: timedelta = timedelta(seconds=30)
    owner: str = INSTANCE_ID
    jitter: Callable[[], float] = random.random
    on_delivered: Callable[[], None] = lambda: None
    on_failed: Callable[[], None] = lambda: None
    on_given_up: Callable[[], None] = lambda: None
    # Entries this sender delivered so far.
    delivered: int = field(default=0, init=False)

    async def step(self) -> bool:
        """Deliver what is due, in order, while holding the lease; True when more may be waiting at once."""
        if not await hold_lease(LEASE_JOB, self.clock(), self.lease, self.owner):
            return False
        state = await ensure_state()
        if state["next_attempt_at"] is not None and state["next_attempt_at"] > self.clock():
            return False  # backing off
        try:
            entries = await read_feed(state["delivered_seq"], BATCH)
        except CursorExpired:
            await self._skip_to_oldest_kept(state["delivered_seq"])
            return True
        for entry in entries:
            # Renewed before each attempt: a holder that lost the lease stops here, not one entry later.
            if not await hold_lease(LEASE_JOB, self.clock(), self.lease, self.owner):
                return False
            attempt = await self.post(entry)
            if not attempt.delivered:
                # Backing off: stop here. Given up: the next entry may go at once (re-read first).
                return await self._failed(entry, state, attempt.error)
            if not await self._delivered(entry, state["delivered_seq"]):
                return False  # another holder moved the position: stop and re-read
            state = {**state, **_CLEAR_FAILURE, "delivered_seq": entry["seq"]}
        return len(entries) == BATCH

    async def post(self, entry: dict[str, Any]) -> Attempt:
        """POST one entry, signed now."""
        body = webhook_body(entry)
        timestamp = int(self.clock().timestamp())
        headers = {
            "content-type": "application/json",
            # The entry id: the same on every retry, so the receiver can drop a duplicate.
            "webhook-id": entry["entry_id"],
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self.secret, entry["entry_id"], timestamp, body),
        }
        return await self.transport(body, headers)

    async def _delivered(self, entry: dict[str, Any], previous: int) -> bool:
        # Conditional on the position read: a stale holder's update matches nothing.
        if not await record_delivered(entry, previous, self.clock()):
            return False
        self.delivered += 1
        self.on_delivered()
        return True

    async def _failed(self, entry: dict[str, Any], state: dict[str, Any], error: str | None) -> bool:
        now = self.clock()
        self.on_failed()
        failing_since = state["failing_since"] or now
        if now - failing_since >= GIVE_UP_AFTER:
            return await self._give_up(entry, state["delivered_seq"], error)
        attempts = state["attempts"] + 1
        retry_at = now + timedelta(seconds=backoff_seconds(attempts, self.jitter()))
        log.warning(
            "Webhook delivery of %s failed (attempt %d): %s; next attempt at %s",
            entry["entry_id"],
            attempts,
            error,
            retry_at.isoformat(),
        )
        await record_failure(state["delivered_seq"], attempts, failing_since, retry_at, error, now)
        return False

    async def _give_up(self, entry: dict[str, Any], previous: int, error: str | None) -> bool:
        given_up = await record_given_up(entry, previous, error, self.clock())
        if given_up:
            self.on_given_up()
            log.error(
                "Webhook delivery of %s given up after %s of failed attempts (cursor %d): %s",
                entry["entry_id"],
                GIVE_UP_AFTER,
                entry["seq"],
                error,
            )
        return given_up

    async def _skip_to_oldest_kept(self, position: int) -> None:
        """The retention deleted entries never sent (webhooks were off for days): go on from the oldest kept."""
        oldest = await read_feed(0, 1)
        if not oldest:
            return
        lost = oldest[0]["seq"] - 1 - position
        if await record_skipped(position, oldest[0]["seq"]):
            log.error(
                "Webhook sender: %d feed entries after cursor %d expired before delivery; going on from %d",
                lost,
                position,
                oldest[0]["seq"],
            )

    async def run(
        self,
        poll_seconds: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_commands: CommandReport | None = None,
    ) -> None:
        """Step until cancelled; a step that fails (the database away) backs off."""

        async def step() -> Step:
            delivered_before = self.delivered
            more = await self.step()
            return Step(0 if more else poll_seconds, worked=self.delivered > delivered_before)

        await run_job("webhook-sender", step, poll_seconds, on_commands=on_commands, sleep=sleep)


def lease_duration(settings: Settings) -> timedelta:
    """Long enough to outlast one attempt and a poll, short enough that a crashed sender is replaced soon."""
    return timedelta(seconds=3 * (settings.webhook_timeout_seconds + settings.webhook_poll_seconds))


@contextlib.asynccontextmanager
async def open_sender(
    settings: Settings, clock: Callable[[], datetime], **options: Any
) -> AsyncIterator[WebhookSender]:
    """A sender with one HTTP session for its lifetime; at exit the session closes and the lease is released."""
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("webhooks are not configured")
    async with aiohttp.ClientSession() as session:
        sender = WebhookSender(
            secret=settings.webhook_secret,
            transport=WebhookClient(settings.webhook_url, session, settings.webhook_timeout_seconds),
            clock=clock,
            lease=lease_duration(settings),
            **options,
        )
        try:
            yield sender
        finally:
            with contextlib.suppress(Exception):  # shutting down with the database away: the lease expires
                await release_lease(LEASE_JOB, sender.owner)


@contextlib.asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[None]:
    """POST the feed to the configured webhook while the service runs (one instance at a time); nothing when unset."""
    settings, metrics = runtime.settings, runtime.metrics
    if not settings.webhooks_enabled:
        yield
        return
    # The loop stops first, then leaving open_sender releases the lease and closes the HTTP session.
    async with (
        open_sender(
            settings,
            runtime.clock,
            on_delivered=metrics.webhook_deliveries.inc,
            on_failed=metrics.webhook_failures.inc,
            on_given_up=metrics.webhook_given_up.inc,
        ) as sender,
        running_task(sender.run(settings.webhook_poll_seconds, on_commands=metrics.record_commands), LEASE_JOB),
    ):
        yield
