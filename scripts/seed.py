"""`rewards-seed [--dry-run] [--prune] PATH...`: load reward files into the catalogue."""

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from rewards_contract.fields import utc_now
from rewards_scripts.connection import database_settings, open_database

from service.db.availability import deadline
from service.operations.seeding import (
    InvalidRewardFiles,
    apply_seed_plan,
    read_seed_plan,
)
from service.settings import DatabaseSettings

# Reading the catalogue, then writing every change: a large catalogue on a slow server outlasts a request's deadline.
STEP_BUDGET_SECONDS = 300.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rewards-seed",
        description="Load reward definitions (YAML or JSON files, or directories of them) into the catalogue, "
        "upserting by slug. The database is MONGODB_URL / MONGODB_DB (the embedded one when unset).",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a reward file or a directory of them")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    parser.add_argument("--prune", action="store_true", help="deactivate stored rewards missing from the files")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    """Print the plan and the summary line; exit status 1 (and nothing written) on any file problem."""
    try:
        with deadline(STEP_BUDGET_SECONDS):
            plan = await read_seed_plan(args.paths, prune=args.prune)
    except InvalidRewardFiles as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(error.problems)} problem(s); nothing written", file=sys.stderr)
        return 1
    for change in [*plan.counter_changes, *plan.changes]:
        print(change.describe())
    if not args.dry_run:
        with deadline(STEP_BUDGET_SECONDS):
            await apply_seed_plan(plan, utc_now())
    print(("dry run, nothing written: " if args.dry_run else "") + plan.summary)
    return 0


async def run_on(settings: DatabaseSettings, args: argparse.Namespace) -> int:
    async with open_database(settings):
        return await run(args)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(message)s")
    raise SystemExit(asyncio.run(run_on(database_settings(), parse_args(argv))))


if __name__ == "__main__":
    main()
