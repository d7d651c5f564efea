"""rewards-bench's measurements: the server's CPU time from /proc and the figures wrk's Lua script reports."""

import asyncio
import json
import os
import random
import shutil
import time
from pathlib import Path

import pytest
from aiohttp import web

from bench import wrk as bench_wrk
from bench.servers import stat_cpu_seconds
from bench.workload import bench_slug, list_page_calls, one_reward_calls

# /proc/<pid>/stat of a process whose command name holds a space and parentheses; utime 150, stime 50.
ODD_STAT = "4242 (my (odd) srv) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 50 3 4 20 0 3 0 77 0 0"

WRK_SUMMARY = """Running 10s test @ http://127.0.0.1:8080
  1 threads and 16 connections
rewards-bench: sent=1016 ok=990 conflicts=7 failed=2 socket_errors=1 seconds=9.500000 p50_us=2100 p95_us=4500 p99_us=9900
Requests/sec:    104.63
"""


def test_stat_cpu_seconds_adds_user_and_system_time_after_an_odd_command_name() -> None:
    assert stat_cpu_seconds(ODD_STAT, 100) == 2.0


def test_stat_cpu_seconds_of_this_process_grows_while_it_computes() -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    before = stat_cpu_seconds(Path("/proc/self/stat").read_text(), ticks)
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    assert stat_cpu_seconds(Path("/proc/self/stat").read_text(), ticks) - before >= 0.2


def test_wrk_summary_counts_conflicts_apart_and_socket_errors_as_errors() -> None:
    figures = bench_wrk.parse_summary("claim", WRK_SUMMARY)
    assert (figures.generator, figures.sent, figures.ok, figures.conflicts, figures.errors) == ("wrk", 1016, 990, 7, 3)
    assert figures.completed == 1000
    assert figures.rate == pytest.approx(1000 / 9.5)
    assert (figures.p50_ms, figures.p95_ms, figures.p99_ms) == (2.1, 4.5, 9.9)


def test_wrk_output_without_the_summary_line_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no summary line"):
        bench_wrk.parse_summary("list", "Running 10s test @ http://127.0.0.1:8080\n")


needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


def recording_app(seen: list[tuple[dict[str, str], str, bytes]]) -> web.Application:
    """Records each request's headers, path and body; answers as the service would: a claim succeeds once per path."""

    async def claim(request: web.Request) -> web.Response:
        repeated = any(path == request.path for _, path, _ in seen)
        seen.append((dict(request.headers), request.path, b""))
        return web.json_response({}, status=409 if repeated else 200)

    async def event(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), request.path, await request.read()))
        return web.json_response({}, status=200)

    async def read(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), request.path_qs, b""))
        return web.json_response({}, status=200)

    app = web.Application()
    app.router.add_get("/v1/users/{user_id}/rewards", read)
    app.router.add_get("/v1/users/{user_id}/rewards/{slug}", read)
    app.router.add_post("/v1/users/{user_id}/rewards/{slug}/claim", claim)
    app.router.add_post("/v1/users/{user_id}/events", event)
    return app


def event_ids(bodies: list[bytes]) -> set[str]:
    return {json.loads(body)["event_id"] for body in bodies}


@needs_wrk
async def test_wrk_claims_each_path_once_and_sends_nothing_more(aiohttp_server, tmp_path: Path) -> None:
    seen: list[tuple[dict[str, str], str, bytes]] = []
    server = await aiohttp_server(recording_app(seen))
    paths = [f"/v1/users/{user}/rewards/r-{user % 3}/claim" for user in range(1, 41)]

    figures = await asyncio.to_thread(
        bench_wrk.run, str(server.make_url("")), "claim", 8, 2, tmp_path, token="t", claim_paths=paths
    )

    assert (figures.sent, figures.ok, figures.conflicts, figures.errors) == (len(paths), len(paths), 0, 0)
    assert sorted(path for _, path, _ in seen) == sorted(paths)  # each once: no repeat answered 409
    assert {headers["Authorization"] for headers, _, _ in seen} == {"Bearer t"}
    assert not any("Idempotency-Key" in headers for headers, _, _ in seen)


