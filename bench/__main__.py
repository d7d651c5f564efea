"""`python -m bench` (rewards-bench): measure the service's endpoints against a trivial aiohttp handler on the same machine.

The service and the ceiling server run in subprocesses. The bench loads R rewards through the
admin API and U users through facts PUTs (each user unlocks a few rewards), then measures the
ceiling, lists, events and claims over C connections: with wrk for a fixed duration when wrk is
installed, else with its own Python client for a fixed number of requests. Claims are of rewards
the users really unlocked, each once, so they succeed; a 409 is counted apart from errors. Each
endpoint's figures include the server process's CPU time per request. `--mongodb-url` runs the
service against a real MongoDB wire server. `--open-loop RATE` then offers RATE req/s (1000 by
default) for `--duration` seconds, new events and lists in turn, whatever the service answers, and
times each request from its scheduled send time, so that a stall counts against every request
queued behind it (see bench/open_loop.py). `--soak N` then compares the service's RSS before
and after N requests that store data, and before and after N that store nothing new (see `soak`).
"""

import argparse
import asyncio
import os
import platform
import random
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import open_loop
from bench import wrk as bench_wrk
from bench.load import Call, Figures, PhaseResult, drive
from bench.open_loop import OpenLoopResult
from bench.servers import (
    ADMIN_TOKEN,
    BOT_TOKEN,
    Server,
    start_ceiling,
    start_service,
)
from service.settings import mask_url

BOT_HEADERS = {"Authorization": f"Bearer {BOT_TOKEN}"}
POINTS_STEP = 100  # reward i unlocks at (i + 1) * POINTS_STEP total points
SOAK_CLAIMS = 1000  # keyed claims the soak makes, then replays


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rewards", type=int, default=50, help="active rewards R (default 50)")
    parser.add_argument("--users", type=int, default=1000, help="users U loaded with facts (default 1000)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent connections C (default 64)")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator of the measured endpoints: wrk when installed (auto, the default), "
                             "or the bench's own Python client")
    parser.add_argument("--duration", type=int, default=10,
                        help="seconds per endpoint with wrk, and of the open-loop phase (default 10; claims stop "
                             "sooner if they run out)")
    parser.add_argument("--requests", type=int, default=3000,
                        help="requests per endpoint with the Python client (default 3000)")
    parser.add_argument("--mongodb-url", default=os.environ.get("MONGODB_URL") or None,
                        help="run the service on this MongoDB server (default: MONGODB_URL, else the embedded "
                             "database) in a fresh database, dropped at the end")
    parser.add_argument("--unlocked", type=int, default=5, help="rewards a loaded user has unlocked on average")
    parser.add_argument("--open-loop", type=float, nargs="?", const=1000.0, metavar="RATE",
                        help="then offer RATE req/s (default 1000), half new events and half lists, for --duration "
                             "seconds whatever the service answers; latency from each request's scheduled send time")
    parser.add_argument("--soak", type=int, nargs="?", const=100_000, metavar="N",
                        help="then N requests that store data and N that do not (default 100000 each), "
                             "RSS at start and end of each")
    parser.add_argument("--log-level", default="INFO", help="the service's REWARDS_LOG_LEVEL (default INFO)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated load")
    parser.add_argument("--profile", metavar="FILE",
                        help="run the service under py-spy (pip install py-spy), writing collapsed stacks to FILE")
    args = parser.parse_args(argv)
    if args.open_loop is not None and args.open_loop <= 0:
        parser.error("--open-loop RATE must be positive")
    return args


def reward_calls(count: int) -> Iterator[Call]:
    for number in range(count):
        yield Call("POST", "/v1/rewards", {
            "slug": f"bench-{number:03d}",
            "name": f"Bench reward {number}",
            "reward_type": "besitos",
            "reward_value": {"amount": 10},
            "claim_window_hours": 168,
            "sort_order": number,
            "conditions": [
                {"condition_type": "total_points", "value": (number + 1) * POINTS_STEP},
                {"condition_type": "level_reached", "value": 1},
            ],
        }, {"Authorization": f"Bearer {ADMIN_TOKEN}"})


