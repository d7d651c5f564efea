"""The database goes away under load and comes back: clear 503s in bounded time, then everything exactly once.

The service runs as a real process whose MongoDB connection passes through the suite's fault proxy
(`tests/support/fault_proxy.py`). Events and claims, each with its event id or Idempotency-Key, are
in flight when the line is cut (connections reset, new ones refused: a crashed server) or hangs
(connections open, nothing comes back: an overloaded server or a partition; writes may still be
applied). More arrive during the fault. Then the line heals, and every request is sent again with
the same id or key, as the bot's client does after a 503. The service is never restarted.

The scenario runs once per kind of fault; each test below checks one promise. Bounds are bounds
(an answer never waits much past the deadline, where it once took 40 s), never measures of speed.
"""

import asyncio
import contextlib
import json
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pymongo
import pytest
from aiohttp import web

from service.http.middleware import RETRY_AFTER_SECONDS
from tests.support.environment import ADMIN, ADMIN_TOKEN, BOT, BOT_TOKEN, REAL_MONGODB_URL, make_settings
from tests.support.factories import reward_payload
from tests.support.fault_proxy import FaultProxy
from tests.support.service_process import Service, running_service
from tests.support.webhooks import SECRET, Receiver

pytestmark = pytest.mark.skipif(not REAL_MONGODB_URL, reason="needs MONGODB_URL: the faults are on the wire")

DB_TIMEOUT_SECONDS = 4.0
# An answer during the fault comes at about the deadline; this much more is allowed for a loaded machine.
ANSWER_BOUND_SECONDS = DB_TIMEOUT_SECONDS + 6.0
# The readiness probe has its own, shorter deadline (1.5 s): it answers before a request's deadline.
PROBE_BOUND_SECONDS = DB_TIMEOUT_SECONDS - 0.5
# How long recovery may take after the heal (the jobs' backoff is at most 10 s).
RECOVERY_BOUND_SECONDS = 60.0
# How long the fault lasts once the requests were answered: every background job tries, fails and backs off.
FAULT_AFTER_ANSWERS_SECONDS = 3 * DB_TIMEOUT_SECONDS
USERS = tuple(range(81_001, 81_009))
COINS = "fault-coins"  # claimed during the fault
WINDOW = "fault-window"  # its claim windows close during the fault: the sweep must expire them after it
JOBS = ("feed-relay", "expiry-sweep", "webhook-sender", "rarity-refresh")


@dataclass(frozen=True)
class Call:
    name: str  # the event id or Idempotency-Key
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None
    retry_after: str | None
    seconds: float


@dataclass
class Fault:
    """What one run of the scenario saw and left in the database."""

    mode: str
    pid_before: int
    pid_after: int
    during: dict[str, Answer]  # every call's first answer: in flight at the fault, or sent during it
    health: Answer
    live: Answer
    final: dict[str, Answer]  # every call's answer after the heal, retried with its id or key
    ready_after_heal: bool
    grants: Counter[tuple[int, str]]
    total_points: dict[int, int]
    statuses: dict[tuple[int, str], str]
    feed_types: Counter[str]
    feed_ids: set[str]
    delivered_ids: set[str]
    rarity_after_heal: bool
    log: list[dict[str, Any]] = field(default_factory=list)


def calls() -> list[Call]:
    claims = [
        Call(
            f"fault-key-{u}",
            "POST",
            f"/v1/users/{u}/rewards/{COINS}/claim",
            {**BOT, "Idempotency-Key": f"fault-key-{u}"},
        )
        for u in USERS
    ]
    events = [
        Call(
            f"fault-event-{u}",
            "POST",
            f"/v1/users/{u}/events",
            BOT,
            {"event_id": f"fault-event-{u}", "type": "points", "amount": 1},
        )
        for u in USERS
    ]
    return [call for pair in zip(claims, events, strict=True) for call in pair]


async def send(session: aiohttp.ClientSession, service: Service, call: Call) -> Answer:
    started = time.monotonic()
    async with session.request(call.method, service.url + call.path, headers=call.headers, json=call.body) as response:
        body = await response.json(content_type=None)
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    return Answer(response.status, code, response.headers.get("Retry-After"), time.monotonic() - started)


async def get(session: aiohttp.ClientSession, service: Service, path: str) -> Answer:
    return await send(session, service, Call(path, "GET", path, {}))


async def until(check: Callable[[], Awaitable[bool]], seconds: float = RECOVERY_BOUND_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.2)
    return False


