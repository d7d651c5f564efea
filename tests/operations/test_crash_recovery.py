"""A SIGKILL in the middle of a burst of claims, events, acks, revocations and expiries loses nothing and duplicates nothing.

The service runs as a real process on the real server of MONGODB_URL. Claims (each with its own
Idempotency-Key) and points events (each with its own event_id) are sent concurrently; once some
of them have been answered the process is killed with SIGKILL, so the others die at whatever
step they had reached. A new process on the same database then receives every request again,
with the same keys, ids and bodies, as a bot retrying after a crash would send them. In between,
every user levels up, so the repeatable rewards already claimed are unlocked again: a retry that
lost track of its first grant would be granted a second one rather than refused.

Acks and revocations of grants made before the burst are in flight too, and the expiry sweep and
the feed relay run every fraction of a second, while claim windows close under the burst (their
ends are moved to the burst's start in the database: a window is at least an hour). After the
restart and the retries, once the relay has drained every outbox, the feed must hold exactly one
entry per change the stored data says happened, and a follower of GET /v1/feed must read each once.

The scenario runs once (it takes seconds on a slow server); each test below checks one promise.
The embedded database cannot show this: it dies with the process, and its data with it.
"""

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pymongo
import pytest
from rewards_contract.fields import to_mongo_precision

from service.engine.feed_entries import expired_entry, unlocked_entry
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
# Not repeatable, unlocked at level 1 like the others, and claimed in the burst. A claim window is
# at least an hour, so once unlocked each user's window end is moved (in the database) to just
# around the burst's start, one user after the other: the sweeper and the claims expire them while
# requests are in flight, and a claim may win the race against its window's end or lose it.
WINDOW_SLUG = "crash-window"
WINDOW_ENDS_AFTER_BURST_START = tuple(timedelta(seconds=s) for s in (-0.05, 0.6, 0.3, 1.1, 0.9, 1.2))
# Not repeatable, unlocked at level 1 and claimed by every user before the burst: the burst acks
# the grants of the first and revokes those of the second.
ACKED_SLUG = "crash-acked"
REVOKED_SLUG = "crash-revoked"
# A limited edition every user unlocked before the burst and claims in it: half of them get a slot.
EDITION_SLUG = "crash-edition"
EDITION_CAP = len(USERS) // 2
# Needs CLAIMED_SLUGS[0] claimed first: the burst's claims of it unlock it, crash or not.
DEPENDENT_SLUG = "crash-after-coins"
# The sweeper and the feed relay run all the time, so the kill also lands inside them.
SWEEP_SECONDS = 0.1
RELAY_SECONDS = 0.05
FEED_DRAIN_TIMEOUT_SECONDS = 60

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


def window_claim_calls() -> list[Call]:
    return [
        Call(
            name=f"crash-window-key-{user_id}",
            user_id=user_id,
            path=f"/v1/users/{user_id}/rewards/{WINDOW_SLUG}/claim",
            headers={**BOT, "Idempotency-Key": f"crash-window-key-{user_id}"},
        )
        for user_id in USERS
    ]


def edition_claim_calls() -> list[Call]:
    return [
        Call(
            name=f"crash-edition-key-{user_id}",
            user_id=user_id,
            path=f"/v1/users/{user_id}/rewards/{EDITION_SLUG}/claim",
            headers={**BOT, "Idempotency-Key": f"crash-edition-key-{user_id}"},
        )
        for user_id in USERS
    ]


def ack_calls(grant_ids: dict[int, str]) -> list[Call]:
    return [
        Call(name=f"crash-ack-{user_id}", user_id=user_id, path=f"/v1/grants/{grant_id}/ack", headers=BOT)
        for user_id, grant_id in grant_ids.items()
    ]


def revoke_calls(grant_ids: dict[int, str]) -> list[Call]:
    return [
        Call(
            name=f"crash-revoke-{user_id}",
            user_id=user_id,
            path=f"/v1/grants/{grant_id}/revoke",
            headers=ADMIN,
            body={"reason": "crash test"},
        )
        for user_id, grant_id in grant_ids.items()
    ]