def user_calls(users: int, unlocked: int, rng: random.Random) -> Iterator[Call]:
    for user_id in range(1, users + 1):
        steps = rng.randint(0, 2 * unlocked)  # how many thresholds this user has passed
        yield Call("PUT", f"/v1/users/{user_id}/facts", {"total_points": steps * POINTS_STEP + 50, "level": 2})


def event_calls(count: int, users: int, rng: random.Random, tag: str) -> Iterator[Call]:
    for number in range(count):
        yield Call("POST", f"/v1/users/{rng.randint(1, users)}/events",
                   {"event_id": f"{tag}-{number}", "type": "points", "amount": rng.randint(1, 30)})


def list_calls(count: int, users: int, rng: random.Random) -> Iterator[Call]:
    for _ in range(count):
        yield Call("GET", f"/v1/users/{rng.randint(1, users)}/rewards")


def mixed_calls(count: int, users: int, rng: random.Random) -> Iterator[tuple[str, Call]]:
    """The open-loop phase's load: a new event, then a list, and so on, each tagged with its endpoint."""
    events, lists = event_calls(count, users, rng, "open"), list_calls(count, users, rng)
    for number in range(count):
        yield ("event", next(events)) if number % 2 == 0 else ("list", next(lists))


def claim_path(user_id: int, slug: str) -> str:
    return f"/v1/users/{user_id}/rewards/{slug}/claim"


def claim_calls(pairs: list[tuple[int, str]]) -> Iterator[Call]:
    for user_id, slug in pairs:
        yield Call("POST", claim_path(user_id, slug))


def unlocked_pairs(loaded: PhaseResult) -> list[tuple[int, str]]:
    """The (user, reward) pairs the facts PUTs unlocked: what the claims phase claims."""
    pairs = []
    for call, body in loaded.bodies:
        user_id = int(call.path.split("/")[3])
        pairs += [(user_id, unlock["slug"]) for unlock in body["unlocked"]]
    return pairs


def print_table(results: list[Figures], ceiling: Figures) -> None:
    print(f"{'endpoint':<9} {'generator':<9} {'sent':>7} {'answered':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'409':>5} {'errors':>6} {'CPU ms/req':>10} {'/ceiling':>8} {'x CPU':>6}")
    for result in [ceiling, *results]:
        ratio = result.rate / ceiling.rate if ceiling.rate else 0.0
        cpu_ratio = result.cpu_ms_per_request / ceiling.cpu_ms_per_request if ceiling.cpu_ms_per_request else 0.0
        print(f"{result.name:<9} {result.generator:<9} {result.sent:>7} {result.completed:>8} {result.rate:>7.0f} "
              f"{result.p50_ms:>7.1f} {result.p95_ms:>7.1f} {result.p99_ms:>7.1f} {result.conflicts:>5} "
              f"{result.errors:>6} {result.cpu_ms_per_request:>10.3f} {ratio:>8.0%} {cpu_ratio:>6.1f}")
    print("req/s and latencies: requests answered (or failed) as the load generator saw them. CPU ms/req: the "
          "server process's user + system time (/proc/<pid>/stat) from idle before the endpoint's load to idle "
          "after it, divided by the requests sent (the ceiling's for its row, the service's for the others). "
          "x CPU: CPU ms/req as a multiple of the ceiling's, which moves less with the machine's speed of the moment.")


def print_open_loop_table(result: OpenLoopResult, seconds: int, cpu_seconds: float) -> None:
    print(f"open loop: {result.rate:.0f} req/s offered for {seconds}s, new events and lists in turn")
    print(f"{'endpoint':<9} {'sent':>7} {'answered':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7} {'errors':>6}")
    for endpoint in [*result.endpoints.values(), result.total()]:
        latency = open_loop.summarize(endpoint.latencies)
        print(f"{endpoint.name:<9} {endpoint.sent:>7} {endpoint.completed:>8} {result.offered_rate(endpoint):>7.0f} "
              f"{latency.p50_ms:>7.1f} {latency.p95_ms:>7.1f} {latency.p99_ms:>7.1f} {latency.max_ms:>7.1f} "
              f"{endpoint.errors:>6}")
    sent = result.total().sent
    print(f"req/s: requests sent per second. Latencies: from each request's scheduled send time to its complete "
          f"answer. Service CPU: {cpu_seconds * 1000 / sent if sent else 0.0:.3f} ms per request sent, from idle "
          f"before the phase to idle after it.")
    lag = result.lag()
    print(f"generator lag behind schedule when sending: p99 {lag.p99_ms:.1f} ms, max {lag.max_ms:.1f} ms")
    if result.generator_lagged:
        print(f"warning: the generator fell more than {open_loop.LAG_WARNING_SECONDS * 1000:.0f} ms behind "
              f"schedule at p99: the latencies partly measure the generator, not only the service")


