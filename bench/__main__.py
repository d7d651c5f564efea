"""`python -m bench` (rewards-bench): what each endpoint costs the service on the production path, Motor to a MongoDB server.

The service and a trivial aiohttp handler (the ceiling) run in subprocesses. Without
`--mongodb-url` the bench starts the test suite's SecantusDB server for the run (a slow test
server: its figures judge commands and the service's CPU, never speed); `--embedded` runs the
service on its embedded database instead (mongomock: a demo and test double, whose figures are
figures, not targets). The bench loads R rewards through the admin API and U users through facts
PUTs (each user unlocks a few rewards), measures the jobs' idle polling over a window with no
load, then measures the ceiling and five rows over C connections: a user's rewards list, an event
that changes nothing, an event that unlocks exactly one reward, a claim and a claim with an
Idempotency-Key; with wrk for `--duration` seconds each when wrk is installed, else with its own
Python client for `--requests` each. Claims are of rewards the users really unlocked, each once.

Per row it reports the load generator's figures, and the service's: database commands per
request answered (its own and the background jobs' work, from `/metrics` before and after the
phase, once the relay has numbered what the phase wrote; bench/commands.py), its CPU time per
request from idle to idle, and the share of py-spy's samples outside the driver (bench/py_spy.py).
`--open-loop RATE` then offers RATE req/s (1000 by default) for `--duration` seconds, new events
and lists in turn, whatever the service answers, and times each request from its scheduled send
time (see bench/open_loop.py). `--soak N` then compares the service's RSS before and after N
requests that store data, and before and after N that store nothing new (see `soak`).
"""

import argparse
import asyncio
import contextlib
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import commands as bench_commands
from bench import open_loop, py_spy
from bench import wrk as bench_wrk
from bench.commands import CommandsPerRequest, PhaseCommands, Snapshot
from bench.load import Call, Figures, drive
from bench.open_loop import OpenLoopResult
from bench.py_spy import Shares
from bench.servers import BOT_TOKEN, Server, start_ceiling, start_service
from bench.workload import (
    CAPPED_CLAIM,
    CHAIN_CLAIM,
    CLAIM,
    EDITION_SLUG,
    KEYED_CLAIM,
    LIST,
    POINTS_STEP,
    QUIET_EVENT,
    STEP_SLUG,
    UNLOCK_EVENT,
    Row,
    claim_calls,
    claim_path,
    event_calls,
    level_up_calls,
    list_calls,
    mixed_calls,
    quiet_event_calls,
    reward_calls,
    rule_reward_calls,
    unlock_budget,
    unlock_event_calls,
    unlocked_pairs,
    user_calls,
    user_steps,
)
from service.settings import mask_url

BOT_HEADERS = {"Authorization": f"Bearer {BOT_TOKEN}"}
SOAK_CLAIMS = 1000  # keyed claims the soak makes, then replays


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--mongodb-url",
        default=os.environ.get("MONGODB_URL") or None,
        help="run the service on this MongoDB server, in a fresh database dropped at the end "
        "(default: MONGODB_URL, else a SecantusDB server the bench starts and stops)",
    )
    where.add_argument(
        "--embedded",
        action="store_true",
        help="run the service on its embedded database (mongomock): figures, not targets; "
        "no commands are sent, so none are counted",
    )
    parser.add_argument("--rewards", type=int, default=50, help="active rewards R (default 50)")
    parser.add_argument("--users", type=int, default=200, help="users U loaded with facts (default 200)")
    parser.add_argument(
        "--unlocked", type=int, default=5, help="rewards a loaded user has unlocked on average (default 5)"
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections C (default 16)")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator of the measured rows: wrk when installed (auto, the default), "
        "or the bench's own Python client",
    )
    parser.add_argument(
        "--duration",
        type=int,
        default=30,
        help="seconds per row with wrk, and of the open-loop phase (default 30; the unlocking "
        "events and the claims stop sooner if they run out)",
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="requests per row with the Python client (default 500)"
    )
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=10.0,
        help="the window with no load over which the jobs' idle polling is measured (default 10)",
    )
    parser.add_argument(
        "--open-loop",
        type=float,
        nargs="?",
        const=1000.0,
        metavar="RATE",
        help="then offer RATE req/s (default 1000), half new events and half lists, for --duration "
        "seconds whatever the service answers; latency from each request's scheduled send time",
    )
    parser.add_argument(
        "--soak",
        type=int,
        nargs="?",
        const=100_000,
        metavar="N",
        help="then N requests that store data and N that do not (default 100000 each), RSS at start and end of each",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="also write py-spy's samples of every row to FILE (collapsed stacks, each under a "
        "root frame naming its row), for a flame graph",
    )
    parser.add_argument("--log-level", default="INFO", help="the service's REWARDS_LOG_LEVEL (default INFO)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated load")
    args = parser.parse_args(argv)
    if args.open_loop is not None and args.open_loop <= 0:
        parser.error("--open-loop RATE must be positive")
    if args.embedded:
        args.mongodb_url = None
    return args