def interleaved(claims: list[Call], events: list[Call]) -> list[Call]:
    """Claims and events mixed, so both kinds are in flight together."""
    ratio = len(events) // len(claims)
    mixed: list[Call] = []
    for n, claim in enumerate(claims):
        mixed += [claim, *events[n * ratio : (n + 1) * ratio]]
    return mixed + events[len(claims) * ratio :]


def spread(mixed: list[Call], others: list[Call], first: int = 4, step: int = 3) -> list[Call]:
    """`others` inserted every `step` calls from position `first`: some answered before the kill, some cut by it."""
    result = list(mixed)
    for n, call in enumerate(others):
        result.insert(first + n * step, call)
    return result


def round_robin(*kinds: list[Call]) -> list[Call]:
    return [call for group in zip(*kinds, strict=True) for call in group]


async def send(session: aiohttp.ClientSession, service: Service, call: Call) -> Answer:
    async with session.post(service.url + call.path, json=call.body, headers=call.headers) as response:
        return response.status, await response.json()


def new_session() -> aiohttp.ClientSession:
    # No connection limit: as many requests in flight as the caller sends.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    )


def unfinished_reservations(stored: pymongo.database.Database) -> int:
    """Claims that have reserved their key but not recorded their outcome: inside the service."""
    return stored["idempotency_keys"].count_documents({"grant": None, "error_code": None})


async def burst_then_sigkill(
    service: Service, calls: list[Call], claims_cut_inside: Callable[[], bool]
) -> tuple[dict[str, Answer], set[str]]:
    """Send the calls CONCURRENCY at a time and SIGKILL the process mid-burst.

    The kill comes after KILL_AFTER_ANSWERS answers, at the first moment `claims_cut_inside` sees
    a claim between its key's reservation and its outcome, or when the calls run out.
    Returns the answers that arrived, and the names of the calls in flight when the kill came.
    """
    answers: dict[str, Answer] = {}
    in_flight: set[str] = set()
    enough, kill_due = asyncio.Event(), asyncio.Event()
    queue = iter(calls)  # shared by the workers: each call is sent by one of them

    async def worker(session: aiohttp.ClientSession) -> None:
        for call in queue:
            if kill_due.is_set():
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
            while not await asyncio.to_thread(claims_cut_inside) and not all(task.done() for task in workers):
                pass
            kill_due.set()
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
    return {call.name: answer for call, answer in zip(calls, answers, strict=True)}


async def list_grants(service: Service, user_id: int) -> list[dict[str, Any]]:
    """The user's grants through the API (which first recovers any pending grant snapshot)."""
    url = f"{service.url}/v1/users/{user_id}/grants"
    async with new_session() as session, session.get(url, headers=BOT) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["grants"]


async def claim(session: aiohttp.ClientSession, service: Service, user_id: int, slug: str) -> str:
    """Claim before the burst; return the grant id."""
    url = f"{service.url}/v1/users/{user_id}/rewards/{slug}/claim"
    headers = {**BOT, "Idempotency-Key": f"crash-setup-{user_id}-{slug}"}
    async with session.post(url, headers=headers) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["grant_id"]


async def set_level(session: aiohttp.ClientSession, service: Service, user_id: int, level: int) -> set[str]:
    """Set the user's level; return the slugs it unlocked."""
    async with session.put(f"{service.url}/v1/users/{user_id}/facts", json={"level": level}, headers=BOT) as response:
        assert response.status == 200, await response.text()
        return {u["slug"] for u in (await response.json())["unlocked"]}


