"""Webhooks through the running service: the background sender, GET /v1/webhooks/status, the metrics."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from service.db import collections
from service.http.app import init_app
from service.jobs import webhook_sender
from service.jobs.webhook_sender import LEASE_JOB
from service.operations.leases import release_lease
from service.settings import Settings
from tests.api.test_metrics import sample
from tests.support.environment import ADMIN, BOT, drop_database
from tests.support.factories import reward_payload
from tests.support.webhooks import (
    SECRET,
    entry_id,
    insert_feed_entries,
)


@pytest.fixture
async def start(aiohttp_client, clock) -> AsyncIterator[Any]:
    """Starts the service with these settings; closes it and drops its database at the end."""
    started: list[tuple[Any, Settings]] = []

    async def starting(settings: Settings) -> Any:
        client = await aiohttp_client(init_app(settings, clock=clock))
        started.append((client, settings))
        return client

    yield starting
    for client, settings in started:
        await client.close()
        await drop_database(settings)


def with_webhook(settings: Settings, url: str, **overrides: Any) -> Settings:
    return replace(settings, webhook_url=url, webhook_secret=SECRET, **overrides)


async def status(client: Any) -> dict[str, Any]:
    response = await client.get("/v1/webhooks/status", headers=ADMIN)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_running_service_delivers_new_feed_entries_in_order(start, settings, clock, receiver):
    receiver.answer = lambda number, _: 500 if number == 1 else 200
    client = await start(with_webhook(settings, receiver.url, webhook_poll_seconds=0.02))

    await insert_feed_entries(1, 4, clock.now)
    for _ in range(500):  # the first attempt fails: move the clock past its backoff
        # Accepted by the receiver, then recorded by the sender (after the answer arrived).
        if len(receiver.accepted_ids) == 4 and (await status(client))["backlog"] == 0:
            break
        clock.advance(seconds=1)
        await asyncio.sleep(0.01)

    assert receiver.accepted_ids == [entry_id(seq) for seq in range(1, 5)]
    assert (await status(client))["backlog"] == 0


async def test_real_changes_reach_the_receiver_through_the_relay_in_feed_order(start, settings, clock, receiver):
    """End to end: the bot's calls change state, the relay enters the changes, the sender posts them.

    The receiver is down (500) for its first three requests, then answers 200: it still gets every
    entry, in feed order, each signed as the specification says.
    """
    receiver.answer = lambda number, _: 500 if number <= 3 else 200
    client = await start(with_webhook(settings, receiver.url, webhook_poll_seconds=0.02, feed_relay_seconds=0.02))
    created = await client.post(
        "/v1/rewards",
        json=reward_payload(slug="hello", conditions=[{"condition_type": "first_reaction"}]),
        headers=ADMIN,
    )
    assert created.status == 201
    for user in (1, 2):
        event = await client.post(f"/v1/users/{user}/events", json={"event_id": "r", "type": "reaction"}, headers=BOT)
        assert event.status == 200
    claimed = await client.post("/v1/users/1/rewards/hello/claim", headers=BOT)
    assert claimed.status == 200
    for _ in range(1000):
        if len(receiver.accepted_ids) == 3:
            break
        clock.advance(seconds=1)  # past each backoff
        await asyncio.sleep(0.01)

    feed = (await (await client.get("/v1/feed", headers=BOT)).json())["entries"]
    assert [entry["type"] for entry in feed] == ["reward_unlocked", "reward_unlocked", "grant_created"]
    assert receiver.accepted_ids == [entry["id"] for entry in feed]
    delivered = [r.payload for r in receiver.requests if r.status == 200]
    assert [(p["type"], p["user_id"], p["cursor"]) for p in delivered] == [
        (e["type"], e["user_id"], e["cursor"]) for e in feed
    ]
    assert set(receiver.attempted_ids[:3]) == {feed[0]["id"]}  # never skipped ahead while failing


async def test_the_sender_releases_its_lease_at_shutdown_before_the_database_closes(
    start, settings, receiver, monkeypatch
):
    released: list[tuple[str, bool]] = []

    async def release_and_record(job: str, owner: str) -> None:
        held = await collections.leases().find_one({"_id": job, "owner": owner}) is not None
        await release_lease(job, owner)
        released.append((job, held and await collections.leases().find_one({"_id": job}) is None))

    monkeypatch.setattr(webhook_sender, "release_lease", release_and_record)
    client = await start(with_webhook(settings, receiver.url, webhook_poll_seconds=0.02))
    for _ in range(200):
        if await collections.leases().find_one({"_id": LEASE_JOB}):
            break
        await asyncio.sleep(0.01)

    await client.close()

    assert released == [(LEASE_JOB, True)], "held while serving, gone after shutdown"


async def test_status_answers_the_stored_figures_and_the_masked_url(start, settings, clock):
    url = "https://bot:hunter2@bot.example/hook?token=hunter2"
    # An hour between polls: the background sender stays out of the way of the figures written here.
    client = await start(with_webhook(settings, url, webhook_poll_seconds=3600))
    await insert_feed_entries(1, 5, clock.now)
    await collections.webhook_deliveries().update_one(
        {"_id": "webhook"},
        {
            "$set": {
                "delivered_seq": 2,
                "last_delivered_id": entry_id(2),
                "last_delivered_seq": 2,
                "last_delivered_at": clock.now,
                "attempts": 3,
                "failing_since": clock.now,
                "last_error": "HTTP 502 Bad Gateway",
                "last_error_at": clock.now,
                "next_attempt_at": clock.now,
                "given_up": 1,
            }
        },
        upsert=True,
    )

    answer = await status(client)

    assert answer["enabled"] is True
    assert answer["url"] == "https://bot.example/…"
    assert (answer["last_delivered"]["id"], answer["last_delivered"]["cursor"]) == (entry_id(2), "2")
    assert (answer["delivered_cursor"], answer["backlog"], answer["attempts"], answer["given_up"]) == ("2", 3, 3, 1)
    assert answer["last_error"] == "HTTP 502 Bad Gateway"
    assert answer["next_attempt_at"] is not None
    assert "hunter2" not in str(answer)


async def test_status_without_webhooks_says_disabled_and_counts_everything_as_backlog(start, settings, clock):
    client = await start(settings)
    await insert_feed_entries(1, 2, clock.now)

    answer = await status(client)

    assert (answer["enabled"], answer["url"], answer["last_delivered"], answer["backlog"]) == (False, None, None, 2)


async def test_status_is_for_admins_only(start, settings):
    client = await start(settings)

    assert (await client.get("/v1/webhooks/status", headers=BOT)).status == 403
    assert (await client.get("/v1/webhooks/status")).status == 401


async def test_metrics_count_deliveries_and_failures_and_show_the_backlog(start, settings, clock, receiver):
    receiver.answer = lambda number, _: 500 if number == 1 else 200
    client = await start(with_webhook(settings, receiver.url, webhook_poll_seconds=0.02))
    await insert_feed_entries(1, 2, clock.now)
    for _ in range(500):
        if len(receiver.accepted_ids) == 2 and (await status(client))["backlog"] == 0:
            break
        clock.advance(seconds=1)
        await asyncio.sleep(0.01)

    text = await (await client.get("/metrics")).text()

    assert sample(text, "rewards_webhook_deliveries_total") == 2
    assert sample(text, "rewards_webhook_failures_total") == 1
    assert sample(text, "rewards_webhook_backlog") == 0
