"""`python -m bench` (rewards-bench): what each endpoint costs the service on the production path, Motor to a MongoDB server.

Its command line, read into the namespace the rest of the bench takes (bench/run.py).
"""

import argparse
import os


def reward_sizes(text: str) -> list[int]:
    """`--rewards`: one size R, or several comma-separated (`50,1000`), each positive, in the order given."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or a comma-separated list of numbers: {text!r}") from None
    if any(size <= 0 for size in sizes) or len(set(sizes)) != len(sizes):
        raise argparse.ArgumentTypeError(f"sizes must be positive and different: {text!r}")
    return sizes


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
    parser.add_argument(
        "--rewards",
        type=reward_sizes,
        default=[50],
        metavar="R[,R...]",
        help="active rewards R (default 50); several sizes, comma-separated (50,1000), run in turn and "
        "compared: each row's CPU per request at each size over the first's (see bench/compare.py)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="runs of every size, interleaved; the comparison takes each figure's median over them "
        "(default 3 with several sizes, else 1)",
    )
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
    if args.rounds is None:
        args.rounds = 3 if len(args.rewards) > 1 else 1
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if (args.open_loop or args.soak or args.profile) and (len(args.rewards) > 1 or args.rounds > 1):
        parser.error("--open-loop, --soak and --profile measure one run: give one --rewards size and one round")
    if args.embedded:
        args.mongodb_url = None
    return args