async def set_up_catalogue_and_users(service: Service) -> tuple[dict[int, str], dict[int, str]]:
    """The rewards, every user at level 1, and the grants the burst acks and revokes (by user)."""
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
    rewards += [
        reward_payload(
            slug=slug,
            name=slug,
            conditions=[{"condition_type": "level_reached", "value": 1}],
            claim_window_hours=1,
        )
        for slug in (WINDOW_SLUG, ACKED_SLUG, REVOKED_SLUG)
    ]
    rewards += [
        reward_payload(
            slug=EDITION_SLUG,
            name=EDITION_SLUG,
            max_claims=EDITION_CAP,
            conditions=[{"condition_type": "level_reached", "value": 1}],
        ),
        reward_payload(
            slug=DEPENDENT_SLUG,
            name=DEPENDENT_SLUG,
            conditions=[{"condition_type": "reward_claimed", "reward": CLAIMED_SLUGS[0]}],
        ),
    ]
    async with new_session() as session:
        for reward in rewards:
            async with session.post(f"{service.url}/v1/rewards", json=reward, headers=ADMIN) as response:
                assert response.status == 201, await response.text()
        for user_id in USERS:
            unlocked = await set_level(session, service, user_id, 1)
            assert unlocked == {*CLAIMED_SLUGS, WINDOW_SLUG, ACKED_SLUG, REVOKED_SLUG, EDITION_SLUG}
        to_ack = {user_id: await claim(session, service, user_id, ACKED_SLUG) for user_id in USERS}
        to_revoke = {user_id: await claim(session, service, user_id, REVOKED_SLUG) for user_id in USERS}
    return to_ack, to_revoke


def close_windows_around(stored: pymongo.database.Database, start: datetime) -> None:
    """Move each user's WINDOW_SLUG window end to around `start` (a window is at least an hour long)."""
    for user_id, after in zip(USERS, WINDOW_ENDS_AFTER_BURST_START, strict=True):
        moved = stored["user_rewards"].update_one(
            {"user_id": user_id, "reward_slug": WINDOW_SLUG, "status": "unlocked"},
            {"$set": {"expires_at": to_mongo_precision(start + after)}},
        )
        assert moved.modified_count == 1


def unlock_entry_ids(states: Iterable[dict[str, Any]]) -> set[str]:
    """The entries of the unlocks (and expiries) these user_rewards documents record, named as the service names them."""
    ids = set()
    for state in states:
        if state.get("unlocked_at") is None:
            continue
        # A claimed state's unlock came before its claim was counted.
        claims_before_unlock = state["claim_count"] - (state["status"] == "claimed")
        args = (state["user_id"], state["reward_slug"], state["unlocked_at"], state["expires_at"])
        ids.add(unlocked_entry(*args, claims_before_unlock)["entry_id"])
        if state["status"] == "expired":
            ids.add(expired_entry(*args)["entry_id"])
    return ids


def expected_entry_ids(stored: pymongo.database.Database, unlocks_before_burst: set[str]) -> set[str]:
    """Every change the stored data says happened, named as its feed entry is.

    The data keeps a repeatable reward's latest unlock only; the unlocks it had before the burst
    (and the level-up after it) come from the snapshot taken then.
    """
    ids = unlocks_before_burst | unlock_entry_ids(stored["user_rewards"].find({}))
    for grant in stored["reward_grants"].find({}):
        kind = "grant_revoked" if grant.get("kind") == "reversal" else "grant_created"
        ids.add(f"{kind}:{grant['grant_id']}")
        if grant.get("delivered_at") is not None:
            ids.add(f"grant_acked:{grant['grant_id']}")
    return ids


def found_one(collection: pymongo.collection.Collection, query: Mapping[str, Any]) -> dict[str, Any]:
    """The document `query` finds; the test fails here when nothing is stored."""
    document = collection.find_one(query)
    assert document is not None, f"nothing stored matches {query}"
    return document


def expired_by_sweeps(service: Service) -> int:
    """How many unlocks the process's expiry sweeps have expired, as its log says."""
    sweeps = [line["message"] for line in service.log_lines() if line.get("logger") == "service.jobs.expiry_sweep"]
    return sum(
        int(message.split("expired ")[1].split()[0]) for message in sweeps if message.startswith("Expiry sweep:")
    )


def outboxes_left(stored: pymongo.database.Database) -> int:
    """Documents still holding entries the relay has not finished."""
    return sum(
        stored[name].count_documents({"feed_outbox.0": {"$exists": True}}) for name in ("user_rewards", "reward_grants")
    )


