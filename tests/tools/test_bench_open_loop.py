"""rewards-bench's open-loop generator: it sends on schedule whatever the server does, and times each request
from its scheduled send time, so that a stall counts against every request queued behind it."""

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from bench import open_loop
from bench.load import Call
from bench.servers import free_port
from bench.workload import mixed_calls


def calls(endpoint: str, path: str, count: int) -> Iterator[tuple[str, Call]]:
    return ((endpoint, Call("GET", path)) for _ in range(count))


@contextmanager
def serving_in_a_thread(app: web.Application) -> Iterator[str]:
    """`app` on its own event loop in another thread: blocking that loop leaves the generator's running."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="open-loop-test-server", daemon=True)
    runner = web.AppRunner(app)

    async def start() -> str:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    thread.start()
    try:
        yield asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def base_url(server: Any) -> str:
    return str(server.make_url("/")).rstrip("/")


def answering(status: int) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return web.json_response({}, status=status)

    return handle


def stalling_app(stall_at: int = 0, stall_seconds: float = 0.0) -> web.Application:
    """Answers at once, except that on the `stall_at`-th request (if any) it blocks its event loop for a while."""
    arrivals = 0

    async def handle(request: web.Request) -> web.Response:
        nonlocal arrivals
        arrivals += 1
        if arrivals == stall_at:
            time.sleep(stall_seconds)  # noqa: ASYNC251 - blocking the loop is the stall under test
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/", handle)
    return app


async def test_requests_are_sent_on_schedule_while_the_server_answers_none(aiohttp_server: Any) -> None:
    total = 40
    arrivals = 0
    everything_arrived = asyncio.Event()

    async def hold_until_all_arrived(request: web.Request) -> web.Response:
        nonlocal arrivals
        arrivals += 1
        if arrivals == total:
            everything_arrived.set()
        await everything_arrived.wait()
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/", hold_until_all_arrived)
    server = await aiohttp_server(app)

    # A closed loop would wait for the first answer forever: only the timeout would end it, with errors.
    result = await open_loop.run(base_url(server), 100, total / 100, calls("held", "/", total), {}, request_timeout=10)

    held = result.endpoints["held"]
    assert arrivals == total
    assert held.sent == held.completed == held.ok == total
    # The first request waited for the last one to be sent, 0.39 s after it was due.
    assert max(held.latencies) >= 0.3


async def test_a_server_stall_counts_against_every_request_queued_behind_it() -> None:
    with serving_in_a_thread(stalling_app(stall_at=100, stall_seconds=0.4)) as url:
        result = await open_loop.run(url, 200, 2, calls("stalled", "/", 400), {})

    stalled = result.endpoints["stalled"]
    assert stalled.ok == 400
    assert max(stalled.latencies) >= 0.3
    # The stall spans some 80 requests due at 5 ms intervals; those due in its first 0.3 s waited 0.1 s or more.
    assert sum(latency >= 0.1 for latency in stalled.latencies) >= 20


async def test_the_generator_s_own_lag_counts_against_the_requests_it_sent_late_and_is_reported() -> None:
    with serving_in_a_thread(stalling_app()) as url:
        asyncio.get_running_loop().call_later(0.5, time.sleep, 0.4)  # blocks the generator's loop, not the server's
        result = await open_loop.run(url, 200, 2, calls("late", "/", 400), {})

    late = result.endpoints["late"]
    assert late.ok == 400
    assert sum(latency >= 0.1 for latency in late.latencies) >= 20
    assert result.lag().max_ms >= 300
    assert result.generator_lagged


async def test_2xx_are_ok_409_conflicts_and_other_statuses_errors(aiohttp_server: Any) -> None:
    app = web.Application()
    app.router.add_get("/created", answering(201))
    app.router.add_get("/taken", answering(409))
    app.router.add_get("/broken", answering(500))
    server = await aiohttp_server(app)
    load = [
        pair
        for number in range(10)
        for pair in [
            ("created", Call("GET", "/created")),
            ("taken", Call("GET", "/taken")),
            ("broken", Call("GET", "/broken")),
        ]
    ]

    result = await open_loop.run(base_url(server), 200, 30 / 200, load, {})

    counts = {name: (e.sent, e.ok, e.conflicts, e.errors) for name, e in result.endpoints.items()}
    assert counts == {"created": (10, 10, 0, 0), "taken": (10, 0, 10, 0), "broken": (10, 0, 0, 10)}
    assert result.total().completed == 30
    assert len(result.total().latencies) == 30


async def test_a_refused_connection_is_an_error_without_a_latency() -> None:
    result = await open_loop.run(f"http://127.0.0.1:{free_port()}", 100, 0.1, calls("refused", "/", 10), {})

    refused = result.endpoints["refused"]
    assert (refused.sent, refused.ok, refused.conflicts, refused.errors) == (10, 0, 0, 10)
    assert refused.latencies == []


async def test_json_bodies_are_sent_as_json_with_the_session_headers(aiohttp_server: Any) -> None:
    seen: list[tuple[str, str, Any]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((request.headers["Authorization"], request.content_type, await request.json()))
        return web.json_response({}, status=201)

    app = web.Application()
    app.router.add_post("/events", record)
    server = await aiohttp_server(app)

    await open_loop.run(
        base_url(server),
        100,
        0.01,
        [("event", Call("POST", "/events", {"event_id": "e-1"}))],
        {"Authorization": "Bearer t"},
    )

    assert seen == [("Bearer t", "application/json", {"event_id": "e-1"})]


def test_summary_gives_percentiles_and_maximum_in_ms() -> None:
    latencies = [0.002] * 980 + [0.050] * 15 + [0.400] * 5
    random.Random(1).shuffle(latencies)

    summary = open_loop.summarize(latencies)

    assert (summary.p50_ms, summary.p95_ms, summary.p99_ms, summary.max_ms) == (2.0, 2.0, 50.0, 400.0)


def test_summary_of_no_latencies_is_zero() -> None:
    assert open_loop.summarize([]) == open_loop.Summary(0.0, 0.0, 0.0, 0.0)


def test_generator_lag_warns_beyond_5_ms_at_p99() -> None:
    on_time = open_loop.OpenLoopResult(1000, {}, lags=[0.001] * 995 + [0.050] * 5)
    late = open_loop.OpenLoopResult(1000, {}, lags=[0.001] * 980 + [0.010] * 20)

    assert not on_time.generator_lagged
    assert late.generator_lagged


def test_the_mixed_load_alternates_new_events_and_lists() -> None:
    load = list(mixed_calls(6, 100, random.Random(1)))

    assert [endpoint for endpoint, _ in load] == ["event", "list"] * 3
    assert [call.json["event_id"] for endpoint, call in load if endpoint == "event"] == ["open-0", "open-1", "open-2"]
    assert all(call.method == "GET" and call.path.endswith("/rewards") for endpoint, call in load if endpoint == "list")
