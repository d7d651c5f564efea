"""What `python -m bench` prints: what is measured and where, the load and cost tables, the open-loop table."""

import argparse
import os
import platform
from datetime import UTC, datetime

from bench import commands as bench_commands
from bench import open_loop
from bench import wrk as bench_wrk
from bench.compare import commands_by_row, compare, cpu_by_row, peak_rss_mib
from bench.open_loop import OpenLoopResult
from bench.py_spy import Shares
from bench.report import Report


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


def print_peaks(report: Report) -> None:
    """The service's peak RSS, and what it was after each phase: the phase that raised it is where memory went."""
    if report.peak_rss_kib is None:
        return
    steps = ", ".join(f"{phase} {kib / 1024:.1f}" for phase, kib in report.peaks)
    print(f"service peak RSS (VmHWM): {report.peak_rss_kib / 1024:.1f} MiB; after each phase: {steps}")


def print_comparison(reports: list[Report], rounds: int) -> None:
    """Each row's median CPU per request and commands at every size, and its median ratio to the smallest size."""
    compared = compare(cpu_by_row(reports), commands_by_row(reports))
    sizes = sorted({report.rewards for report in reports})
    small, larger = sizes[0], sizes[1:]
    print(f"catalogue sizes compared, the median of {rounds} rounds (each round runs every size on a fresh service):")
    header = f"{'row':<13}" + "".join(f" {f'CPU R={size}':>11}" for size in sizes)
    header += "".join(f" {f'x R={size}':>8} {'rounds':>16}" for size in larger)
    header += "".join(f" {f'cmds R={size}':>11}" for size in sizes)
    print(header)
    for row in compared:
        line = f"{row.name:<13}" + "".join(f" {_figure(row.cpu_ms[size], 11, '.3f')}" for size in sizes)
        for size in larger:
            each = " ".join(f"{ratio:.2f}" for ratio in row.ratios[size])
            line += f" {_figure(row.ratio(size), 8)} {each:>16}"
        line += "".join(f" {_figure(row.commands[size], 11)}" for size in sizes)
        print(line)
    peaks = peak_rss_mib(reports)
    print("peak RSS MiB " + "".join(f" {_figure(peaks[size], 11, '.1f')}" for size in sizes))
    print(
        f"CPU R=N: the service's CPU ms per request at N rewards (median over rounds); x R=N: each round's CPU at N "
        f"over its CPU at R={small} (listed under rounds), median over rounds; cmds R=N: commands per request; "
        f"peak RSS: the service's VmHWM at the end of the run (median over rounds)."
    )


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