async def measure_open_loop(args: argparse.Namespace, service: Server, rng: random.Random) -> OpenLoopResult:
    """The open-loop phase, its table printed with the service's CPU time from idle to idle."""
    count = round(args.open_loop * args.duration)
    before = await asyncio.to_thread(service.wait_idle)
    result = await open_loop.run(service.url, args.open_loop, args.duration, mixed_calls(count, args.users, rng),
                                 BOT_HEADERS)
    cpu_seconds = await asyncio.to_thread(service.wait_idle) - before
    print_open_loop_table(result, args.duration, cpu_seconds)
    return result


def steady_calls(count: int, events: list[Call], keyed_claims: list[Call], users: int,
                 rng: random.Random) -> Iterator[Call]:
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


async def soak(service: Server, args: argparse.Namespace, rng: random.Random, unclaimed: list[tuple[int, str]],
               bot: dict[str, str]) -> None:
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
    raw = [await drive(service.url, "soak event", events, args.clients, bot),
           await drive(service.url, "soak list", list_calls(n - half, args.users, rng), args.clients, bot)]
    after = service.memory_kib("VmRSS")
    print(f"soak, raw: {n} requests (new events and lists) in {sum(r.seconds for r in raw):.0f}s, "
          f"{sum(r.errors for r in raw)} errors; RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB "
          f"({(after - before) / before:+.1%}), stored data included")

    keyed = [Call("POST", claim_path(user_id, slug), headers={"Idempotency-Key": f"soak-{number}"})
             for number, (user_id, slug) in enumerate(unclaimed[:SOAK_CLAIMS])]
    warm_up = n // 10
    first = await drive(service.url, "soak claims", keyed, args.clients, bot)
    first_replays = await drive(service.url, "soak warm-up", steady_calls(warm_up, events, keyed, args.users, rng),
                                args.clients, bot)
    before = service.memory_kib("VmRSS")
    steady = await drive(service.url, "soak steady", steady_calls(n, events, keyed, args.users, rng),
                         args.clients, bot)
    after = service.memory_kib("VmRSS")
    failed = first.errors + first_replays.errors + steady.errors
    print(f"soak, steady state: {n} requests (replayed events, lists, {len(keyed)} keyed claims replayed) after "
          f"{len(keyed)} claims and a warm-up of {warm_up}, in {steady.seconds:.0f}s ({steady.rate:.0f} req/s), "
          f"{failed} errors, {steady.conflicts} 409s; RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB "
          f"({(after - before) / before:+.1%}); peak {service.memory_kib('VmHWM') / 1024:.1f} MiB")


async def measure(args: argparse.Namespace, server: Server, kind: str, calls: Iterator[Call], work_dir: Path,
                  claims: Sequence[tuple[int, str]] = ()) -> Figures:
    """One endpoint's figures, with the server's CPU time over its load from idle to idle.

    wrk sends `kind` requests for `--duration` seconds (claims: each of `claims` once); the Python
    client sends `calls`.
    """
    before = await asyncio.to_thread(server.wait_idle)
    if args.generator == "wrk":
        paths = [claim_path(user_id, slug) for user_id, slug in claims]
        figures = await asyncio.to_thread(bench_wrk.run, server.url, kind, args.clients, args.duration, work_dir,
                                          args.users, BOT_TOKEN, args.seed, paths)
    else:
        figures = (await drive(server.url, kind, calls, args.clients, BOT_HEADERS)).figures()
    figures.cpu_seconds = await asyncio.to_thread(server.wait_idle) - before
    return figures


