"""A SIGKILL in the middle of a burst of claims and events loses nothing and duplicates nothing.

The service runs as a real process on the real server of MONGODB_URL. Claims (each with its own
Idempotency-Key) and points events (each with its own event_id) are sent concurrently; once some
of them have been answered the process is killed with SIGKILL, so the others die at whatever
step they had reached. A new process on the same database then receives every request again,
with the same keys, ids and bodies, as a bot retrying after a crash would send them. In between,
every user levels up, so the repeatable rewards already claimed are unlocked again: a retry that
lost track of its first grant would be granted a second one rather than refused.

The scenario runs once (it takes seconds on a slow server); each test below checks one promise.
The embedded database cannot show this: it dies with the process, and its data with it.
"""

import asyncio
import os
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pymongo
import pytest

from tests.support.environment import (
    ADMIN,
    ADMIN_TOKEN,
    BOT,
    BOT_TOKEN,
    REAL_MONGODB_URL,
    make_settings,
)
from tests.support.factories import reward_payload
from tests.support.service_process import Service, running_service

pytestmark = pytest.mark.skipif(
    not REAL_MONGODB_URL,
    reason="needs MONGODB_URL: the embedded database is lost with the killed process, so there is nothing to recover",
)

USERS = tuple(range(71_001, 71_007))
# Unlocked for every user before the burst (level 1), so every claim of the burst can be granted.
# Repeatable: the level-up after the restart unlocks those already claimed again, so a retry that
# forgot its first grant would be granted a second time.
CLAIMED_SLUGS = tuple(f"crash-coins-{n}" for n in range(5))
# Unlocked by the burst's own events, so events also write unlocks while the process dies.
POINTS_SLUG = "crash-points"
POINTS_TARGET = 300
# Powers of two: a user's total_points tells exactly which of their events were counted. Sent in
# this order, so each user's third event reaches POINTS_TARGET well before the kill.
EVENT_AMOUNTS = (1, 2, 512, 4, 8, 16, 32, 64, 128, 256)
# Like a bot under load, a fixed number of requests is kept in flight, taken in the mixed order
# below; the kill comes after this many answers, with both kinds still in flight.
CONCURRENCY = 20
KILL_AFTER_ANSWERS = 40
REQUEST_TIMEOUT_SECONDS = 120

Answer = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One request of the burst; `name` is its Idempotency-Key or event_id."""

    name: str
    user_id: int
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None


def claim_calls() -> list[Call]:
    return [
        Call(
            name=f"crash-key-{user_id}-{slug}",
            user_id=user_id,
            path=f"/v1/users/{user_id}/rewards/{slug}/claim",
            headers={**BOT, "Idempotency-Key": f"crash-key-{user_id}-{slug}"},
        )
        for user_id in USERS
        for slug in CLAIMED_SLUGS
    ]


def event_calls() -> list[Call]:
    return [
        Call(
            name=f"crash-event-{user_id}-{amount}",
            user_id=user_id,
            path=f"/v1/users/{user_id}/events",
            headers=BOT,
            body={"event_id": f"crash-event-{user_id}-{amount}", "type": "points", "amount": amount},
        )
        for amount in EVENT_AMOUNTS
        for user_id in USERS
    ]


def interleaved(claims: list[Call], events: list[Call]) -> list[Call]:
    """Claims and events mixed, so both kinds are in flight together."""
    ratio = len(events) // len(claims)
    mixed: list[Call] = []
    for n, claim in enumerate(claims):
        mixed += [claim, *events[n * ratio : (n + 1) * ratio]]
    return mixed + events[len(claims) * ratio :]


async def send(session: aiohttp.ClientSession, service: Service, call: Call) -> Answer:
    async with session.post(service.url + call.path, json=call.body, headers=call.headers) as response:
        return response.status, await response.json()


def new_session() -> aiohttp.ClientSession:
    # No connection limit: as many requests in flight as the caller sends.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    )


async def burst_then_sigkill(service: Service, calls: list[Call]) -> tuple[dict[str, Answer], set[str]]:
    """Send the calls CONCURRENCY at a time and SIGKILL the process mid-burst.

    Returns the answers that arrived, and the names of the calls in flight when the kill came.
    """
    answers: dict[str, Answer] = {}
    in_flight: set[str] = set()
    enough = asyncio.Event()
    queue = iter(calls)  # shared by the workers: each call is sent by one of them

    async def worker(session: aiohttp.ClientSession) -> None:
        for call in queue:
            if enough.is_set():
                return  # nothing new is sent once the kill is due
            in_flight.add(call.name)
            try:
                answers[call.name] = await send(session, service, call)
            except aiohttp.ClientError:
                return  # cut by the kill: no answer
            in_flight.discard(call.name)
            if len(answers) >= KILL_AFTER_ANSWERS:
                enough.set()

    async with new_session() as session:
        workers = [asyncio.create_task(worker(session)) for _ in range(CONCURRENCY)]
        try:
            await asyncio.wait_for(enough.wait(), timeout=REQUEST_TIMEOUT_SECONDS)
            os.kill(service.process.pid, signal.SIGKILL)
            cut = set(in_flight)
            await asyncio.wait_for(asyncio.gather(*workers), timeout=REQUEST_TIMEOUT_SECONDS)
        finally:
            for task in workers:
                task.cancel()
    assert await asyncio.to_thread(service.process.wait, 30) == -signal.SIGKILL
    return answers, cut


async def send_all(service: Service, calls: list[Call]) -> dict[str, Answer]:
    """Send every call concurrently; every one must be answered."""
    async with new_session() as session:
        answers = await asyncio.gather(*(send(session, service, call) for call in calls))
    return {call.name: answer for call, answer in zip(calls, answers)}


async def list_grants(service: Service, user_id: int) -> list[dict[str, Any]]:
    """The user's grants through the API (which first recovers any pending grant snapshot)."""
    url = f"{service.url}/v1/users/{user_id}/grants"
    async with new_session() as session, session.get(url, headers=BOT) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["grants"]


