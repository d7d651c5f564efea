"""`python -m bench` (rewards-bench): what each endpoint costs the service on the production path, Motor to a MongoDB server.

Its command line, read into the namespace the rest of the bench takes (bench/run.py).
"""

import argparse
import os


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
