"""The webhook sender: every feed entry POSTed to the configured URL, signed, in feed order, at least once.

One instance at a time sends (lease `webhook-sender`, renewed before every attempt). The position
(`delivered_seq`) lives in the database, so whichever instance holds the lease continues where the
last holder stopped. A failed attempt is retried with exponential backoff and full jitter, never
skipping ahead; only after GIVE_UP_AFTER of failures on one entry is that entry given up (counted
and logged), so one broken entry cannot stop the feed for good.

The HTTP call itself is a `Transport` handed in (`service/http/webhook_client.py` POSTs with
aiohttp to the configured URL, the only URL it knows), so this module decides and records, and
tests can also drive it against a real receiver.
"""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError
from rewards_contract.errors import CursorExpired
from rewards_contract.feed import FeedEntryView
from rewards_contract.webhooks import sign

from documents import WEBHOOK_STATE_ID
from service.db import collections
from service.operations.background import CommandReport, Step, run_job
from service.operations.feed import entry_view, last_seq, read_feed
from service.operations.leases import INSTANCE_ID, hold_lease

log = logging.getLogger(__name__)

LEASE_JOB = "webhook-sender"
GIVE_UP_AFTER = timedelta(hours=24)
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 600.0
BATCH = 100

STATE_DEFAULTS: dict[str, Any] = {
    "delivered_seq": 0,
    "attempts": 0,
    "failing_since": None,
    "next_attempt_at": None,
    "last_error": None,
    "last_error_at": None,
    "last_delivered_id": None,
    "last_delivered_seq": None,
    "last_delivered_at": None,
    "given_up": 0,
}
# What a success or a give-up resets: the next entry starts with a clean slate.
_CLEAR_FAILURE = {"attempts": 0, "failing_since": None, "next_attempt_at": None}


def backoff_seconds(attempts: int, jitter: float) -> float:
    """Wait after the `attempts`-th failure in a row: full jitter over min(cap, base * 2**(attempts - 1)).

    `jitter` is uniform in [0, 1): instances retrying after one outage spread out instead of
    hitting the receiver together.
    """
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 30))
    return jitter * ceiling


def webhook_body(entry: dict[str, Any]) -> bytes:
    """A stored entry as the JSON the receiver gets: the feed's own view, datetimes in ISO 8601 with Z."""
    return FeedEntryView.model_validate(entry_view(entry)).model_dump_json().encode()


async def load_state() -> dict[str, Any]:
    """The stored state, with defaults for what was never written (no document yet: nothing sent)."""
    stored = await collections.webhook_deliveries().find_one({"_id": WEBHOOK_STATE_ID}) or {}
    return {**STATE_DEFAULTS, **stored}


async def _ensure_state() -> dict[str, Any]:
    """The stored state, written with its defaults the first time (later steps only read)."""
    stored = await collections.webhook_deliveries().find_one({"_id": WEBHOOK_STATE_ID})
    if stored is not None:
        return {**STATE_DEFAULTS, **stored}
    try:
        await collections.webhook_deliveries().update_one(
            {"_id": WEBHOOK_STATE_ID}, {"$setOnInsert": STATE_DEFAULTS}, upsert=True
        )
    except DuplicateKeyError:  # another (stale) holder inserted it at the same moment: it exists
        pass
    return await load_state()


async def delivery_status() -> dict[str, Any]:
    """The stored state plus the backlog: entries numbered after the position."""
    state = await load_state()
    return {**state, "backlog": max(0, await last_seq() - state["delivered_seq"])}


@dataclass
class Attempt:
    """What one POST came to: delivered, or why not (never the headers or the secret)."""

    delivered: bool
    error: str | None = None


# POSTs a body with these headers to the configured URL.
Transport = Callable[[bytes, dict[str, str]], Awaitable[Attempt]]


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
        state = await _ensure_state()
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
        now = self.clock()
        # Conditional on the position read: a stale holder's update matches nothing, so the
        # position never moves twice or backwards. (`previous` is entry seq - 1, except on a first
        # start, when the feed's oldest kept entry may come later than 1.)
        moved = await collections.webhook_deliveries().update_one(
            {"_id": WEBHOOK_STATE_ID, "delivered_seq": previous},
            {
                "$set": {
                    "delivered_seq": entry["seq"],
                    **_CLEAR_FAILURE,
                    "last_delivered_id": entry["entry_id"],
                    "last_delivered_seq": entry["seq"],
                    "last_delivered_at": now,
                }
            },
        )
        if moved.modified_count == 1:
            self.delivered += 1
            self.on_delivered()
        return moved.modified_count == 1

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
        await collections.webhook_deliveries().update_one(
            {"_id": WEBHOOK_STATE_ID, "delivered_seq": state["delivered_seq"]},
            {
                "$set": {
                    "attempts": attempts,
                    "failing_since": failing_since,
                    "next_attempt_at": retry_at,
                    "last_error": error,
                    "last_error_at": now,
                }
            },
        )
        return False

    async def _give_up(self, entry: dict[str, Any], previous: int, error: str | None) -> bool:
        now = self.clock()
        moved = await collections.webhook_deliveries().update_one(
            {"_id": WEBHOOK_STATE_ID, "delivered_seq": previous},
            {
                "$set": {"delivered_seq": entry["seq"], **_CLEAR_FAILURE, "last_error": error, "last_error_at": now},
                "$inc": {"given_up": 1},
            },
        )
        if moved.modified_count == 1:
            self.on_given_up()
            log.error(
                "Webhook delivery of %s given up after %s of failed attempts (cursor %d): %s",
                entry["entry_id"],
                GIVE_UP_AFTER,
                entry["seq"],
                error,
            )
        return moved.modified_count == 1

    async def _skip_to_oldest_kept(self, position: int) -> None:
        """The retention deleted entries never sent (webhooks were off for days): go on from the oldest kept."""
        oldest = await read_feed(0, 1)
        if not oldest:
            return
        lost = oldest[0]["seq"] - 1 - position
        moved = await collections.webhook_deliveries().update_one(
            {"_id": WEBHOOK_STATE_ID, "delivered_seq": position},
            {"$set": {"delivered_seq": oldest[0]["seq"] - 1, **_CLEAR_FAILURE}, "$inc": {"given_up": lost}},
        )
        if moved.modified_count == 1:
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
