"""The webhook sender: every feed entry reaches a real receiver, signed, in feed order, at least once.

The receiver is its own aiohttp server on 127.0.0.1 and checks every signature with the
`standardwebhooks` library. Time is the test's FakeClock: backoff is skipped by moving the clock to
the stored `next_attempt_at`, never by waiting.
"""

import asyncio
import itertools
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from rewards_contract.webhooks import verify_webhook

from service.db import collections
from service.jobs import webhook_sender, webhook_transport
from service.jobs.webhook_sender import BACKOFF_CAP_SECONDS, LEASE_JOB, backoff_seconds, open_sender
from service.operations.webhooks import load_state
from service.settings import Settings
from tests.support.environment import FakeClock
from tests.support.webhooks import (
    SECRET,
    Receiver,
    entry_id,
    insert_feed_entries,
    start_receiver,
)


def configured(settings: Settings, receiver: Receiver, **overrides: Any) -> Settings:
    return replace(settings, webhook_url=receiver.url, webhook_secret=SECRET, webhook_timeout_seconds=5, **overrides)


async def deliver_everything(
    sender: webhook_sender.WebhookSender, clock: FakeClock, up_to_seq: int, steps: int = 200
) -> None:
    """Step the sender, jumping the clock over each backoff, until the position reaches `up_to_seq`."""
    for _ in range(steps):
        state = await load_state()
        if state["delivered_seq"] >= up_to_seq:
            return
        if state["next_attempt_at"] is not None and state["next_attempt_at"] > clock.now:
            clock.now = state["next_attempt_at"]
        await sender.step()
    raise AssertionError(f"not delivered after {steps} steps: {await load_state()}")


# --- order and at-least-once ---------------------------------------------------------------------


async def test_a_receiver_failing_for_a_while_gets_every_entry_in_feed_order_when_it_recovers(
    database, settings, clock, receiver
):
    receiver.answer = lambda number, _: 500 if number <= 3 else 200
    await insert_feed_entries(1, 5, clock.now)

    async with open_sender(configured(settings, receiver), clock) as sender:
        await deliver_everything(sender, clock, up_to_seq=5)

    assert receiver.attempted_ids == [entry_id(1)] * 4 + [entry_id(seq) for seq in range(2, 6)]
    assert receiver.accepted_ids == [entry_id(seq) for seq in range(1, 6)]
    assert all(request.payload is not None for request in receiver.requests), "every signature verifies"


async def test_no_entry_is_skipped_while_the_receiver_keeps_failing(database, settings, clock, receiver):
    receiver.answer = lambda number, _: 503
    await insert_feed_entries(1, 3, clock.now)

    async with open_sender(configured(settings, receiver), clock) as sender:
        for _ in range(6):
            await sender.step()
            clock.now = (await load_state())["next_attempt_at"]

    state = await load_state()
    assert set(receiver.attempted_ids) == {entry_id(1)}
    assert (state["delivered_seq"], state["attempts"]) == (0, 6)
    assert state["last_error"] == "HTTP 503 Service Unavailable"


async def test_nothing_is_sent_before_the_next_attempt_is_due(database, settings, clock, receiver):
    receiver.answer = lambda number, _: 500
    await insert_feed_entries(1, 1, clock.now)

    async with open_sender(configured(settings, receiver), clock) as sender:
        await sender.step()
        await sender.step()  # the clock has not moved: still backing off

    assert len(receiver.requests) == 1
    assert (await load_state())["next_attempt_at"] >= clock.now


async def test_every_retry_carries_the_entry_id_as_webhook_id_and_a_fresh_signature(
    database, settings, clock, receiver
):
    receiver.answer = lambda number, _: 500 if number == 1 else 200
    await insert_feed_entries(1, 1, clock.now)

    async with open_sender(configured(settings, receiver), clock) as sender:
        await deliver_everything(sender, clock, up_to_seq=1)

    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == entry_id(1)
    assert second.headers["content-type"] == "application/json"
    assert second.payload is not None