@needs_wrk
async def test_wrk_keyed_claims_carry_a_fresh_idempotency_key_each(aiohttp_server, tmp_path: Path) -> None:
    seen: list[tuple[dict[str, str], str, bytes]] = []
    server = await aiohttp_server(recording_app(seen))
    paths = [f"/v1/users/{user}/rewards/r-1/claim" for user in range(1, 21)]

    figures = await asyncio.to_thread(
        bench_wrk.run, str(server.make_url("")), "keyed-claim", 4, 2, tmp_path, token="t", claim_paths=paths
    )

    assert figures.ok == len(paths) == len(seen)
    assert len({headers["Idempotency-Key"] for headers, _, _ in seen}) == len(paths)


@needs_wrk
async def test_wrk_quiet_events_are_reactions_with_unique_ids_and_users_in_range(
    aiohttp_server, tmp_path: Path
) -> None:
    seen: list[tuple[dict[str, str], str, bytes]] = []
    server = await aiohttp_server(recording_app(seen))

    figures = await asyncio.to_thread(
        bench_wrk.run, str(server.make_url("")), "quiet-event", 4, 1, tmp_path, users=5, token="t"
    )

    bodies = [body for _, _, body in seen]
    assert figures.ok > 10
    assert figures.errors == 0
    assert {json.loads(body)["type"] for body in bodies} == {"reaction"}
    assert len(event_ids(bodies)) == len(bodies)
    assert {int(path.split("/")[3]) for _, path, _ in seen} <= set(range(1, 6))


@needs_wrk
async def test_wrk_unlocking_events_give_each_user_in_turn_one_step_up_to_the_limit(
    aiohttp_server, tmp_path: Path
) -> None:
    seen: list[tuple[dict[str, str], str, bytes]] = []
    server = await aiohttp_server(recording_app(seen))

    figures = await asyncio.to_thread(
        bench_wrk.run,
        str(server.make_url("")),
        "unlock-event",
        4,
        2,
        tmp_path,
        users=5,
        token="t",
        limit=23,
        points=100,
    )

    bodies = [json.loads(body) for _, _, body in seen]
    users = [int(path.split("/")[3]) for _, path, _ in seen]
    assert figures.sent == figures.ok == len(seen) == 23  # the limit, then nothing more
    assert {(body["type"], body["amount"]) for body in bodies} == {("points", 100)}
    assert len({body["event_id"] for body in bodies}) == 23
    assert sorted(users.count(user) for user in range(1, 6)) == [4, 4, 5, 5, 5]


@needs_wrk
async def test_wrk_list_pages_ask_random_users_for_the_first_page(aiohttp_server, tmp_path: Path) -> None:
    seen: list[tuple[dict[str, str], str, bytes]] = []
    server = await aiohttp_server(recording_app(seen))

    figures = await asyncio.to_thread(
        bench_wrk.run, str(server.make_url("")), "list-page", 4, 1, tmp_path, users=5, token="t", page_size=20
    )

    assert figures.ok > 10
    assert {path.split("/", 4)[4] for _, path, _ in seen} == {"rewards?limit=20"}
    assert {int(path.split("/")[3]) for _, path, _ in seen} <= set(range(1, 6))


@needs_wrk
async def test_wrk_one_reward_reads_ask_for_bench_rewards_of_random_users(aiohttp_server, tmp_path: Path) -> None:
    seen: list[tuple[dict[str, str], str, bytes]] = []
    server = await aiohttp_server(recording_app(seen))

    figures = await asyncio.to_thread(
        bench_wrk.run, str(server.make_url("")), "one-reward", 4, 1, tmp_path, users=5, token="t", rewards=3
    )

    assert figures.ok > 10
    slugs = {path.split("/")[5] for _, path, _ in seen}
    assert slugs <= {bench_slug(number) for number in range(3)}
    assert len(slugs) > 1
    assert {int(path.split("/")[3]) for _, path, _ in seen} <= set(range(1, 6))


def test_the_python_client_s_page_and_one_reward_reads_ask_what_wrk_s_do() -> None:
    rng = random.Random(1)
    pages, ones = list(list_page_calls(20, 5, rng)), list(one_reward_calls(50, 5, 3, rng))

    assert {call.path.split("/", 4)[4] for call in pages} == {"rewards?limit=20"}
    assert {call.path.split("/")[5] for call in ones} == {bench_slug(number) for number in range(3)}
    assert {int(call.path.split("/")[3]) for call in pages + ones} == set(range(1, 6))
    assert {call.method for call in pages + ones} == {"GET"}