@dataclass
class RowResult:
    """One row's figures: the load generator's, and the service's own from its metrics, /proc and py-spy."""

    row: Row
    load: Figures
    answered: int  # requests the service answered on the row's route (any status)
    cpu_seconds: float
    commands: CommandsPerRequest | None  # None on the embedded database
    profile: Shares | str  # py-spy's shares, or why there are none

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds * 1000 / self.answered if self.answered else 0.0


@dataclass
class Report:
    """Everything a run measured; `status` is the exit status (1 when a request failed)."""

    database: str = ""  # the bench's own database, dropped at the end
    ceiling: Figures | None = None
    rows: list[RowResult] = field(default_factory=list)
    idle_per_second: dict[str, float] | None = None  # by job; None on the embedded database
    status: int = 1

    def row(self, name: str) -> RowResult:
        return next(result for result in self.rows if result.row.name == name)


class Profiler:
    """py-spy per row when it can run, its stacks kept for `--profile`."""

    def __init__(self, pid: int, work_dir: Path) -> None:
        self.pid, self.work_dir = pid, work_dir
        self.program = py_spy.executable()
        self.unavailable = (
            None if self.program else "py-spy is not installed (pip install py-spy, or the [profile] extra)"
        )
        self.collapsed: list[str] = []

    def start(self, name: str) -> py_spy.Sampler | None:
        if self.unavailable or not self.program:
            return None
        return py_spy.Sampler(self.program, self.pid, self.work_dir / f"{name}.stacks")

    def stop(self, name: str, sampler: py_spy.Sampler | None) -> Shares | str:
        if sampler is None:
            return self.unavailable or "not sampled"
        stacks = sampler.stop()
        if isinstance(stacks, str):
            self.unavailable = stacks  # not permitted here, most likely: no use trying the next rows
            return stacks
        self.collapsed += [f"{name};{';'.join(frames)} {count}" for frames, count in stacks]
        return py_spy.shares(stacks)


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


def _figure(value: float | None, width: int, form: str = ".2f") -> str:
    return f"{'n/a':>{width}}" if value is None else f"{value:>{width}{form}}"


def print_load_table(report: Report) -> None:
    print(
        f"{'row':<13} {'generator':<9} {'sent':>6} {'answered':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'409':>4} {'errors':>6}"
    )
    loads = ([report.ceiling] if report.ceiling else []) + [result.load for result in report.rows]
    for load in loads:
        print(
            f"{load.name:<13} {load.generator:<9} {load.sent:>6} {load.completed:>8} {load.rate:>7.0f} "
            f"{load.p50_ms:>7.1f} {load.p95_ms:>7.1f} {load.p99_ms:>7.1f} {load.conflicts:>4} {load.errors:>6}"
        )
    print("req/s and latencies: as the load generator saw them (requests answered or failed on the connection).")