async def follow_feed(service: Service, limit: int = 7) -> list[dict[str, Any]]:
    """The whole feed as a follower reads it through the API, page by page from the start."""
    entries: list[dict[str, Any]] = []
    after = "0"
    async with new_session() as session:
        while True:
            params = {"after": after, "limit": str(limit)}
            async with session.get(f"{service.url}/v1/feed", params=params, headers=BOT) as response:
                assert response.status == 200, await response.text()
                page = await response.json()
            entries += page["entries"]
            if page["next"] == after:
                return entries
            after = page["next"]


async def drained_feed(service: Service, stored: pymongo.database.Database) -> list[dict[str, Any]]:
    """Wait until every window has closed, every outbox is empty and the feed stops changing; the feed as followed."""
    deadline = time.monotonic() + FEED_DRAIN_TIMEOUT_SECONDS
    previous: list[dict[str, Any]] | None = None
    while True:
        settled = outboxes_left(stored) == 0 and not stored["user_rewards"].count_documents(
            {"reward_slug": WINDOW_SLUG, "status": "unlocked"}
        )
        followed = await follow_feed(service)
        if settled and followed == previous:
            return followed
        previous = followed if settled else None
        assert time.monotonic() < deadline, f"the feed never settled: {outboxes_left(stored)} outboxes left"
        await asyncio.sleep(10 * RELAY_SECONDS)


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
    window_claims: list[Call]
    edition_claims: list[Call]
    acks: list[Call]
    revokes: list[Call]
    unlocks_before_burst: set[str]
    feed_at_burst_start: int
    feed_at_kill: int
    expired_at_kill: int
    swept_before_kill: int
    followed_feed: list[dict[str, Any]]
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
        "REWARDS_EXPIRY_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "REWARDS_FEED_RELAY_SECONDS": str(RELAY_SECONDS),
        # About a hundred requests in flight at once on a slow wire server (SecantusDB): a deadline that
        # suits it, so each request's answer is its real outcome, not a 503 at the default 5 s.
        "REWARDS_DB_TIMEOUT_SECONDS": "120",
    }
    claims, events, window_claims, edition_claims = (
        claim_calls(),
        event_calls(),
        window_claim_calls(),
        edition_claim_calls(),
    )

    with running_service(env, log_path) as first:
        to_ack, to_revoke = await set_up_catalogue_and_users(first)
        acks, revokes = ack_calls(to_ack), revoke_calls(to_revoke)
        calls = spread(interleaved(claims, events), round_robin(window_claims, acks, revokes, edition_claims))
        unlocks_before_burst = unlock_entry_ids(stored["user_rewards"].find({}))
        feed_at_burst_start = stored["feed"].count_documents({})
        close_windows_around(stored, datetime.now(UTC))
        # The first window has closed already: three sweeps come before the burst's events, so the
        # sweeper (not an event's evaluation) is the one that expires it.
        await asyncio.sleep(3 * SWEEP_SECONDS)
        before_crash, in_flight = await burst_then_sigkill(first, calls, lambda: bool(unfinished_reservations(stored)))
        swept_before_kill = expired_by_sweeps(first)
    unfinished = unfinished_reservations(stored)
    feed_at_kill = stored["feed"].count_documents({})
    expired_at_kill = stored["user_rewards"].count_documents({"reward_slug": WINDOW_SLUG, "status": "expired"})

    with running_service(env, log_path) as second:
        await level_up_everyone(second)
        # The bot's start-up listing of pending grants (which recovers snapshots) races the retries.
        after_restart, _ = await asyncio.gather(
            send_all(second, calls), asyncio.gather(*(list_grants(second, user_id) for user_id in USERS))
        )
        listed = {user_id: await list_grants(second, user_id) for user_id in USERS}
        followed = await drained_feed(second, stored)
    return Crash(
        claims,
        events,
        window_claims,
        edition_claims,
        acks,
        revokes,
        unlocks_before_burst,
        feed_at_burst_start,
        feed_at_kill,
        expired_at_kill,
        swept_before_kill,
        followed,
        before_crash,
        in_flight,
        unfinished,
        after_restart,
        listed,
        stored,
    )


@pytest.fixture(scope="module")
def crash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crash]:
    """The scenario, run once for the tests below (the session fixture of conftest drops its database)."""
    with pymongo.MongoClient[dict[str, Any]](REAL_MONGODB_URL, tz_aware=True) as client:
        stored = client[make_settings().mongodb_db]
        yield asyncio.run(run_the_crash(stored, tmp_path_factory.mktemp("crash") / "service.log"))


