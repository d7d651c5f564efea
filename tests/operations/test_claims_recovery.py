"""A crash between the claim's write and the ledger write neither loses nor duplicates a grant."""

import asyncio
from datetime import timedelta

import pytest
from bson import ObjectId
from rewards_contract.enums import RewardStatus

from service.db import collections
from service.http.app import init_app
from service.http.keys import RUNTIME
from service.operations import claims, grants, idempotency_keys
from service.operations.expiry import STALE_GRANT_AGE, sweep
from tests.support.api import claim, create_reward, set_facts
from tests.support.api import grants as list_grants
from tests.support.environment import ADMIN, make_settings
from tests.support.stored import stored_one

USER = 3003


class Crash(Exception):
    """Stands for the process dying at this point."""


@pytest.fixture
async def unlocked(client):
    # Repeatable on the level: each level-up lets it unlock again.
    await create_reward(
        client, slug="coins", conditions=[{"condition_type": "level_reached", "value": 1}], is_repeatable=True
    )
    await set_facts(client, USER, level=1)


async def ledger() -> list[dict]:
    return await collections.grants().find({"user_id": USER}).to_list(None)


async def crash_claim(client, monkeypatch, where: str, key: str | None = None) -> None:
    """Claim with the process 'dying' right before `where` runs."""

    async def die(*args, **kwargs):
        raise Crash(where)

    with monkeypatch.context() as patch:
        patch.setattr(claims, where, die)
        status, body = await claim(client, USER, "coins", key=key)
    assert (status, body["error"]["code"]) == (500, "internal_error")


async def test_crash_before_ledger_write_is_recovered_when_the_bot_lists_pending_grants(client, unlocked, monkeypatch):
    await crash_claim(client, monkeypatch, "write_grant")
    assert await ledger() == []  # the crash really left the ledger without the grant
    pending = await list_grants(client, USER, pending=True)
    assert len(pending) == 1
    assert pending[0]["claim_number"] == 1
    assert len(await list_grants(client, USER, pending=True)) == 1  # recovery repeated: still one
    assert len(await ledger()) == 1


async def test_crash_after_ledger_write_leaves_exactly_one_grant(client, unlocked, monkeypatch):
    await crash_claim(client, monkeypatch, "clear_pending")
    assert len(await ledger()) == 1
    assert len(await list_grants(client, USER)) == 1
    stored = await stored_one(collections.user_rewards(), {"user_id": USER})
    assert stored["pending_grant"] is None  # recovery finished the claim


async def test_retry_with_the_same_key_after_a_crash_gets_the_grant_once(client, unlocked, monkeypatch):
    await crash_claim(client, monkeypatch, "write_grant", key="k1")
    status, body = await claim(client, USER, "coins", key="k1")
    assert status == 200
    assert body["claim_number"] == 1
    assert await claim(client, USER, "coins", key="k1") == (status, body)
    assert [g["grant_id"] for g in await ledger()] == [body["grant_id"]]


async def test_next_claim_after_a_crash_first_completes_the_earlier_grant(client, unlocked, monkeypatch):
    await crash_claim(client, monkeypatch, "write_grant")
    await set_facts(client, USER, level=2)  # the repeatable reward unlocks again
    status, body = await claim(client, USER, "coins")
    assert status == 200
    assert body["claim_number"] == 2
    assert sorted(g["claim_number"] for g in await ledger()) == [1, 2]


async def test_sweeper_recovers_only_stale_pending_grants(client, unlocked, monkeypatch, clock):
    await crash_claim(client, monkeypatch, "write_grant")
    assert (await sweep(clock.now)).recovered_grants == 0  # may still be in flight
    assert (await sweep(clock.now + STALE_GRANT_AGE)).recovered_grants == 1
    assert len(await ledger()) == 1


async def test_recovery_is_idempotent(client, unlocked, monkeypatch, clock):
    await crash_claim(client, monkeypatch, "write_grant")
    user_reward = await stored_one(collections.user_rewards(), {"user_id": USER})
    for _ in range(3):
        await grants.write_grant(user_reward, clock.now)
    assert len(await ledger()) == 1


async def test_sweeper_expires_exactly_the_overdue_rewards(database, clock):
    collection = collections.user_rewards()
    now = clock.now
    rows = {
        "overdue": (RewardStatus.UNLOCKED, now - timedelta(seconds=1)),
        "due-now": (RewardStatus.UNLOCKED, now),
        "open": (RewardStatus.UNLOCKED, now + timedelta(milliseconds=1)),
        "claimed": (RewardStatus.CLAIMED, now - timedelta(days=1)),
    }
    for slug, (status, expires_at) in rows.items():
        await collection.insert_one(
            {
                "user_id": USER,
                "reward_id": ObjectId(),
                "reward_slug": slug,
                "status": str(status),
                "expires_at": expires_at,
            }
        )
    result = await sweep(now)
    assert result.expired == 2
    statuses = {doc["reward_slug"]: doc["status"] async for doc in collection.find({})}
    assert statuses == {"overdue": "expired", "due-now": "expired", "open": "unlocked", "claimed": "claimed"}


async def test_background_sweeper_runs_with_the_app(aiohttp_client, clock):
    app = init_app(make_settings(expiry_sweep_seconds=0.01), clock=clock)
    app_client = await aiohttp_client(app)
    try:

        def sweeps() -> float:
            return app[RUNTIME].metrics.registry.get_sample_value("rewards_expiry_sweeps_total") or 0.0

        for _ in range(500):  # bounded wait for the first sweep (each step yields 10 ms)
            if sweeps() > 0:
                break
            await asyncio.sleep(0.01)
        assert sweeps() > 0, "the sweeper never ran"
    finally:
        await app_client.close()


async def test_lost_answer_then_re_unlock_then_retry_with_the_key_grants_once(client, unlocked, monkeypatch):
    async def die(*args, **kwargs):
        raise Crash("before the key's outcome is recorded")

    with monkeypatch.context() as patch:
        patch.setattr(idempotency_keys, "remember_grant", die)
        status, _ = await claim(client, USER, "coins", key="k-lost")
    assert status == 500
    await set_facts(client, USER, level=2)  # the repeatable reward unlocks again meanwhile
    status, body = await claim(client, USER, "coins", key="k-lost")
    assert (status, body["claim_number"]) == (200, 1)
    assert len(await ledger()) == 1


async def test_keyed_claim_is_replayed_after_the_reward_is_deactivated(client, unlocked):
    first = await claim(client, USER, "coins", key="k-before")
    response = await client.delete("/v1/rewards/coins", headers=ADMIN)
    assert response.status == 200
    assert await claim(client, USER, "coins", key="k-before") == first
    status, body = await claim(client, USER, "coins", key="k-after")
    assert (status, body["error"]["code"]) == (404, "reward_not_found")


async def test_concurrent_key_reuse_by_another_user_claims_nothing_for_them(client):
    await create_reward(client, slug="coins", conditions=[])
    await set_facts(client, USER, level=1)
    await set_facts(client, USER + 1, level=1)
    answers = await asyncio.gather(
        claim(client, USER, "coins", key="shared"), claim(client, USER + 1, "coins", key="shared")
    )
    assert sorted(status for status, _ in answers) == [200, 422]
    owners = {g["user_id"] for g in await collections.grants().find({}).to_list(None)}
    assert len(owners) == 1
