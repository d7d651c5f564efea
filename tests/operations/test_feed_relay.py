"""The feed relay: outbox entries copied once, numbered without gaps, fenced against a second relay."""

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from service.db import collections
from service.http.app import init_app
from service.operations import feed_relay
from service.operations.feed_relay import RELAY_LEASE, relay_step, relay_while_leased
from service.operations.leases import release_lease
from tests.support.api import create_reward, send_event
from tests.support.environment import BOT
from tests.support.feed import RETENTION, relay_all

REACTION = [{"condition_type": "first_reaction"}]


async def _relay_step_killed_in(step_part, monkeypatch, clock) -> None:
    """One relay step whose process dies when it reaches `step_part` (its writes before stay)."""

    async def die(*args, **kwargs):
        raise RuntimeError(f"killed in {step_part.__name__}")

    with monkeypatch.context() as patch:
        patch.setattr(feed_relay, step_part.__name__, die)
        with pytest.raises(RuntimeError):
            await relay_step(clock(), RETENTION)


async def _outboxes() -> int:
    return await collections.user_rewards().count_documents({"feed_outbox.0": {"$exists": True}})


async def test_a_relay_step_enters_each_waiting_entry_once_and_empties_the_outboxes(client, clock):
    await create_reward(client, slug="hello", conditions=REACTION)
    for user in (1, 2, 3):
        await send_event(client, user, "r", "reaction")
    assert await _outboxes() == 3
    assert await relay_step(clock(), RETENTION) == 3
    assert await _outboxes() == 0
    assert await relay_step(clock(), RETENTION) == 0
    assert sorted(doc["seq"] for doc in await collections.feed().find({}).to_list(None)) == [1, 2, 3]


async def test_a_relay_that_died_before_emptying_the_outbox_enters_nothing_twice(client, clock, monkeypatch):
    await create_reward(client, slug="hello", conditions=REACTION)
    await send_event(client, 1, "r", "reaction")

    await _relay_step_killed_in(feed_relay._clear_outboxes, monkeypatch, clock)  # after the feed insert
    assert await _outboxes() == 1  # still waiting: the next step finishes it
    assert await relay_step(clock(), RETENTION) == 0  # already entered: only the clean-up is left to do
    assert await _outboxes() == 0
    assert await collections.feed().count_documents({}) == 1


async def test_numbering_continues_after_the_retention_emptied_the_feed(client, clock):
    await create_reward(client, slug="hello", conditions=REACTION)
    await send_event(client, 1, "r", "reaction")
    await relay_all(clock)
    await collections.feed().delete_many({})  # the TTL index after a quiet week
    await send_event(client, 2, "r", "reaction")
    await relay_all(clock)
    assert [doc["seq"] for doc in await collections.feed().find({}).to_list(None)] == [2]


async def test_only_the_lease_holder_relays(client, clock):
    await create_reward(client, slug="hello", conditions=REACTION)
    await send_event(client, 1, "r", "reaction")
    await release_lease(RELAY_LEASE)  # the app's own relay took it at start-up
    lease = timedelta(seconds=30)
    assert await relay_while_leased(clock(), RETENTION, lease, owner="a") == 1
    await send_event(client, 2, "r", "reaction")
    assert await relay_while_leased(clock(), RETENTION, lease, owner="b") is None  # "a" holds it
    clock.advance(seconds=31)  # "a" crashed: its lease runs out
    assert await relay_while_leased(clock(), RETENTION, lease, owner="b") == 1


async def test_the_embedded_service_relays_by_itself_soon_after_a_change(aiohttp_client, settings, clock):
    client = await aiohttp_client(init_app(replace(settings, feed_relay_seconds=0.01), clock=clock))
    await create_reward(client, slug="hello", conditions=REACTION)
    await send_event(client, 7, "r", "reaction")
    for _ in range(500):
        entries = (await (await client.get("/v1/feed", headers=BOT)).json())["entries"]
        if entries:
            break
        await asyncio.sleep(0.01)
    assert [(e["type"], e["user_id"]) for e in entries] == [("reward_unlocked", 7)]


async def test_a_step_that_died_before_counting_its_numbers_is_corrected_by_the_next(client, clock, monkeypatch):
    await create_reward(client, slug="hello", conditions=REACTION)
    await send_event(client, 1, "r", "reaction")

    await _relay_step_killed_in(feed_relay._record_last, monkeypatch, clock)  # after the feed insert
    await send_event(client, 2, "r", "reaction")
    await relay_all(clock)  # the first try collides with number 1, counts it, then numbers on from 2
    assert sorted((doc["seq"], doc["user_id"]) for doc in await collections.feed().find({}).to_list(None)) == [
        (1, 1),
        (2, 2),
    ]


@pytest.mark.parametrize("paused", ["before reading the last number", "after reading the last number"])
async def test_a_holder_cut_off_while_its_lease_passed_on_does_no_harm_when_it_comes_back(
    client, clock, monkeypatch, paused
):
    await create_reward(client, slug="hello", conditions=REACTION)
    for user in (1, 2):
        await send_event(client, user, "r", "reaction")
    await release_lease(RELAY_LEASE)  # the app's own relay took it at start-up
    lease = timedelta(seconds=5)
    cut_off, back = asyncio.Event(), asyncio.Event()
    read_last = feed_relay.counted_last_seq

    async def stalled_read() -> int:
        if paused == "after reading the last number":
            number = await read_last()
            cut_off.set()
            await back.wait()
            return number
        cut_off.set()
        await back.wait()
        return await read_last()

    monkeypatch.setattr(feed_relay, "counted_last_seq", stalled_read)
    stale = asyncio.create_task(relay_while_leased(clock(), RETENTION, lease, owner="a"))
    await cut_off.wait()  # "a" read the waiting entries, then lost the database for a while
    monkeypatch.setattr(feed_relay, "counted_last_seq", read_last)
    clock.advance(seconds=6)  # its lease ran out meanwhile: "b" takes over and relays everything
    assert await relay_while_leased(clock(), RETENTION, lease, owner="b") == 2
    await send_event(client, 3, "r", "reaction")
    assert await relay_while_leased(clock(), RETENTION, lease, owner="b") == 1
    back.set()  # "a" comes back and goes on with what it read
    with pytest.raises(feed_relay.NumbersTaken):  # fenced by the unique entry ids and numbers
        await stale
    feed = await collections.feed().find({}).sort("seq", 1).to_list(None)
    assert [(doc["seq"], doc["user_id"]) for doc in feed] == [(1, 1), (2, 2), (3, 3)]
    assert await _outboxes() == 0
