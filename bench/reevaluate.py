"""`python -m bench.reevaluate --users N`: time rewards-reevaluate on a generated embedded database.

The embedded database lives in one process, so this loads U users' facts and R rewards into it
and runs the same `rewards-reevaluate` code there, timing the run (and a second, idempotent one).
"""

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from rewards_contract.rewards import RewardDefinition
from rewards_scripts.connection import open_database
from rewards_scripts.reevaluate import parse_args as reevaluate_args
from rewards_scripts.reevaluate import run as reevaluate

from documents import UserFacts
from documents.clock import utc_now
from service.db import collections
from service.settings import DatabaseSettings, Settings
from service.usecases.catalogue import create_reward
from service.usecases.context import Context, Role
from service.usecases.runtime import Runtime


async def main_async(users: int, rewards: int, batch_size: int) -> None:
    rng = random.Random(1)
    async with open_database(DatabaseSettings()):
        now = utc_now()
        admin = Context.of(Runtime.of(Settings.from_env({})), Role.ADMIN)
        await collections.user_facts().insert_many(
            [
                UserFacts(
                    user_id=user_id, total_points=rng.randint(0, rewards * 100), created_at=now, updated_at=now
                ).model_dump(exclude={"id"})
                for user_id in range(1, users + 1)
            ]
        )
        for number in range(rewards):
            await create_reward(
                admin,
                RewardDefinition.model_validate(
                    {
                        "slug": f"bench-{number:03d}",
                        "name": f"Bench reward {number}",
                        "reward_type": "besitos",
                        "reward_value": {"amount": 10},
                        "conditions": [{"condition_type": "total_points", "value": (number + 1) * 100}],
                    }
                ),
            )
        with tempfile.TemporaryDirectory() as directory:
            for label in ("first run", "second run"):
                args = reevaluate_args(
                    ["--batch-size", str(batch_size), "--checkpoint", str(Path(directory) / "c.json")]
                )
                started = time.perf_counter()
                await reevaluate(args, "bench")
                print(f"{label}: {users} users x {rewards} rewards in {time.perf_counter() - started:.1f}s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rewards", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.users, args.rewards, args.batch_size))


if __name__ == "__main__":
    main()
