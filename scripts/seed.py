"""`rewards-seed [--dry-run] [--prune] PATH...`: load reward files into the catalogue; `--check`: list stored
rewards that break the rules a definition coming in must meet (stored before those rules)."""

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from rewards_scripts.connection import database_settings, open_database

from documents.clock import utc_now
from service.db.availability import deadline
from service.settings import DEFAULT_GOAL_SHARDS, DatabaseSettings
from service.usecases.seeding import (
    InvalidRewardFiles,
    apply_seed_plan,
    read_seed_plan,
    stored_rule_breaches,
)

# Reading the catalogue, then writing every change: a large catalogue on a slow server outlasts a request's deadline.
STEP_BUDGET_SECONDS = 300.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rewards-seed",
        description="Load reward definitions, counters, leaderboards and community goals (YAML or JSON files, or "
        "directories of them) into the catalogue, upserting by slug. The database is MONGODB_URL / MONGODB_DB (the "
        "embedded one when unset); a new goal's total is spread over REWARDS_GOAL_SHARDS documents.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="a reward file or a directory of them")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    parser.add_argument(
        "--prune", action="store_true", help="deactivate stored rewards, leaderboards and goals missing from the files"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list the stored rewards that break a rule new definitions must meet "
        "(exit status 1 if any)",
    )
    args = parser.parse_args(argv)
    if not args.paths and not args.check:
        parser.error("give one or more PATHs to load, or --check alone")
    if args.paths and args.check:
        parser.error("--check reads what is stored: give it no PATH")
    return args


async def run(args: argparse.Namespace, goal_shards: int = DEFAULT_GOAL_SHARDS) -> int:
    """Print the plan and the summary line; exit status 1 (and nothing written) on any file problem.

    `goal_shards`: REWARDS_GOAL_SHARDS, what a goal the files declare is spread over.
    """
    if args.check:
        return await check()
    try:
        with deadline(STEP_BUDGET_SECONDS):
            plan = await read_seed_plan(args.paths, prune=args.prune)
    except InvalidRewardFiles as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(error.problems)} problem(s); nothing written", file=sys.stderr)
        return 1
    for change in plan.all_changes:
        print(change.describe())
    if not args.dry_run:
        with deadline(STEP_BUDGET_SECONDS):
            await apply_seed_plan(plan, utc_now(), goal_shards=goal_shards)
    print(("dry run, nothing written: " if args.dry_run else "") + plan.summary)
    return 0


async def check() -> int:
    """Print each stored reward's breach of the intake rules, then a summary; exit status 1 if there is any.

    Such rewards keep loading and working; a PUT or a seed file that fixes the field clears them.
    """
    with deadline(STEP_BUDGET_SECONDS):
        breaches = await stored_rule_breaches()
    for breach in breaches:
        print(breach)
    slugs = {breach.slug for breach in breaches}
    print(
        f"{len(slugs)} stored reward(s) break a rule new definitions must meet"
        if slugs
        else "every stored reward meets the rules new definitions must meet"
    )
    return 1 if slugs else 0


async def run_on(settings: DatabaseSettings, args: argparse.Namespace) -> int:
    async with open_database(settings):
        return await run(args, settings.goal_shards)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(message)s")
    raise SystemExit(asyncio.run(run_on(database_settings(), parse_args(argv))))


if __name__ == "__main__":
    main()