def test_the_kill_landed_while_claims_and_events_were_in_flight(crash: Crash):
    for kind in (crash.claims, crash.events):
        answered = sum(call.name in crash.before_crash for call in kind)
        in_flight = sum(call.name in crash.in_flight_at_kill for call in kind)
        assert answered, f"{answered} answered, {in_flight} in flight"
        assert in_flight, f"{answered} answered, {in_flight} in flight"
    # Acks, revocations and claims racing their window's end had been sent too.
    for kind in (crash.window_claims, crash.acks, crash.revokes):
        answered = sum(call.name in crash.before_crash for call in kind)
        in_flight = sum(call.name in crash.in_flight_at_kill for call in kind)
        assert answered, f"{kind[0].name}...: {answered} answered, {in_flight} in flight"
    assert sum(call.name in crash.in_flight_at_kill for call in crash.window_claims + crash.acks + crash.revokes)
    # Windows were closing (by the sweeper or a claim) and the relay was entering entries during the burst.
    assert crash.expired_at_kill > 0
    assert crash.swept_before_kill > 0
    assert crash.feed_at_kill > crash.feed_at_burst_start
    assert crash.unfinished_reservations_at_kill > 0
    # Some events answered with an unlock, so the replay test below compares something.
    assert any(crash.before_crash[c.name][1]["unlocked"] for c in crash.events if c.name in crash.before_crash)


def test_every_claim_has_exactly_one_grant_in_the_ledger(crash: Crash):
    everything = list(crash.stored["reward_grants"].find({}))
    ledger = [g for g in everything if g["reward_slug"] in CLAIMED_SLUGS]
    assert Counter(g["idempotency_key"] for g in ledger) == Counter(call.name for call in crash.claims)
    for grant in ledger:
        status, answered = crash.after_restart[grant["idempotency_key"]]
        assert status == 200, answered
        assert (answered["grant_id"], answered["reward"]) == (grant["grant_id"], grant["reward_slug"])
        assert grant["idempotency_key"] == f"crash-key-{grant['user_id']}-{grant['reward_slug']}"
    # And no claim the service counted is missing from it: each (user, reward) was claimed once.
    claim_counts = {
        (r["user_id"], r["reward_slug"]): r["claim_count"]
        for r in crash.stored["user_rewards"].find({"reward_slug": {"$in": [*CLAIMED_SLUGS, POINTS_SLUG]}})
    }
    assert claim_counts == {(user_id, slug): 1 for user_id in USERS for slug in CLAIMED_SLUGS} | {
        (user_id, POINTS_SLUG): 0 for user_id in USERS
    }
    for user_id in USERS:
        listed = sorted(g["grant_id"] for g in crash.listed_grants[user_id])
        assert listed == sorted(g["grant_id"] for g in everything if g["user_id"] == user_id)


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
        facts = found_one(crash.stored["user_facts"], {"user_id": user_id})
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


def test_every_window_claim_is_either_granted_once_or_refused_as_expired(crash: Crash):
    for call in crash.window_claims:
        if call.name in crash.before_crash:
            assert crash.after_restart[call.name] == crash.before_crash[call.name], call.name
        status, answered = crash.after_restart[call.name]
        state = found_one(crash.stored["user_rewards"], {"user_id": call.user_id, "reward_slug": WINDOW_SLUG})
        grants = list(crash.stored["reward_grants"].find({"user_id": call.user_id, "reward_slug": WINDOW_SLUG}))
        if status == 200:
            assert (state["status"], state["claim_count"]) == ("claimed", 1), state
            assert [g["grant_id"] for g in grants] == [answered["grant_id"]]
        else:
            assert (status, answered["error"]["code"]) == (409, "claim_expired"), answered
            assert (state["status"], state["claim_count"], grants) == ("expired", 0, []), state