async def run(args: argparse.Namespace, service: Server, ceiling: Server, work_dir: Path) -> int:
    rng = random.Random(args.seed)
    clients = args.clients

    rewards = await drive(service.url, "rewards", reward_calls(args.rewards), clients, {})
    loaded = await drive(service.url, "users", user_calls(args.users, args.unlocked, rng), clients, BOT_HEADERS,
                         keep_bodies=True)
    pairs = unlocked_pairs(loaded)
    rng.shuffle(pairs)
    print(f"loaded {rewards.ok} rewards in {rewards.seconds:.1f}s, {loaded.ok} users in {loaded.seconds:.1f}s "
          f"({len(pairs)} unlocked rewards to claim)")
    if rewards.errors or loaded.errors:
        print("error: loading failed; see the service log", file=sys.stderr)
        return 1

    # The soak claims what the measured claims left; wrk claims every pair it is given, so keep some back.
    reserve = min(SOAK_CLAIMS, len(pairs) // 2) if args.soak else 0
    claims = pairs[: len(pairs) - reserve]
    count = args.requests
    top = await measure(args, ceiling, "ceiling", (Call("GET", "/") for _ in range(count)), work_dir)
    # Lists first: they then read the data as loaded, not as however many events wrk sent left it.
    results = [await measure(args, service, "list", list_calls(count, args.users, rng), work_dir),
               await measure(args, service, "event", event_calls(count, args.users, rng, "bench"), work_dir)]
    if claims:
        results.append(await measure(args, service, "claim", claim_calls(claims[:count]), work_dir, claims))
    print_table(results, top)
    print(f"service peak RSS (VmHWM): {service.memory_kib('VmHWM') / 1024:.1f} MiB")
    errors = sum(r.errors for r in results)
    if args.open_loop:
        errors += (await measure_open_loop(args, service, rng)).total().errors

    if args.soak:
        claimed = len(claims) if args.generator == "wrk" else min(args.requests, len(claims))
        await soak(service, args, rng, pairs[claimed:], BOT_HEADERS)
    return 1 if errors else 0


def describe(args: argparse.Namespace, database: str) -> None:
    """What is measured, where and how: the figures mean little without it."""
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    where = f"MongoDB server {mask_url(args.mongodb_url)}, database {database}" if args.mongodb_url else \
        "embedded (mongomock, in the service's process)"
    print(f"database: {where}")
    if args.generator == "wrk":
        how = f"wrk ({bench_wrk.THREADS} thread), {args.clients} connections, {args.duration}s per endpoint"
    else:
        how = f"the bench's Python client, {args.clients} connections, {args.requests} requests per endpoint"
    print(f"R={args.rewards} rewards, U={args.users} users (loaded with the Python client); measured with {how}")
    if args.open_loop:
        print(f"then open loop: {args.open_loop:.0f} req/s offered for {args.duration}s, half new events and half "
              f"lists, by the bench's Python client (asyncio); latency from each request's scheduled send time")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.generator == "auto":
        args.generator = "wrk" if bench_wrk.available() else "python"
    elif args.generator == "wrk" and not bench_wrk.available():
        raise SystemExit("error: wrk is not installed (apt-get install wrk), or use --generator python")
    database = f"rewards_bench_{uuid.uuid4().hex[:8]}"
    describe(args, database)
    status = 1
    try:
        with tempfile.TemporaryDirectory(prefix="rewards-bench-") as logs:
            ceiling = start_ceiling(Path(logs))
            try:
                py_spy = str(Path(sys.executable).with_name("py-spy"))
                wrapper = [py_spy, "record", "--format", "raw", "-o", args.profile, "--"] if args.profile else []
                service = start_service(args.mongodb_url, database, args.log_level, Path(logs), wrapper)
                try:
                    status = asyncio.run(run(args, service, ceiling, Path(logs)))
                finally:
                    service.stop()
                    if status:  # show why: the end of the service's log
                        print((Path(logs) / "service.log").read_text()[-3000:], file=sys.stderr)
            finally:
                ceiling.stop()
    finally:
        if args.mongodb_url:
            _drop(args.mongodb_url, database)
    raise SystemExit(status)


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