async def retried(session: aiohttp.ClientSession, service: Service, call: Call) -> Answer:
    """The call sent again until it is answered with anything but a 503, as the bot's client would."""
    for _ in range(30):
        answer = await send(session, service, call)
        if answer.status != 503:
            return answer
        await asyncio.sleep(float(answer.retry_after or 1))
    return answer


@contextlib.asynccontextmanager
async def webhook_receiver() -> Any:
    receiver = Receiver()
    runner = web.AppRunner(receiver.app())
    await runner.setup()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    receiver.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield receiver
    finally:
        await runner.cleanup()


async def run_the_fault(mode: str, stored: Any, log_path: Path) -> Fault:
    assert REAL_MONGODB_URL, "the proxy stands in front of a real server (the module runs on one only)"
    async with (
        webhook_receiver() as receiver,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session,
    ):
        with FaultProxy.in_front_of(REAL_MONGODB_URL) as proxy, contextlib.ExitStack() as stack:
            env = {
                "MONGODB_URL": proxy.url,
                "MONGODB_DB": stored.name,
                "REWARDS_BOT_TOKEN": BOT_TOKEN,
                "REWARDS_ADMIN_TOKEN": ADMIN_TOKEN,
                "REWARDS_DB_TIMEOUT_SECONDS": str(DB_TIMEOUT_SECONDS),
                "REWARDS_FEED_RELAY_SECONDS": "0.2",
                "REWARDS_EXPIRY_SWEEP_SECONDS": "0.5",
                "REWARDS_RARITY_SECONDS": "1",
                "REWARDS_WEBHOOK_URL": receiver.url,
                "REWARDS_WEBHOOK_SECRET": SECRET,
                "REWARDS_WEBHOOK_POLL_SECONDS": "0.2",
                "REWARDS_WEBHOOK_TIMEOUT_SECONDS": "2",
            }
            service = await asyncio.to_thread(stack.enter_context, running_service(env, log_path))
            for slug, window in ((COINS, 168), (WINDOW, 1)):
                payload = reward_payload(
                    slug=slug, conditions=[{"condition_type": "total_points", "value": 5}], claim_window_hours=window
                )
                async with session.post(service.url + "/v1/rewards", json=payload, headers=ADMIN) as response:
                    assert response.status == 201, await response.text()
            for user in USERS:  # both rewards unlocked before the fault
                before = Call(
                    f"pre-{user}",
                    "POST",
                    f"/v1/users/{user}/events",
                    BOT,
                    {"event_id": f"pre-{user}", "type": "points", "amount": 5},
                )
                assert (await send(session, service, before)).status == 200
            pid_before = service.process.pid

            all_calls = calls()
            half = len(all_calls) // 2
            in_flight = [asyncio.create_task(send(session, service, call)) for call in all_calls[:half]]
            await asyncio.sleep(0.05)  # some reach the server, none has been answered on SecantusDB
            await asyncio.to_thread(getattr(proxy, mode))
            # The windows close while the database is unreachable for the service.
            stored.user_rewards.update_many(
                {"reward_slug": WINDOW}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}}
            )
            during_fault = [asyncio.create_task(send(session, service, call)) for call in all_calls[half:]]
            health, live = await get(session, service, "/health"), await get(session, service, "/health/live")
            answers = await asyncio.gather(*in_flight, *during_fault)
            await asyncio.sleep(FAULT_AFTER_ANSWERS_SECONDS)

            async def every_job_met_the_fault() -> bool:
                # A job between two runs (the rarity refresh runs each second) may not have tried yet:
                # the fault lasts until each has, so that each has an outage to report.
                text = await asyncio.to_thread(log_path.read_text)
                return all(f"{job}: database unavailable" in text for job in JOBS)

            await until(every_job_met_the_fault)
            healed_at = datetime.now(UTC)
            await asyncio.to_thread(proxy.heal)

            async def ready() -> bool:
                return (await get(session, service, "/health")).status == 200

            ready_after_heal = await until(ready)
            final = {call.name: await retried(session, service, call) for call in all_calls}

            async def swept() -> bool:
                return stored.user_rewards.count_documents({"reward_slug": WINDOW, "status": "expired"}) == len(USERS)

            async def relayed() -> bool:  # two unlocks, one grant and one expiry per user
                return stored.feed.count_documents({}) == 4 * len(USERS)

            async def delivered() -> bool:
                return len(set(receiver.accepted_ids)) == stored.feed.count_documents({})

            async def rarity_refreshed() -> bool:
                marker = stored.rarity_refresh.find_one({})
                return marker is not None and marker.get("as_of") is not None and marker["as_of"] > healed_at

            for check in (swept, relayed, delivered, rarity_refreshed):
                await until(check)
            rarity_after_heal = await rarity_refreshed()
            pid_after = service.process.pid if service.process.poll() is None else -1

    log_text = await asyncio.to_thread(log_path.read_text)
    return Fault(
        mode=mode,
        pid_before=pid_before,
        pid_after=pid_after,
        during=dict(zip((c.name for c in all_calls), answers, strict=True)),
        health=health,
        live=live,
        final=final,
        ready_after_heal=ready_after_heal,
        grants=Counter((g["user_id"], g["reward_slug"]) for g in stored.reward_grants.find({"kind": "grant"})),
        total_points={f["user_id"]: f["total_points"] for f in stored.user_facts.find({})},
        statuses={(s["user_id"], s["reward_slug"]): s["status"] for s in stored.user_rewards.find({})},
        feed_types=Counter(e["type"] for e in stored.feed.find({})),
        feed_ids={e["entry_id"] for e in stored.feed.find({})},
        delivered_ids=set(receiver.accepted_ids),
        rarity_after_heal=rarity_after_heal,
        log=[json.loads(line) for line in log_text.splitlines() if line.startswith("{")],
    )