def print_cost_table(report: Report) -> None:
    ceiling = report.ceiling.cpu_ms_per_request if report.ceiling else 0.0
    print(
        f"{'row':<13} {'answered':>8} {'cmds/req':>8} {'route':>6} {'jobs':>6} {'CPU ms/req':>10} {'x ceiling':>9} "
        f"{'samples':>7} {'outside driver':>14} {'driver':>6}"
    )
    if report.ceiling:
        print(
            f"{'ceiling':<13} {report.ceiling.sent:>8} {'n/a':>8} {'n/a':>6} {'n/a':>6} {ceiling:>10.3f} "
            f"{1.0:>9.1f} {'n/a':>7} {'n/a':>14} {'n/a':>6}"
        )
    notes: list[str] = []
    for result in report.rows:
        cost, profile = result.commands, result.profile
        total, route, jobs = (cost.total, cost.route, cost.jobs) if cost else (None, None, None)
        if isinstance(profile, Shares) and profile.samples:
            sampled = f"{profile.samples:>7} {profile.outside_driver:>14.0%} {profile.driver_share:>6.0%}"
        else:
            sampled = f"{profile.samples if isinstance(profile, Shares) else 'n/a':>7} {'n/a':>14} {'n/a':>6}"
        ratio = result.cpu_ms_per_request / ceiling if ceiling else None
        print(
            f"{result.row.name:<13} {result.answered:>8} {_figure(total, 8)} {_figure(route, 6)} {_figure(jobs, 6)} "
            f"{result.cpu_ms_per_request:>10.3f} {_figure(ratio, 9, '.1f')} {sampled}"
        )
        if cost and set(cost.work) - {bench_commands.RELAY}:
            notes.append(
                f"{result.row.name}: jobs' work " + ", ".join(f"{job} {per:.3f}" for job, per in cost.work.items())
            )
        if isinstance(profile, str) and f"py-spy: {profile}" not in notes:
            notes.append(f"py-spy: {profile}")
    print("answered: requests the service answered on the row's route (its own count).")
    print(
        "cmds/req: database commands per request answered = route (the request's own) + jobs (the background "
        "jobs' work over the row: the feed relay numbering the entries the requests wrote); idle polling left out."
    )
    print(
        "CPU ms/req: the service's user + system time from idle before the row to idle after it, per request "
        "answered (the ceiling's: its own, per request sent)."
    )
    print(
        "samples: py-spy's samples of the service's thread holding the GIL (running Python) over the row; outside "
        "driver: the share with no frame in pymongo, motor or bson (the service's own code, aiohttp, pydantic...); "
        "on the embedded database mongomock counts as the driver."
    )
    for note in notes:
        print(note)
    if report.idle_per_second is None:
        print("commands: n/a on the embedded database (it sends none, so the service counts none)")
    else:
        jobs_idle = ", ".join(f"{job} {rate:.1f}" for job, rate in report.idle_per_second.items()) or "none"
        print(f"idle polling, measured apart: {sum(report.idle_per_second.values()):.1f} commands/s ({jobs_idle})")


def print_open_loop_table(result: OpenLoopResult, seconds: int, cpu_seconds: float) -> None:
    print(f"open loop: {result.rate:.0f} req/s offered for {seconds}s, new events and lists in turn")
    print(
        f"{'endpoint':<9} {'sent':>7} {'answered':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'errors':>6}"
    )
    for endpoint in [*result.endpoints.values(), result.total()]:
        latency = open_loop.summarize(endpoint.latencies)
        print(
            f"{endpoint.name:<9} {endpoint.sent:>7} {endpoint.completed:>8} {result.offered_rate(endpoint):>7.0f} "
            f"{latency.p50_ms:>7.1f} {latency.p95_ms:>7.1f} {latency.p99_ms:>7.1f} {latency.max_ms:>7.1f} "
            f"{endpoint.errors:>6}"
        )
    sent = result.total().sent
    print(
        f"req/s: requests sent per second. Latencies: from each request's scheduled send time to its complete "
        f"answer. Service CPU: {cpu_seconds * 1000 / sent if sent else 0.0:.3f} ms per request sent, from idle "
        f"before the phase to idle after it."
    )
    lag = result.lag()
    print(f"generator lag behind schedule when sending: p99 {lag.p99_ms:.1f} ms, max {lag.max_ms:.1f} ms")
    if result.generator_lagged:
        print(
            f"warning: the generator fell more than {open_loop.LAG_WARNING_SECONDS * 1000:.0f} ms behind "
            f"schedule at p99: the latencies partly measure the generator, not only the service"
        )


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


def steady_calls(
    count: int, events: list[Call], keyed_claims: list[Call], users: int, rng: random.Random
) -> Iterator[Call]:
    """Replayed events, lists and replayed keyed claims in turn: requests that store nothing new."""
    kinds = 3 if keyed_claims else 2
    for number in range(count):
        kind = number % kinds
        if kind == 0:
            yield events[number % len(events)]
        elif kind == 1:
            yield Call("GET", f"/v1/users/{rng.randint(1, users)}/rewards")
        else:
            yield keyed_claims[number % len(keyed_claims)]