async def set_level(session: aiohttp.ClientSession, service: Service, user_id: int, level: int) -> set[str]:
    """Set the user's level; return the slugs it unlocked."""
    async with session.put(f"{service.url}/v1/users/{user_id}/facts", json={"level": level}, headers=BOT) as response:
        assert response.status == 200, await response.text()
        return {u["slug"] for u in (await response.json())["unlocked"]}


async def set_up_catalogue_and_users(service: Service) -> None:
    rewards = [
        reward_payload(
            slug=slug,
            name=slug,
            reward_value={"amount": 10 + n},
            conditions=[{"condition_type": "level_reached", "value": 1}],
            is_repeatable=True,
        )
        for n, slug in enumerate(CLAIMED_SLUGS)
    ]
    rewards.append(
        reward_payload(
            slug=POINTS_SLUG, name=POINTS_SLUG, conditions=[{"condition_type": "total_points", "value": POINTS_TARGET}]
        )
    )
    async with new_session() as session:
        for reward in rewards:
            async with session.post(f"{service.url}/v1/rewards", json=reward, headers=ADMIN) as response:
                assert response.status == 201, await response.text()
        for user_id in USERS:
            assert await set_level(session, service, user_id, 1) == set(CLAIMED_SLUGS)


async def level_up_everyone(service: Service) -> None:
    """Every user reaches level 2: the rewards claimed so far unlock again."""
    async with new_session() as session:
        for user_id in USERS:
            await set_level(session, service, user_id, 2)


def unlocked_slugs_and_times(answer: Answer) -> set[tuple[str, str, str]]:
    return {(u["slug"], u["unlocked_at"], u["expires_at"]) for u in answer[1]["unlocked"]}


@dataclass(frozen=True)
class Crash:
    """What one run of the scenario saw: answers before the kill and after the restart, and the stored data."""

    claims: list[Call]
    events: list[Call]
    before_crash: dict[str, Answer]
    in_flight_at_kill: set[str]
    unfinished_reservations_at_kill: int
    after_restart: dict[str, Answer]
    listed_grants: dict[int, list[dict[str, Any]]]
    stored: pymongo.database.Database