async def test_the_body_is_the_feed_entry_as_the_feed_answers_it(database, settings, clock, receiver):
    await insert_feed_entries(1, 1, clock.now)

    async with open_sender(configured(settings, receiver), clock) as sender:
        await sender.step()

    [request] = receiver.requests
    assert set(request.payload) == {"id", "type", "user_id", "reward_slug", "at", "data", "cursor"}
    assert (request.payload["id"], request.payload["cursor"], request.payload["type"]) == (
        entry_id(1),
        "1",
        "grant_created",
    )
    assert request.payload["at"].endswith("Z")
    assert request.payload["data"]["claimed_at"].endswith("Z")


async def test_a_success_records_the_last_delivered_entry_and_clears_the_failure(database, settings, clock, receiver):
    receiver.answer = lambda number, _: 500 if number == 1 else 200
    await insert_feed_entries(1, 2, clock.now)

    async with open_sender(configured(settings, receiver), clock) as sender:
        await deliver_everything(sender, clock, up_to_seq=2)

    state = await load_state()
    assert (state["last_delivered_id"], state["last_delivered_seq"]) == (entry_id(2), 2)
    assert (state["attempts"], state["failing_since"], state["next_attempt_at"]) == (0, None, None)
    assert state["last_error"] == "HTTP 500 Internal Server Error"  # kept: when things last went wrong


# --- what counts as a failure ---------------------------------------------------------------------