async def soak(
    service: Server, args: argparse.Namespace, rng: random.Random, unclaimed: list[tuple[int, str]], bot: dict[str, str]
) -> None:
    """Two RSS comparisons: a raw one while data accumulates, and one in a steady state.

    On the embedded database every stored document lives in the service's process, so the raw
    soak's growth includes the data it adds (each event id is kept, up to 256 per user; the
    points unlock more rewards). The steady-state part sends requests that store nothing new
    (the same event ids again, lists, claims replayed under their Idempotency-Key) after a
    warm-up of the same mix, so its growth is what a leak would show.
    """
    n, half = args.soak, args.soak // 2
    events = list(event_calls(half, args.users, rng, "soak"))
    before = service.memory_kib("VmRSS")
    raw = [
        await drive(service.url, "soak event", events, args.clients, bot),
        await drive(service.url, "soak list", list_calls(n - half, args.users, rng), args.clients, bot),
    ]
    after = service.memory_kib("VmRSS")
    print(
        f"soak, raw: {n} requests (new events and lists) in {sum(r.seconds for r in raw):.0f}s, "
        f"{sum(r.errors for r in raw)} errors; RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB "
        f"({(after - before) / before:+.1%}), stored data included"
    )

    keyed = [
        Call("POST", claim_path(user_id, slug), headers={"Idempotency-Key": f"soak-{number}"})
        for number, (user_id, slug) in enumerate(unclaimed[:SOAK_CLAIMS])
    ]
    warm_up = n // 10
    first = await drive(service.url, "soak claims", keyed, args.clients, bot)
    first_replays = await drive(
        service.url, "soak warm-up", steady_calls(warm_up, events, keyed, args.users, rng), args.clients, bot
    )
    before = service.memory_kib("VmRSS")
    steady = await drive(service.url, "soak steady", steady_calls(n, events, keyed, args.users, rng), args.clients, bot)
    after = service.memory_kib("VmRSS")
    failed = first.errors + first_replays.errors + steady.errors
    print(
        f"soak, steady state: {n} requests (replayed events, lists, {len(keyed)} keyed claims replayed) after "
        f"{len(keyed)} claims and a warm-up of {warm_up}, in {steady.seconds:.0f}s ({steady.rate:.0f} req/s), "
        f"{failed} errors, {steady.conflicts} 409s; RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB "
        f"({(after - before) / before:+.1%}); peak {service.memory_kib('VmHWM') / 1024:.1f} MiB"
    )