async def run_the_crash(stored: pymongo.database.Database, log_path: Path) -> Crash:
    env = {
        "MONGODB_URL": REAL_MONGODB_URL or "",
        "MONGODB_DB": stored.name,
        "REWARDS_BOT_TOKEN": BOT_TOKEN,
        "REWARDS_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    claims, events = claim_calls(), event_calls()
    calls = interleaved(claims, events)

    with running_service(env, log_path) as first:
        await set_up_catalogue_and_users(first)
        before_crash, in_flight = await burst_then_sigkill(first, calls)
    # Claims that had reserved their key but not recorded their outcome: cut inside the service.
    unfinished = stored["idempotency_keys"].count_documents({"grant": None, "error_code": None})

    with running_service(env, log_path) as second:
        await level_up_everyone(second)
        # The bot's start-up listing of pending grants (which recovers snapshots) races the retries.
        after_restart, _ = await asyncio.gather(
            send_all(second, calls), asyncio.gather(*(list_grants(second, user_id) for user_id in USERS))
        )
        listed = {user_id: await list_grants(second, user_id) for user_id in USERS}
    return Crash(claims, events, before_crash, in_flight, unfinished, after_restart, listed, stored)


@pytest.fixture(scope="module")
def crash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crash]:
    """The scenario, run once for the tests below (the session fixture of conftest drops its database)."""
    with pymongo.MongoClient(REAL_MONGODB_URL, tz_aware=True) as client:
        stored = client[make_settings().mongodb_db]
        yield asyncio.run(run_the_crash(stored, tmp_path_factory.mktemp("crash") / "service.log"))


def test_the_kill_landed_while_claims_and_events_were_in_flight(crash: Crash):
    for kind in (crash.claims, crash.events):
        answered = sum(call.name in crash.before_crash for call in kind)
        in_flight = sum(call.name in crash.in_flight_at_kill for call in kind)
        assert answered and in_flight, f"{answered} answered, {in_flight} in flight"
    assert crash.unfinished_reservations_at_kill > 0
    # Some events answered with an unlock, so the replay test below compares something.
    assert any(crash.before_crash[c.name][1]["unlocked"] for c in crash.events if c.name in crash.before_crash)


def test_every_claim_has_exactly_one_grant_in_the_ledger(crash: Crash):
    ledger = list(crash.stored["reward_grants"].find({}))
    assert Counter(g["idempotency_key"] for g in ledger) == Counter(call.name for call in crash.claims)
    for grant in ledger:
        status, answered = crash.after_restart[grant["idempotency_key"]]
        assert status == 200, answered
        assert (answered["grant_id"], answered["reward"]) == (grant["grant_id"], grant["reward_slug"])
        assert grant["idempotency_key"] == f"crash-key-{grant['user_id']}-{grant['reward_slug']}"
    # And no claim the service counted is missing from it: each (user, reward) was claimed once.
    claim_counts = {(r["user_id"], r["reward_slug"]): r["claim_count"] for r in crash.stored["user_rewards"].find({})}
    assert claim_counts == {(user_id, slug): 1 for user_id in USERS for slug in CLAIMED_SLUGS} | {
        (user_id, POINTS_SLUG): 0 for user_id in USERS
    }
    for user_id in USERS:
        listed = sorted(g["grant_id"] for g in crash.listed_grants[user_id])
        assert listed == sorted(g["grant_id"] for g in ledger if g["user_id"] == user_id)


def test_every_answer_given_before_the_crash_is_replayed_unchanged(crash: Crash):
    for call in crash.claims:
        if call.name in crash.before_crash:
            assert crash.after_restart[call.name] == crash.before_crash[call.name], call.name
    for call in crash.events:
        assert crash.after_restart[call.name][0] == 200, crash.after_restart[call.name]
        if call.name in crash.before_crash:
            before, after = crash.before_crash[call.name], crash.after_restart[call.name]
            assert before[0] == 200, before
            # The facts have moved on since, but the unlocks the event answered are answered again.
            assert unlocked_slugs_and_times(before) <= unlocked_slugs_and_times(after), call.name


def test_every_event_is_counted_exactly_once(crash: Crash):
    for user_id in USERS:
        facts = crash.stored["user_facts"].find_one({"user_id": user_id})
        assert facts["total_points"] == sum(EVENT_AMOUNTS), (user_id, bin(facts["total_points"]))
        # And the unlock they caused is answered by exactly one of them, however the crash cut the others.
        reporting = [
            call.name
            for call in crash.events
            if call.user_id == user_id
            and POINTS_SLUG in {slug for slug, _, _ in unlocked_slugs_and_times(crash.after_restart[call.name])}
        ]
        assert len(reporting) == 1, (user_id, reporting)


def test_no_pending_grant_snapshot_is_left_once_recovery_has_run(crash: Crash):
    # Recovery ran in the retried claims and in the bot's listing of its users' grants.
    assert list(crash.stored["user_rewards"].find({"pending_grant": {"$ne": None}})) == []