async def test_a_receiver_that_does_not_answer_in_time_is_a_failure_to_retry(database, settings, clock, aiohttp_server):
    release = asyncio.Event()

    async def never_in_time(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", never_in_time)
    server = await aiohttp_server(app, host="127.0.0.1")
    await insert_feed_entries(1, 1, clock.now)
    slow = replace(
        settings, webhook_url=str(server.make_url("/hook")), webhook_secret=SECRET, webhook_timeout_seconds=0.2
    )

    async with open_sender(slow, clock) as sender:
        await sender.step()
    release.set()

    state = await load_state()
    assert (state["delivered_seq"], state["attempts"]) == (0, 1)
    assert "Timeout" in state["last_error"]


async def test_an_unreachable_receiver_is_a_failure_to_retry(database, settings, clock, unused_tcp_port_factory):
    await insert_feed_entries(1, 1, clock.now)
    unreachable = replace(
        settings, webhook_url=f"http://127.0.0.1:{unused_tcp_port_factory()}/hook", webhook_secret=SECRET
    )

    async with open_sender(unreachable, clock) as sender:
        await sender.step()

    state = await load_state()
    assert state["delivered_seq"] == 0
    assert state["last_error"].startswith("ClientConnectorError")


async def test_a_redirect_is_not_followed_only_the_configured_url_is_ever_called(
    database, settings, clock, aiohttp_server
):
    elsewhere: list[str] = []

    async def redirect(request):
        raise web.HTTPTemporaryRedirect("/elsewhere")

    async def other(request):
        elsewhere.append(request.path)
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", redirect)
    app.router.add_post("/elsewhere", other)
    server = await aiohttp_server(app, host="127.0.0.1")
    await insert_feed_entries(1, 1, clock.now)

    async with open_sender(
        replace(settings, webhook_url=str(server.make_url("/hook")), webhook_secret=SECRET), clock
    ) as sender:
        await sender.step()

    assert elsewhere == []
    assert (await load_state())["last_error"] == "HTTP 307 Temporary Redirect"


async def test_the_answer_is_read_up_to_the_size_limit_only():
    class EndlessAnswer:
        served = 0

        async def read(self, n: int) -> bytes:
            chunk = b"x" * min(n, 1000)
            self.served += len(chunk)
            return chunk

    answer, limit = EndlessAnswer(), webhook_transport.MAX_ANSWER_BYTES
    read = await webhook_transport.read_at_most(answer, limit)  # type: ignore[arg-type]  # a stand-in: only read()

    assert read == answer.served == limit


async def test_a_receiver_answering_an_endless_body_still_counts_as_delivered(
    database, settings, clock, aiohttp_server
):
    async def endless(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        for _ in range(64):  # 64 MiB offered; the sender takes 64 KiB and hangs up
            await response.write(b"x" * 2**20)
        return response

    app = web.Application()
    app.router.add_post("/hook", endless)
    server = await aiohttp_server(app, host="127.0.0.1")
    await insert_feed_entries(1, 1, clock.now)

    async with open_sender(
        replace(settings, webhook_url=str(server.make_url("/hook")), webhook_secret=SECRET), clock
    ) as sender:
        await sender.step()

    assert (await load_state())["delivered_seq"] == 1


# --- backoff (pure) --------------------------------------------------------------------------------


def test_the_backoff_ceiling_doubles_with_each_failure_up_to_the_cap():
    ceilings = [backoff_seconds(attempts, jitter=0.999999) for attempts in range(1, 15)]

    assert ceilings[:4] == pytest.approx([1, 2, 4, 8], rel=1e-5)
    assert all(later >= earlier for earlier, later in itertools.pairwise(ceilings))
    assert max(ceilings) == pytest.approx(BACKOFF_CAP_SECONDS, rel=1e-5)
    assert backoff_seconds(10_000, jitter=0.999999) == pytest.approx(BACKOFF_CAP_SECONDS, rel=1e-5)


def test_the_backoff_is_jittered_over_the_whole_range_below_the_ceiling():
    assert backoff_seconds(5, jitter=0.0) == 0
    assert backoff_seconds(5, jitter=0.25) == 4
    assert backoff_seconds(5, jitter=0.5) == 8


async def test_the_stored_next_attempt_uses_the_jitter(database, settings, clock, receiver):
    receiver.answer = lambda number, _: 500
    await insert_feed_entries(1, 1, clock.now)

    async with open_sender(configured(settings, receiver), clock, jitter=lambda: 0.5) as sender:
        await sender.step()
        clock.now = (await load_state())["next_attempt_at"]
        await sender.step()
        second_failure_at = clock.now

    assert (await load_state())["next_attempt_at"] - second_failure_at == timedelta(seconds=1)  # 0.5 * 2


# --- giving up after 24 hours ------------------------------------------------------------------------


async def test_after_24_hours_of_failure_one_entry_is_given_up_counted_logged_and_the_next_ones_go(
    database, settings, clock, aiohttp_server, caplog
):
    # The receiver refuses entry 1 only; it checks signatures against the moving FakeClock.
    receiver = await start_receiver(
        aiohttp_server,
        Receiver(
            answer=lambda number, webhook_id: 500 if webhook_id == entry_id(1) else 200,
            verify=lambda body, headers: verify_webhook(headers, body, SECRET, now=clock.now),
        ),
    )
    await insert_feed_entries(1, 3, clock.now)
    caplog.set_level(logging.ERROR, logger="service.jobs.webhook_sender")

    async with open_sender(configured(settings, receiver), clock) as sender:
        await sender.step()
        clock.advance(hours=23, minutes=59)
        await sender.step()  # still within 24 hours: retried, not given up
        assert (await load_state())["delivered_seq"] == 0
        clock.advance(minutes=2)
        await deliver_everything(sender, clock, up_to_seq=3)

    state = await load_state()
    assert state["given_up"] == 1
    assert receiver.accepted_ids == [entry_id(2), entry_id(3)]
    assert state["last_delivered_id"] == entry_id(3)
    assert any(entry_id(1) in record.getMessage() for record in caplog.records if record.levelno == logging.ERROR)


async def test_a_first_start_sends_from_the_oldest_entry_the_feed_still_holds(database, settings, clock, receiver):
    await insert_feed_entries(5, 7, clock.now)  # 1..4 expired before webhooks were turned on

    async with open_sender(configured(settings, receiver), clock) as sender:
        await deliver_everything(sender, clock, up_to_seq=7)

    assert receiver.accepted_ids == [entry_id(seq) for seq in (5, 6, 7)]
    assert (await load_state())["given_up"] == 0


async def test_entries_deleted_by_retention_before_delivery_are_counted_as_given_up(
    database, settings, clock, receiver
):
    await insert_feed_entries(5, 7, clock.now)  # 1..4 are gone (retention); the receiver had 1 and 2
    await collections.webhook_deliveries().insert_one({"_id": "webhook", "delivered_seq": 2})

    async with open_sender(configured(settings, receiver), clock) as sender:
        await deliver_everything(sender, clock, up_to_seq=7)

    assert receiver.accepted_ids == [entry_id(seq) for seq in (5, 6, 7)]
    assert (await load_state())["given_up"] == 2


# --- one sender at a time ------------------------------------------------------------------------------


async def test_only_the_lease_holder_sends(database, settings, clock, receiver):
    await insert_feed_entries(1, 2, clock.now)
    config = configured(settings, receiver)

    async with open_sender(config, clock, owner="instance-a") as a, open_sender(config, clock, owner="instance-b") as b:
        await a.step()
        await insert_feed_entries(3, 4, clock.now)
        await b.step()  # a holds the lease: b sends nothing
        await a.step()

    assert receiver.accepted_ids == [entry_id(seq) for seq in range(1, 5)]
    assert len(receiver.requests) == 4, "no entry was sent twice"


async def test_a_crashed_senders_lease_expires_and_another_continues_from_the_stored_position(
    database, settings, clock, receiver
):
    await insert_feed_entries(1, 2, clock.now)
    config = configured(settings, receiver)

    async with open_sender(config, clock, owner="instance-a") as a, open_sender(config, clock, owner="instance-b") as b:
        await a.step()  # delivers 1 and 2, then "crashes": it never steps again
        await insert_feed_entries(3, 5, clock.now)
        await b.step()
        assert len(receiver.requests) == 2, "the crashed holder's lease has not expired yet"
        clock.now += a.lease
        await b.step()

    assert receiver.accepted_ids == [entry_id(seq) for seq in range(1, 6)]
    assert (await collections.leases().find_one({"_id": LEASE_JOB})) is None, "released at exit"


async def test_two_instances_running_side_by_side_send_each_entry_once(database, settings, clock, receiver):
    await insert_feed_entries(1, 10, clock.now)
    config = configured(settings, receiver)

    async def briefly(_: float) -> None:
        await asyncio.sleep(0.005)

    async with open_sender(config, clock, owner="instance-a") as a, open_sender(config, clock, owner="instance-b") as b:
        loops = [asyncio.create_task(sender.run(0.005, sleep=briefly)) for sender in (a, b)]
        try:
            for _ in range(1000):
                if len(receiver.requests) >= 10 and (await load_state())["delivered_seq"] == 10:
                    break
                await asyncio.sleep(0.005)
        finally:
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    assert receiver.attempted_ids == [entry_id(seq) for seq in range(1, 11)]


async def test_a_holder_that_lost_its_lease_cannot_move_the_position_back_or_twice(database, settings, clock, receiver):
    await insert_feed_entries(1, 1, clock.now)

    async with open_sender(configured(settings, receiver), clock) as sender:
        await sender.step()
        # A stale holder acting on what it read before: its conditional update matches nothing.
        assert not await sender._delivered({"entry_id": entry_id(1), "seq": 1}, previous=0)

    assert (await load_state())["delivered_seq"] == 1


# --- the secret --------------------------------------------------------------------------------------------


async def test_the_secret_never_appears_in_logs_or_reprs(database, settings, clock, receiver, caplog):
    receiver.answer = lambda number, _: 500 if number <= 2 else 200
    await insert_feed_entries(1, 3, clock.now)
    caplog.set_level(logging.DEBUG)
    config = configured(settings, receiver)

    async with open_sender(config, clock) as sender:
        await deliver_everything(sender, clock, up_to_seq=3)
        shown = repr(sender) + repr(config)

    key = SECRET.removeprefix("whsec_")
    assert caplog.records, "the failures were logged"
    assert key not in caplog.text
    assert key not in shown
    assert not any(key in str(record.args) for record in caplog.records)
