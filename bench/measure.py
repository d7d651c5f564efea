"""One phase of `python -m bench`, measured from an idle service to an idle one: a row, the ceiling, the idle window, the open loop."""

import argparse
import asyncio
import random
import time
from collections.abc import Iterator
from pathlib import Path

from bench import commands as bench_commands
from bench import open_loop
from bench import wrk as bench_wrk
from bench.commands import PhaseCommands, Snapshot
from bench.load import Call, Figures, drive
from bench.open_loop import OpenLoopResult
from bench.py_spy import Profiler
from bench.report import RowResult
from bench.servers import BOT_HEADERS, BOT_TOKEN, Server
from bench.tables import print_open_loop_table
from bench.workload import PAGE_SIZE, POINTS_STEP, Row, mixed_calls


async def settled(service: Server, wire: bool) -> Snapshot:
    """The counters once the relay has numbered what was written (at once on the embedded database)."""
    if not wire:
        return await asyncio.to_thread(bench_commands.scrape, service.url)
    return await asyncio.to_thread(bench_commands.settle, lambda: bench_commands.scrape(service.url))


async def generate(
    args: argparse.Namespace,
    server: Server,
    name: str,
    calls: Iterator[Call],
    work_dir: Path,
    paths: list[str] | None = None,
    limit: int = 0,
) -> Figures:
    """One row's load: wrk for `--duration` (up to `limit` requests, or each of `paths` once), or the Python client."""
    if args.generator == "wrk":
        return await asyncio.to_thread(
            bench_wrk.run,
            server.url,
            name,
            args.clients,
            args.duration,
            work_dir,
            args.users,
            BOT_TOKEN,
            args.seed,
            paths or [],
            limit,
            POINTS_STEP,
            args.rewards,
            PAGE_SIZE,
        )
    return (await drive(server.url, name, calls, args.clients, BOT_HEADERS)).figures()


async def measure_row(
    args: argparse.Namespace,
    service: Server,
    row: Row,
    calls: Iterator[Call],
    work_dir: Path,
    profiler: Profiler,
    wire: bool,
    paths: list[str] | None = None,
    limit: int = 0,
) -> RowResult:
    """One row, from idle to idle: the load, then the counters once settled, py-spy's samples, the CPU time."""
    cpu_before = await asyncio.to_thread(service.wait_idle)
    before = await asyncio.to_thread(bench_commands.scrape, service.url)
    sampler = await asyncio.to_thread(profiler.start, row.name)
    try:
        load = await generate(args, service, row.generator_kind, calls, work_dir, paths, limit)
        load.name = row.name
        after = await settled(service, wire)
    finally:
        profile = await asyncio.to_thread(profiler.stop, row.name, sampler)
    cpu_seconds = await asyncio.to_thread(service.wait_idle) - cpu_before
    phase = PhaseCommands(before, after)
    return RowResult(
        row,
        load,
        phase.requests(row.method, row.route),
        cpu_seconds,
        bench_commands.per_request(phase, row.method, row.route) if wire else None,
        profile,
    )


async def measure_ceiling(args: argparse.Namespace, ceiling: Server, work_dir: Path) -> Figures:
    """The ceiling's load, with its CPU time from idle to idle."""
    before = await asyncio.to_thread(ceiling.wait_idle)
    figures = await generate(args, ceiling, "ceiling", (Call("GET", "/") for _ in range(args.requests)), work_dir)
    figures.cpu_seconds = await asyncio.to_thread(ceiling.wait_idle) - before
    return figures


async def measure_idle(service: Server, seconds: float) -> dict[str, float]:
    """The jobs' idle polling per second over a window with no load, by job."""
    before = await settled(service, True)
    started = time.monotonic()
    await asyncio.sleep(seconds)
    after = await asyncio.to_thread(bench_commands.scrape, service.url)
    elapsed = time.monotonic() - started
    return {job: count / elapsed for job, count in PhaseCommands(before, after).idle().items()}


async def measure_open_loop(args: argparse.Namespace, service: Server, rng: random.Random) -> OpenLoopResult:
    """The open-loop phase, its table printed with the service's CPU time from idle to idle."""
    count = round(args.open_loop * args.duration)
    before = await asyncio.to_thread(service.wait_idle)
    result = await open_loop.run(
        service.url, args.open_loop, args.duration, mixed_calls(count, args.users, rng), BOT_HEADERS
    )
    cpu_seconds = await asyncio.to_thread(service.wait_idle) - before
    print_open_loop_table(result, args.duration, cpu_seconds)
    return result