@pytest.fixture(scope="module", params=["cut", "hang"])
def fault(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fault]:
    """The scenario, run once per kind of fault (the session fixture of conftest drops its database)."""
    with pymongo.MongoClient[dict[str, Any]](REAL_MONGODB_URL, tz_aware=True) as client:
        stored = client[make_settings().mongodb_db]
        log_path = tmp_path_factory.mktemp(f"fault-{request.param}") / "service.log"
        yield asyncio.run(run_the_fault(request.param, stored, log_path))


def test_no_answer_during_the_fault_is_a_500_only_a_success_or_503_database_unavailable(fault: Fault):
    refused = [a for a in fault.during.values() if a.status == 503]
    assert refused, "the fault answered nothing with 503"
    assert all(a.status == 200 or a.code == "database_unavailable" for a in fault.during.values()), fault.during
    assert {a.retry_after for a in refused} == {str(RETRY_AFTER_SECONDS)}


def test_every_answer_during_the_fault_came_within_a_bound_of_the_deadline(fault: Fault):
    slowest = max(a.seconds for a in fault.during.values())
    assert slowest < ANSWER_BOUND_SECONDS, f"an answer took {slowest:.1f} s"


def test_readiness_answers_503_before_a_requests_deadline_and_liveness_stays_200(fault: Fault):
    assert (fault.health.status, fault.health.seconds < PROBE_BOUND_SECONDS) == (503, True), fault.health
    assert fault.live.status == 200


def test_the_service_recovers_without_a_restart(fault: Fault):
    assert fault.ready_after_heal
    assert fault.pid_after == fault.pid_before


def test_every_request_retried_with_its_id_or_key_is_answered_200(fault: Fault):
    assert {name: a.status for name, a in fault.final.items()} == dict.fromkeys(fault.final, 200)


def test_each_claim_granted_exactly_once_and_each_event_counted_exactly_once(fault: Fault):
    assert fault.grants == Counter({(user, COINS): 1 for user in USERS})
    assert fault.total_points == dict.fromkeys(USERS, 6)  # 5 before the fault, then 1 counted once


def test_the_background_jobs_run_again_by_themselves(fault: Fault):
    assert {fault.statuses[(user, WINDOW)] for user in USERS} == {"expired"}  # the sweep
    assert fault.feed_types == Counter(
        {"reward_unlocked": 2 * len(USERS), "grant_created": len(USERS), "reward_expired": len(USERS)}
    )  # the relay, each entry once
    assert fault.delivered_ids == fault.feed_ids  # the webhook sender
    assert fault.rarity_after_heal  # the rarity refresh


def test_each_job_logs_the_outage_once_and_its_end_once_with_no_stack_trace_anywhere(fault: Fault):
    lines = [line["message"] for line in fault.log if line.get("logger") == "service.jobs.runner"]
    for job in JOBS:
        assert sum(m.startswith(f"{job}: database unavailable") for m in lines) == 1, (job, lines)
        assert sum(m.startswith(f"{job}: database available again") for m in lines) == 1, (job, lines)
    assert [line for line in fault.log if "exception" in line] == []
    probe = [line["message"] for line in fault.log if line.get("logger") == "service.http.handlers.health"]
    assert len(probe) == 2
    assert "unavailable" in probe[0]
    assert "available again" in probe[1]
