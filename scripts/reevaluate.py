"""`rewards-reevaluate [--dry-run] [--resume] [--batch-size N]`: evaluate every user with facts now.

Run it after adding or changing a reward, so users who already qualify get it without waiting for
their next event. It shows a progress bar (rate and ETA), keeps a checkpoint file after every
batch, and `--resume` continues after the last user the interrupted run finished.
"""

import argparse
import asyncio
import json
import logging
import os
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from rewards_scripts.connection import database_settings, open_database
from tqdm import tqdm

from documents.clock import utc_now
from service.db.availability import deadline
from service.settings import DatabaseSettings
from service.usecases.reevaluation import active_rewards, reevaluate, users_to_visit

DEFAULT_CHECKPOINT = Path(".rewards-reevaluate.json")
STEP_BUDGET_SECONDS = 300.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rewards-reevaluate",
        description="Re-evaluate every active reward for every user with facts, in batches. "
        "The database is MONGODB_URL / MONGODB_DB (the embedded one when unset).",
    )
    parser.add_argument("--dry-run", action="store_true", help="count who would unlock each reward, write nothing")
    parser.add_argument("--resume", action="store_true", help="continue after the checkpoint of an interrupted run")
    parser.add_argument("--batch-size", type=int, default=500, help="users per states read and bulk write (500)")
    parser.add_argument(
        "--checkpoint", type=Path, default=DEFAULT_CHECKPOINT, help=f"checkpoint file (default {DEFAULT_CHECKPOINT})"
    )
    return parser.parse_args(argv)


def read_checkpoint(path: Path, database: str) -> dict[str, Any] | None:
    """The unfinished run recorded for this database, if any."""
    if not path.exists():
        return None
    checkpoint = json.loads(path.read_text())
    if checkpoint.get("database") != database:
        raise SystemExit(
            f"rewards-reevaluate: {path} belongs to database {checkpoint.get('database')!r}, not {database!r}"
        )
    return None if checkpoint.get("finished") else checkpoint


def write_checkpoint(path: Path, checkpoint: dict[str, Any]) -> None:
    """Replace the file atomically: an interruption leaves the previous checkpoint or the new one."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(checkpoint))
    os.replace(temporary, path)


async def run(args: argparse.Namespace, database: str) -> int:
    """Print the unlocks per reward; exit status 0."""
    checkpoint = read_checkpoint(args.checkpoint, database) if args.resume else None
    if args.resume and checkpoint is None:
        print("no interrupted run to resume: starting from the first user", file=sys.stderr)
    checkpoint = checkpoint or {
        "database": database,
        "marker": f"reevaluate:{uuid.uuid4().hex}",
        "last_user_id": None,
        "users": 0,
        "unlocks": {},
        "finished": False,
    }
    unlocks: Counter[str] = Counter(checkpoint["unlocks"])
    with deadline(STEP_BUDGET_SECONDS):  # the catalogue and a count over every user with facts
        rewards = await active_rewards()
        total = await users_to_visit(checkpoint["last_user_id"])
    with tqdm(total=total, unit="user", desc="dry run" if args.dry_run else "re-evaluating", file=sys.stderr) as bar:
        async for done in reevaluate(
            rewards, utc_now, checkpoint["marker"], checkpoint["last_user_id"], args.batch_size, args.dry_run
        ):
            unlocks += done.unlocks
            bar.update(done.users)
            if not args.dry_run:
                checkpoint |= {
                    "last_user_id": done.last_user_id,
                    "users": checkpoint["users"] + done.users,
                    "unlocks": dict(unlocks),
                }
                write_checkpoint(args.checkpoint, checkpoint)
    if not args.dry_run:
        write_checkpoint(args.checkpoint, checkpoint | {"finished": True})
    verb = "would unlock" if args.dry_run else "unlocked"
    for reward in rewards:
        if unlocks[reward.slug]:
            print(f"{reward.slug}: {verb} for {unlocks[reward.slug]} user(s)")
    print(
        f"{'dry run, nothing written: ' if args.dry_run else ''}{total} user(s) evaluated, "
        f"{sum(unlocks.values())} unlock(s) against {len(rewards)} active reward(s)"
    )
    return 0


async def run_on(settings: DatabaseSettings, args: argparse.Namespace) -> int:
    async with open_database(settings):
        return await run(args, f"{settings.masked_mongodb_url}/{settings.mongodb_db}")


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(message)s")
    raise SystemExit(asyncio.run(run_on(database_settings(), parse_args(argv))))


if __name__ == "__main__":
    main()
