"""The client's retries after lost answers: applied once, answered as the first time, bounded by the call's budget."""

import json
import socket
import time
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TypeVar

import pytest
from rewards_client import (
    DatabaseUnavailable,
    RewardLocked,
    RewardsClient,
    ServerError,
    ServiceUnavailable,
    ServiceUnreachable,
)

from documents import RewardGrant, UserFacts
from service.db import collections
from service.operations import retries as races
from tests.support.client_server import SHORT_TIMEOUT
from tests.support.environment import BOT_TOKEN
from tests.support.factories import reward_payload
from tests.support.visibility import WinnerNotVisibleYet

E = TypeVar("E", bound=BaseException)

USER = 5005
CLAIM = f"/v1/users/{USER}/rewards/pts/claim"
EVENTS = f"/v1/users/{USER}/events"
REWARDS = f"/v1/users/{USER}/rewards"
LOSSES = ["503", "no_answer", "dropped", "database_unavailable"]
# A short Retry-After for the tests that are not about waiting.
QUICK = "0.05"
# Seconds allowed beyond a budget on a loaded machine: a bound on the call, never a measure of speed.
MARGIN = 2.0


async def unlock_pts(admin, bot) -> None:
    await admin.create_reward(reward_payload(slug="pts", conditions=[{"condition_type": "total_points", "value": 10}]))
    await bot.set_facts(USER, total_points=10)


@pytest.mark.parametrize("how", LOSSES)
async def test_claim_whose_answer_was_lost_returns_the_first_grant_and_grants_once(service, admin, bot, how):
    await unlock_pts(admin, bot)
    service.faults.spoil("POST", CLAIM, how, retry_after=QUICK)
    async with service.client(timeout=SHORT_TIMEOUT) as impatient:
        grant = await impatient.claim(USER, "pts")

    assert grant.grant_id == json.loads(service.faults.lost[0])["grant_id"]
    keys = [s.headers["Idempotency-Key"] for s in service.faults.seen if s.path == CLAIM]
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert uuid.UUID(keys[0]).version == 4
    assert len(await RewardGrant.find({"user_id": USER}).to_list()) == 1
    assert [g.grant_id for g in (await bot.grants(USER)).grants] == [grant.grant_id]


@pytest.mark.parametrize("how", LOSSES)
async def test_event_whose_answer_was_lost_is_counted_once(service, bot, how):
    service.faults.spoil("POST", EVENTS, how, retry_after=QUICK)
    async with service.client(timeout=SHORT_TIMEOUT) as impatient:
        answer = await impatient.send_event(USER, "points", event_id="upd-1", amount=7)

    assert service.faults.count("POST", EVENTS) == 2
    assert answer.facts.total_points == 7
    stored = await UserFacts.find_one({"user_id": USER})
    assert stored is not None
    assert stored.total_points == 7


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


# --- the call's time budget ------------------------------------------------------------------------


async def _raised(expected: type[E], call: Awaitable[object]) -> tuple[E, float]:
    """What the call raised (an `expected`) and the seconds it took, on a monotonic clock."""
    started = time.monotonic()
    with pytest.raises(expected) as caught:
        await call
    return caught.value, time.monotonic() - started


async def test_a_database_that_stays_unavailable_raises_database_unavailable_within_the_budget(service):
    service.faults.spoil("GET", REWARDS, "database_unavailable", times=10)  # Retry-After: 2, as the service sends
    async with service.client(budget=4.0, attempts=10) as client:
        raised, elapsed = await _raised(DatabaseUnavailable, client.list_rewards(USER))

    assert isinstance(raised, ServiceUnavailable)
    assert (raised.status, raised.code, raised.retry_after) == (503, "database_unavailable", 2)
    # Tried at once and again after 2 s; a second pause of 2 s would reach the end of the budget.
    assert service.faults.count("GET", REWARDS) == 2
    assert elapsed < 4.0 + MARGIN


async def test_the_next_attempt_waits_at_least_the_retry_after(service):
    service.faults.spoil("GET", REWARDS, "database_unavailable", retry_after="0.3")
    async with service.client(budget=5.0) as client:  # no backoff of its own
        await client.list_rewards(USER)

    first, second = [seen.at for seen in service.faults.seen if seen.path == REWARDS]
    assert second - first >= 0.3


@pytest.mark.parametrize("form", ["seconds", "http_date"])
async def test_a_retry_after_beyond_the_budget_ends_the_call_at_once(service, form):
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    header = "60" if form == "seconds" else in_a_minute
    service.faults.spoil("GET", REWARDS, "database_unavailable", times=10, retry_after=header)
    async with service.client(budget=2.0, attempts=10) as client:
        raised, elapsed = await _raised(DatabaseUnavailable, client.list_rewards(USER))

    assert raised.retry_after is not None
    assert 58 <= raised.retry_after <= 60
    assert service.faults.count("GET", REWARDS) == 1
    assert elapsed < 2.0 + MARGIN  # not the minute the service asked for


async def test_a_malformed_retry_after_is_ignored_and_the_call_backs_off_on_its_own(service):
    service.faults.spoil("GET", REWARDS, "database_unavailable", times=10, retry_after="soon")
    async with service.client(attempts=3) as client:
        raised, _ = await _raised(DatabaseUnavailable, client.list_rewards(USER))

    assert raised.retry_after is None
    assert service.faults.count("GET", REWARDS) == 3


async def test_a_write_that_is_not_retried_raises_database_unavailable_with_its_retry_after(service, admin):
    service.faults.spoil("POST", "/v1/rewards", "database_unavailable")
    raised, _ = await _raised(DatabaseUnavailable, admin.create_reward(reward_payload(slug="once")))

    assert raised.retry_after == 2
    assert service.faults.count("POST", "/v1/rewards") == 1


async def test_an_unreachable_service_raises_service_unreachable_within_the_budget():
    with socket.socket() as probe:  # a port nobody listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        # Without a budget, 20 attempts backing off from 0.2 s would take minutes.
        async with RewardsClient(url, BOT_TOKEN, budget=0.5, attempts=20, backoff=0.2) as client:
            raised, elapsed = await _raised(ServiceUnreachable, client.list_rewards(USER))

    assert isinstance(raised, ServiceUnavailable)
    assert raised.status is None
    assert elapsed < 0.5 + MARGIN


async def test_a_service_that_never_answers_raises_service_unreachable_after_the_budget_not_every_attempt(service):
    service.faults.spoil("GET", REWARDS, "no_answer", times=10)
    # Five attempts of 1 s would take 5 s; the budget ends the call after 1.5 s.
    async with service.client(budget=1.5, timeout=1.0, attempts=5) as client:
        _, elapsed = await _raised(ServiceUnreachable, client.list_rewards(USER))

    assert service.faults.count("GET", REWARDS) == 2  # the second attempt had the 0.5 s left
    assert 1.4 <= elapsed < 1.5 + MARGIN
