"""rewards-bench's measurements: the server's CPU time from /proc and the figures wrk's Lua script reports."""

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest
from aiohttp import web

from bench import wrk as bench_wrk
from bench.servers import stat_cpu_seconds

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


def recording_app(seen: list[tuple[str, str, bytes]]) -> web.Application:
    """Answers as the service would: a claim succeeds once per path, then is a 409."""

    async def claim(request: web.Request) -> web.Response:
        repeated = any(path == request.path for _, path, _ in seen)
        seen.append((request.headers["Authorization"], request.path, b""))
        return web.json_response({}, status=409 if repeated else 200)

    async def event(request: web.Request) -> web.Response:
        seen.append((request.headers["Authorization"], request.path, await request.read()))
        return web.json_response({}, status=201)

    app = web.Application()
    app.router.add_post("/v1/users/{user_id}/rewards/{slug}/claim", claim)
    app.router.add_post("/v1/users/{user_id}/events", event)
    return app


@needs_wrk
async def test_wrk_claims_each_path_once_then_stops(aiohttp_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, str, bytes]] = []
    server = await aiohttp_server(recording_app(seen))
    paths = [f"/v1/users/{user}/rewards/r-{user % 3}/claim" for user in range(1, 41)]

    figures = await asyncio.to_thread(bench_wrk.run, str(server.make_url("")), "claim", 8, 2, tmp_path,
                                      token="t", claim_paths=paths)

    assert figures.ok == len(paths) and figures.errors == 0
    assert {path for _, path, _ in seen} == set(paths)
    assert figures.sent == len(seen) >= figures.completed  # repeats sent past the end are 409s, counted apart
    assert {authorization for authorization, _, _ in seen} == {"Bearer t"}


@needs_wrk
async def test_wrk_events_have_unique_ids_and_users_in_range(aiohttp_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, str, bytes]] = []
    server = await aiohttp_server(recording_app(seen))

    figures = await asyncio.to_thread(bench_wrk.run, str(server.make_url("")), "event", 4, 1, tmp_path, users=5,
                                      token="t")

    bodies = [body for _, _, body in seen]
    assert figures.ok > 10 and figures.errors == 0
    assert len({body.split(b'"event_id":"')[1].split(b'"')[0] for body in bodies}) == len(bodies)
    assert {int(path.split("/")[3]) for _, path, _ in seen} <= set(range(1, 6))
