"""The run of `python -m bench`: its database and servers, then every phase in turn, printed as it goes.

The service and a trivial aiohttp handler (the ceiling) run in subprocesses. Without `--mongodb-url`
the bench starts a SecantusDB server for the run (bench/secantusdb.py, the test runner's too: a slow
test server, its figures judge commands and the service's CPU, never speed); `--embedded` runs the
service on its embedded database instead (mongomock: a demo and test double, whose figures are
figures, not targets). The bench loads R rewards through the admin API and U users through facts
PUTs (each user unlocks a few rewards), measures the jobs' idle polling over a window with no load,
then measures the ceiling and nine rows over C connections: a user's rewards list, its first page,
one reward of a user, an event that
changes nothing, an event that unlocks exactly one reward, a claim, a claim with an Idempotency-Key,
then, on rewards created only after those, a claim of a limited edition and one that completes
another reward's prerequisite; with wrk for `--duration` seconds each when wrk is installed, else
with its own Python client for `--requests` each. Claims are of rewards the users really unlocked,
each once.

Per row it reports the load generator's figures, and the service's: database commands per
request answered (its own and the background jobs' work, from `/metrics` before and after the
phase, once the relay has numbered what the phase wrote; bench/commands.py), its CPU time per
request from idle to idle, and the share of py-spy's samples outside the driver (bench/py_spy.py).
`--open-loop RATE` then offers RATE req/s (1000 by default) for `--duration` seconds, new events
and lists in turn, whatever the service answers, and times each request from its scheduled send
time (see bench/open_loop.py). `--soak N` then compares the service's RSS before and after N
requests that store data, and before and after N that store nothing new (see bench/soak.py). The
service's peak RSS is read after loading and after every row, so the phase that raised it shows.

`--rewards 50,1000` runs all of it once per size and round, each run on a fresh database and a
fresh service, then prints each row's CPU per request at every size and its ratio to the smallest
size, the median over the rounds (bench/compare.py says why, and in what order the runs go).
"""

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from bench import wrk as bench_wrk
from bench.compare import schedule
from bench.load import Call, drive
from bench.measure import measure_ceiling, measure_idle, measure_open_loop, measure_row
from bench.py_spy import Profiler
from bench.report import Report, Runs
from bench.secantusdb import secantusdb_server
from bench.servers import BOT_HEADERS, Server, start_ceiling, start_service
from bench.soak import SOAK_CLAIMS, soak
from bench.tables import describe, print_comparison, print_cost_table, print_load_table, print_peaks
from bench.workload import (
    BOARD_EVENT,
    CAPPED_CLAIM,
    CHAIN_CLAIM,
    CLAIM,
    EDITION_SLUG,
    KEYED_CLAIM,
    LIST,
    LIST_PAGE,
    ONE_REWARD,
    QUIET_EVENT,
    RANK,
    STEP_SLUG,
    UNLOCK_EVENT,
    Row,
    board_calls,
    board_event_calls,
    claim_calls,
    claim_path,
    level_up_calls,
    list_calls,
    list_page_calls,
    one_reward_calls,
    quiet_event_calls,
    rank_calls,
    reward_calls,
    rule_reward_calls,
    unlock_budget,
    unlock_event_calls,
    unlocked_pairs,
    user_calls,
    user_steps,
)
from service.settings import mask_url


async def run(args: argparse.Namespace, service: Server, ceiling: Server, work_dir: Path, report: Report) -> Report:
    """Load the data, then measure and print each phase in turn; `report` filled as it goes."""
    rng = random.Random(args.seed)
    wire = args.mongodb_url is not None
    steps = user_steps(args.users, args.unlocked, rng)
    # One by one: every change of the catalogue takes its write lock, and concurrent ones wait for it
    # only briefly (a few hundred would run out of attempts).
    rewards = await drive(service.url, "rewards", reward_calls(args.rewards), 1, {})
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

    report.peaks.append(("loaded", service.memory_kib("VmHWM")))
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
    rows: list[tuple[Row, Iterator[Call], list[str] | None, int]] = [
        (LIST, list_calls(count, args.users, rng), None, 0),
        (LIST_PAGE, list_page_calls(count, args.users, rng), None, 0),
        (ONE_REWARD, one_reward_calls(count, args.users, args.rewards, rng), None, 0),
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
        report.peaks.append((row.name, service.memory_kib("VmHWM")))
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
            report.peaks.append((row.name, service.memory_kib("VmHWM")))
    board = await drive(service.url, "leaderboard", board_calls(), 1, {})
    if board.errors:
        print("error: creating the leaderboard failed; see the service log", file=sys.stderr)
        return report
    for row, calls in (
        (BOARD_EVENT, board_event_calls(count, args.users)),
        (RANK, rank_calls(count, args.users, rng)),
    ):
        report.rows.append(await measure_row(args, service, row, calls, work_dir, profiler, wire))
        report.peaks.append((row.name, service.memory_kib("VmHWM")))
    print_load_table(report)
    print()
    print_cost_table(report)
    print_peaks(report)
    if args.profile:
        await asyncio.to_thread(Path(args.profile).write_text, "".join(f"{line}\n" for line in profiler.collapsed))
        print(f"py-spy's samples of every row: {args.profile}")
    errors = sum(result.load.errors for result in report.rows)
    if args.open_loop:
        errors += (await measure_open_loop(args, service, rng)).total().errors
    if args.soak:
        await soak(service, args, rng, pairs[len(claimable) :], BOT_HEADERS)
    report.status = 1 if errors else 0
    return report


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
    with secantusdb_server() as url:
        args.mongodb_url = url
        yield (
            f"SecantusDB at {url}, started for this run (the test suite's wire server: slow, it judges "
            f"commands and the service's CPU, never speed)"
        )


def execute(args: argparse.Namespace) -> Runs:
    """Every run (each size in each round, see bench/compare.py), printed as it goes, then their comparison."""
    if args.generator == "auto":
        args.generator = "wrk" if bench_wrk.available() else "python"
    elif args.generator == "wrk" and not bench_wrk.available():
        raise SystemExit("error: wrk is not installed (apt-get install wrk), or use --generator python")
    runs = Runs()
    planned = schedule(args.rewards, args.rounds)
    for number, size in planned:
        if len(planned) > 1:
            print(f"\n=== round {number} of {args.rounds}, R={size} rewards ===")
        # Each run on its own copy: a started SecantusDB's URL must not outlive its run.
        runs.reports.append(execute_one(argparse.Namespace(**{**vars(args), "rewards": size}), number))
    if len(planned) > 1:
        print()
        print_comparison(runs.reports, args.rounds)
    return runs


def execute_one(args: argparse.Namespace, number: int = 1) -> Report:
    """One run at one size (`args.rewards`): a fresh database and service; they are gone afterwards."""
    name = f"rewards_bench_{uuid.uuid4().hex[:8]}"
    report = Report(name, args.rewards, number)
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


def _drop(mongodb_url: str, database: str) -> None:
    """Remove the bench's own database from a real MongoDB."""
    from pymongo import MongoClient

    client: MongoClient = MongoClient(mongodb_url, serverSelectionTimeoutMS=5000)
    try:
        client.drop_database(database)
    finally:
        client.close()
