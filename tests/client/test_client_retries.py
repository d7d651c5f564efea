"""The client's retries after lost answers: applied once, answered as the first time, bounded."""

import json
import socket
import uuid

import pytest
from rewards_client import RewardLocked, RewardsClient, ServerError, ServiceUnreachable

from documents import RewardGrant, UserFacts
from service.db import collections
from service.operations import races
from tests.support.client_server import SHORT_TIMEOUT, admin, bot, service  # noqa: F401  (fixtures)
from tests.support.environment import BOT_TOKEN
from tests.support.factories import reward_payload
from tests.support.visibility import WinnerNotVisibleYet

USER = 5005
CLAIM = f"/v1/users/{USER}/rewards/pts/claim"
EVENTS = f"/v1/users/{USER}/events"
LOSSES = ["503", "no_answer", "dropped"]


async def unlock_pts(admin, bot) -> None:
    await admin.create_reward(reward_payload(slug="pts", conditions=[{"condition_type": "total_points", "value": 10}]))
    await bot.set_facts(USER, total_points=10)


@pytest.mark.parametrize("how", LOSSES)
async def test_claim_whose_answer_was_lost_returns_the_first_grant_and_grants_once(service, admin, bot, how):
    await unlock_pts(admin, bot)
    service.faults.spoil("POST", CLAIM, how)
    async with service.client(timeout=SHORT_TIMEOUT) as impatient:
        grant = await impatient.claim(USER, "pts")

    assert grant.grant_id == json.loads(service.faults.lost[0])["grant_id"]
    keys = [s.headers["Idempotency-Key"] for s in service.faults.seen if s.path == CLAIM]
    assert len(keys) == 2 and keys[0] == keys[1] and uuid.UUID(keys[0]).version == 4
    assert len(await RewardGrant.find({"user_id": USER}).to_list()) == 1
    assert [g.grant_id for g in (await bot.grants(USER)).grants] == [grant.grant_id]


@pytest.mark.parametrize("how", LOSSES)
async def test_event_whose_answer_was_lost_is_counted_once(service, bot, how):
    service.faults.spoil("POST", EVENTS, how)
    async with service.client(timeout=SHORT_TIMEOUT) as impatient:
        answer = await impatient.send_event(USER, "points", event_id="upd-1", amount=7)

    assert service.faults.count("POST", EVENTS) == 2
    assert answer.facts.total_points == 7
    stored = await UserFacts.find_one({"user_id": USER})
    assert stored is not None and stored.total_points == 7


async def test_claim_sends_the_callers_idempotency_key(service, admin, bot):
    await unlock_pts(admin, bot)
    await bot.claim(USER, "pts", idempotency_key="tg-callback-77")
    assert [s.headers["Idempotency-Key"] for s in service.faults.seen if s.path == CLAIM] == ["tg-callback-77"]


async def test_admin_create_is_not_retried_after_a_lost_answer(service, admin):
    service.faults.spoil("POST", "/v1/rewards", "503")
    with pytest.raises(ServerError) as caught:
        await admin.create_reward(reward_payload(slug="once"))
    assert (caught.value.status, caught.value.code) == (503, "service_unavailable")
    assert service.faults.count("POST", "/v1/rewards") == 1
    assert [r.slug for r in (await admin.list_catalogue(all=True)).rewards] == ["once"]


async def test_persistent_5xx_gives_up_after_the_allowed_attempts(service, bot):
    service.faults.spoil("GET", f"/v1/users/{USER}/rewards", "503", times=10)
    async with service.client(attempts=4) as client:
        with pytest.raises(ServerError):
            await client.list_rewards(USER)
    assert service.faults.count("GET", f"/v1/users/{USER}/rewards") == 4


async def test_unreachable_service_raises_service_unreachable():
    with socket.socket() as probe:  # a port nobody listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        async with RewardsClient(url, BOT_TOKEN, timeout=SHORT_TIMEOUT, attempts=2, backoff=0.0) as client:
            with pytest.raises(ServiceUnreachable) as caught:
                await client.list_rewards(USER)
    assert caught.value.status is None


async def test_an_event_answered_with_a_retryable_conflict_is_retried_and_counted_once(service, bot, monkeypatch):
    monkeypatch.setattr(races, "FIRST_DELAY_SECONDS", 0.0)

    async def winner(collection) -> None:
        pass  # the racing insert never shows to the first request

    # Enough misses to exhaust the first request's attempts; the client's retry then succeeds.
    racing = WinnerNotVisibleYet(collections.user_facts(), winner, hidden=races.ATTEMPTS)
    monkeypatch.setattr(collections, "user_facts", lambda: racing)
    answer = await bot.send_event(USER, "points", event_id="raced-1", amount=7)
    assert service.faults.count("POST", EVENTS) == 2
    assert answer.facts.total_points == 7


async def test_a_refusal_that_is_a_kind_of_conflict_is_not_retried(service, admin, bot):
    await admin.create_reward(reward_payload(slug="pts", conditions=[{"condition_type": "total_points", "value": 10}]))
    with pytest.raises(RewardLocked):
        await bot.claim(USER, "pts")
    assert service.faults.count("POST", CLAIM) == 1
