"""No gaps for a follower: concurrent writers and relays, and a follower that ends with exactly the changes made.

Requests run concurrently on the real app while two relays (two instances' owners, plus raw steps
that ignore the lease) number entries and a follower reads with its cursor the whole time. At the
end the follower must hold every change exactly once, in cursor order, and nothing else.
"""

import asyncio
import contextlib
from datetime import timedelta

from service.db import collections
from service.engine.feed_entries import unlocked_entry
from service.jobs.feed_relay import run_relay
from service.operations.feed_relay import (
    RELAY_LEASE,
    NumbersTaken,
    relay_step,
)
from service.operations.leases import release_lease
from tests.support.api import create_reward
from tests.support.environment import ADMIN, BOT
from tests.support.feed import feed_page, relay_all

USERS = range(1, 21)
RETENTION = timedelta(days=7)


async def _activity(client, user_id: int) -> None:
    """One user's changes: an unlock, a claim (grant), an ack, and for even users a revocation."""
    response = await client.post(
        f"/v1/users/{user_id}/events", json={"event_id": f"r{user_id}", "type": "reaction"}, headers=BOT
    )
    assert response.status == 200, await response.text()
    claimed = await client.post(f"/v1/users/{user_id}/rewards/first-reaction/claim", headers=BOT)
    assert claimed.status == 200, await claimed.text()
    grant_id = (await claimed.json())["grant_id"]
    assert (await client.post(f"/v1/grants/{grant_id}/ack", headers=BOT)).status == 200
    if user_id % 2 == 0:
        revoked = await client.post(f"/v1/grants/{grant_id}/revoke", json={"reason": "test"}, headers=ADMIN)
        assert revoked.status == 200, await revoked.text()


async def _expected_entry_ids() -> set[str]:
    """The changes the data says happened, named as their entries are."""
    ids = set()
    async for state in collections.user_rewards().find({}):
        ids.add(
            unlocked_entry(state["user_id"], state["reward_slug"], state["unlocked_at"], state["expires_at"], 0)[
                "entry_id"
            ]
        )
    async for grant in collections.grants().find({}):
        kind = "grant_revoked" if grant.get("kind") == "reversal" else "grant_created"
        ids.add(f"{kind}:{grant['grant_id']}")
        if grant.get("delivered_at") is not None:
            ids.add(f"grant_acked:{grant['grant_id']}")
    return ids


async def test_a_follower_gets_every_change_once_while_writers_and_relays_run_concurrently(client, clock):
    await create_reward(client, slug="first-reaction", conditions=[{"condition_type": "first_reaction"}])
    writes_done, relays_drained = asyncio.Event(), asyncio.Event()
    seen: list[dict] = []

    async def follower() -> None:
        after = "0"
        while True:
            finished = relays_drained.is_set()
            page = await feed_page(client, after=after, limit=7)
            seen.extend(page["entries"])
            if page["next"] == after and finished:
                return
            after = page["next"]
            await asyncio.sleep(0)

    async def raw_relay_steps() -> None:
        """A relay ignoring the lease (a paused holder waking up): only the unique indexes fence it."""
        while not writes_done.is_set():
            with contextlib.suppress(NumbersTaken):  # fenced by the unique indexes: the point of this test
                await relay_step(clock(), RETENTION)
            await asyncio.sleep(0.001)

    await release_lease(RELAY_LEASE)  # the app's own relay took it at start-up: let the two instances compete
    relays = [asyncio.create_task(run_relay(0.001, clock, RETENTION, owner=f"instance-{n}")) for n in (1, 2)]
    raw = asyncio.create_task(raw_relay_steps())
    reading = asyncio.create_task(follower())
    await asyncio.gather(*(_activity(client, user) for user in USERS))
    writes_done.set()
    await raw
    for relay in relays:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
    await relay_all(clock)  # whatever the relays had not entered when stopped
    relays_drained.set()
    await reading

    expected = await _expected_entry_ids()
    assert len(expected) == len(USERS) * 3 + len(USERS) // 2
    assert [entry["id"] for entry in seen if entry["id"] in expected] == [entry["id"] for entry in seen]
    assert sorted(entry["id"] for entry in seen) == sorted(expected)  # each exactly once, nothing else
    assert [int(entry["cursor"]) for entry in seen] == list(range(1, len(seen) + 1))
    assert await collections.user_rewards().count_documents({"feed_outbox.0": {"$exists": True}}) == 0