def test_every_revocation_and_ack_took_effect_once(crash: Crash):
    for call in crash.revokes:
        status, answered = crash.after_restart[call.name]
        assert status == 200, answered
        if call.name in crash.before_crash:
            before = crash.before_crash[call.name]
            assert before[0] == 200, before
            assert (before[1]["grant_id"], before[1]["claimed_at"]) == (answered["grant_id"], answered["claimed_at"])
        grant_id = call.path.split("/")[3]
        reversals = list(crash.stored["reward_grants"].find({"reverses": grant_id}))
        assert [r["grant_id"] for r in reversals] == [answered["grant_id"]]
        assert found_one(crash.stored["reward_grants"], {"grant_id": grant_id})["revoked_at"] is not None
    for call in crash.acks:
        status, answered = crash.after_restart[call.name]
        assert status == 200, answered
        if call.name in crash.before_crash:
            assert crash.before_crash[call.name][1]["delivered_at"] == answered["delivered_at"]
        grant_id = call.path.split("/")[3]
        assert found_one(crash.stored["reward_grants"], {"grant_id": grant_id})["delivered_at"] is not None


def test_the_feed_holds_exactly_one_entry_per_change_that_happened(crash: Crash):
    expected = expected_entry_ids(crash.stored, crash.unlocks_before_burst)
    stored = list(crash.stored["feed"].find({}).sort("seq", 1))
    # Nothing lost, nothing doubled, nothing invented.
    assert Counter(entry["entry_id"] for entry in stored) == Counter(expected)
    assert [entry["seq"] for entry in stored] == list(range(1, len(expected) + 1))
    # The workload's changes are all there, by kind (so the comparison above compares something).
    kinds = Counter(entry["type"] for entry in stored)
    reversals = crash.stored["reward_grants"].count_documents({"kind": "reversal"})
    assert kinds["grant_revoked"] == reversals == len(USERS)
    assert kinds["reward_expired"] == crash.stored["user_rewards"].count_documents({"status": "expired"}) > 0
    assert kinds["grant_acked"] >= len(USERS)
    assert kinds["grant_created"] == crash.stored["reward_grants"].count_documents({"kind": {"$ne": "reversal"}})


def test_a_follower_reads_every_change_once_in_cursor_order(crash: Crash):
    expected = expected_entry_ids(crash.stored, crash.unlocks_before_burst)
    followed = crash.followed_feed
    assert sorted(entry["id"] for entry in followed) == sorted(expected)
    assert [int(entry["cursor"]) for entry in followed] == list(range(1, len(expected) + 1))


def test_no_outbox_entry_is_left_once_the_relay_has_drained(crash: Crash):
    assert outboxes_left(crash.stored) == 0


def test_a_limited_edition_is_granted_exactly_its_cap_and_loses_no_slot_to_the_crash(crash: Crash):
    grants = list(crash.stored["reward_grants"].find({"reward_slug": EDITION_SLUG}))
    assert len(grants) == min(EDITION_CAP, len(USERS))
    answers = Counter(
        (crash.after_restart[c.name][0], crash.after_restart[c.name][1].get("error", {}).get("code"))
        for c in crash.edition_claims
    )
    assert answers == Counter({(200, None): EDITION_CAP, (409, "reward_sold_out"): len(USERS) - EDITION_CAP})
    edition = found_one(crash.stored["reward_editions"], {"_id": EDITION_SLUG})
    holders = {f"{g['user_id']}:{g['claim_number']}" for g in grants}
    assert (edition["taken"], set(edition["holders"])) == (EDITION_CAP, holders)  # every slot held by a grant
    assert crash.stored["user_rewards"].count_documents({"pending_slot": {"$ne": None}}) == 0
    for call in crash.edition_claims:  # a grant answered before the crash is the one answered after it
        if call.name in crash.before_crash and crash.before_crash[call.name][0] == 200:
            assert crash.after_restart[call.name] == crash.before_crash[call.name], call.name


def test_claiming_a_prerequisite_unlocked_what_needs_it_whatever_the_crash_cut(crash: Crash):
    dependents = {s["user_id"]: s["status"] for s in crash.stored["user_rewards"].find({"reward_slug": DEPENDENT_SLUG})}
    assert dependents == dict.fromkeys(USERS, "unlocked")