async def run(args: argparse.Namespace, service: Server, ceiling: Server, work_dir: Path, report: Report) -> Report:
    rng = random.Random(args.seed)
    wire = args.mongodb_url is not None
    steps = user_steps(args.users, args.unlocked, rng)
    rewards = await drive(service.url, "rewards", reward_calls(args.rewards), args.clients, {})
    loaded = await drive(service.url, "users", user_calls(steps), args.clients, BOT_HEADERS, keep_bodies=True)
    pairs = unlocked_pairs(loaded)
    rng.shuffle(pairs)
    print(
        f"loaded {rewards.ok} rewards in {rewards.seconds:.1f}s, {loaded.ok} users in {loaded.seconds:.1f}s "
        f"({len(pairs)} unlocked rewards to claim)"
    )
    if rewards.errors or loaded.errors:
        print("error: loading failed; see the service log", file=sys.stderr)
        return report

    if wire:
        report.idle_per_second = await measure_idle(service, args.idle_seconds)
    # The soak claims what the measured claims left: keep some back.
    reserve = min(SOAK_CLAIMS, len(pairs) // 2) if args.soak else 0
    claimable = pairs[: len(pairs) - reserve]
    plain, keyed = claimable[: len(claimable) // 2], claimable[len(claimable) // 2 :]
    count, budget = args.requests, unlock_budget(steps, args.rewards)
    if args.generator == "python":
        plain, keyed = plain[:count], keyed[:count]

    report.ceiling = await measure_ceiling(args, ceiling, work_dir)
    profiler = Profiler(service.pid, work_dir)
    # Lists first: they then read the data as loaded, not as however many events were sent.
    rows = [
        (LIST, list_calls(count, args.users, rng), None, 0),
        (QUIET_EVENT, quiet_event_calls(count, args.users, rng), None, 0),
    ]
    if budget:
        rows.append((UNLOCK_EVENT, unlock_event_calls(min(count, budget), args.users), None, budget))
    if plain:
        rows.append((CLAIM, claim_calls(plain), [claim_path(*pair) for pair in plain], 0))
    if keyed:
        rows.append((KEYED_CLAIM, claim_calls(keyed, "bench"), [claim_path(*pair) for pair in keyed], 0))
    for row, calls, paths, limit in rows:
        report.rows.append(await measure_row(args, service, row, calls, work_dir, profiler, wire, paths, limit))
    # The rules that may cost more, on rewards created only now, so the rows above read none of them.
    created = await drive(service.url, "rules' rewards", rule_reward_calls(), 1, {})  # one by one: a chain's order
    if created.errors:
        print("error: creating the rules' rewards failed; see the service log", file=sys.stderr)
        return report
    levelled = await drive(
        service.url, "level-up", level_up_calls(args.users), args.clients, BOT_HEADERS, keep_bodies=True
    )
    for row, slug in ((CAPPED_CLAIM, EDITION_SLUG), (CHAIN_CLAIM, STEP_SLUG)):
        pairs_of_rule = [pair for pair in unlocked_pairs(levelled) if pair[1] == slug]
        if args.generator == "python":
            pairs_of_rule = pairs_of_rule[:count]
        if pairs_of_rule:
            report.rows.append(
                await measure_row(
                    args,
                    service,
                    row,
                    claim_calls(pairs_of_rule),
                    work_dir,
                    profiler,
                    wire,
                    [claim_path(*pair) for pair in pairs_of_rule],
                    0,
                )
            )
    print_load_table(report)
    print()
    print_cost_table(report)
    print(f"service peak RSS (VmHWM): {service.memory_kib('VmHWM') / 1024:.1f} MiB")
    if args.profile:
        Path(args.profile).write_text("".join(f"{line}\n" for line in profiler.collapsed))
        print(f"py-spy's samples of every row: {args.profile}")
    errors = sum(result.load.errors for result in report.rows)
    if args.open_loop:
        errors += (await measure_open_loop(args, service, rng)).total().errors
    if args.soak:
        await soak(service, args, rng, pairs[len(claimable) :], BOT_HEADERS)
    report.status = 1 if errors else 0
    return report


def describe(args: argparse.Namespace, where: str) -> None:
    """What is measured, where and how: the figures mean little without it."""
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"database: {where}")
    if args.generator == "wrk":
        how = f"wrk ({bench_wrk.THREADS} thread), {args.clients} connections, {args.duration}s per row"
    else:
        how = f"the bench's Python client, {args.clients} connections, {args.requests} requests per row"
    print(f"R={args.rewards} rewards, U={args.users} users (loaded with the Python client); measured with {how}")
    if args.open_loop:
        print(
            f"then open loop: {args.open_loop:.0f} req/s offered for {args.duration}s, half new events and half "
            f"lists, by the bench's Python client (asyncio); latency from each request's scheduled send time"
        )


@contextlib.contextmanager
def database(args: argparse.Namespace, name: str) -> Iterator[str]:
    """Where the service's data goes, described; the bench's own database is dropped (or its server stopped) after."""
    if args.embedded:
        yield (
            "embedded (mongomock, in the service's process): a demo and test double; its figures are figures, "
            "not targets"
        )
        return
    if args.mongodb_url:
        try:
            yield f"MongoDB server {mask_url(args.mongodb_url)}, database {name}"
        finally:
            _drop(args.mongodb_url, name)
        return
    from tests.support.secantusdb import secantusdb_server  # a dev dependency, like the bench itself

    with secantusdb_server() as url:
        args.mongodb_url = url
        yield (
            f"SecantusDB at {url}, started for this run (the test suite's wire server: slow, it judges "
            f"commands and the service's CPU, never speed)"
        )


def execute(args: argparse.Namespace) -> Report:
    """The whole run, printed as it goes; the servers and the bench's database are gone afterwards."""
    if args.generator == "auto":
        args.generator = "wrk" if bench_wrk.available() else "python"
    elif args.generator == "wrk" and not bench_wrk.available():
        raise SystemExit("error: wrk is not installed (apt-get install wrk), or use --generator python")
    name = f"rewards_bench_{uuid.uuid4().hex[:8]}"
    report = Report(name)
    with database(args, name) as where, tempfile.TemporaryDirectory(prefix="rewards-bench-") as logs:
        describe(args, where)
        ceiling = start_ceiling(Path(logs))
        try:
            service = start_service(args.mongodb_url, name, args.log_level, Path(logs))
            try:
                report = asyncio.run(run(args, service, ceiling, Path(logs), report))
            finally:
                service.stop()
                if report.status:  # show why: the end of the service's log
                    print((Path(logs) / "service.log").read_text()[-3000:], file=sys.stderr)
        finally:
            ceiling.stop()
    return report


def main(argv: list[str] | None = None) -> None:
    raise SystemExit(execute(parse_args(argv)).status)


def _drop(mongodb_url: str, database: str) -> None:
    """Remove the bench's own database from a real MongoDB."""
    from pymongo import MongoClient

    client: MongoClient = MongoClient(mongodb_url, serverSelectionTimeoutMS=5000)
    try:
        client.drop_database(database)
    finally:
        client.close()


if __name__ == "__main__":
    main()
