"""`python -m bench.catalogue_memory --rewards 50,1000`: what the catalogue cache and one list answer hold in memory.

The service's peak RSS grows with the catalogue (R active rewards). Two things grow with R: the
catalogue cache, held for as long as the service runs, and each user's whole-list answer, held
while it is built and sent (wrk keeps 16 of them in flight). This measures both with tracemalloc
on the embedded database, in one process, for the bench's own rewards (`bench/workload.py`):

- the cache: the bytes a catalogue load leaves allocated while it is held, per reward, and the
  source lines that allocated the most of them;
- its parts: the bytes reachable from each of an entry's fields (`view`, `summary`, `texts`,
  `rules`...), counting what an earlier field already reached as that field's, so a part shared
  with another costs nothing twice;
- one list answer: the peak of the bytes allocated while a user's list is built and serialized,
  and the size of its JSON.

tracemalloc counts Python's allocations, not the allocator's free lists or the pages RSS keeps
after a peak, so its figures are a lower bound of what they add to RSS.
"""

import argparse
import asyncio
import gc
import sys
import tracemalloc
from collections.abc import Callable, Iterable
from enum import Enum
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Any

import orjson
from rewards_contract.rewards import RewardDefinition
from rewards_scripts.connection import open_database

from bench.arguments import reward_sizes
from bench.workload import reward_calls
from documents import UserFacts
from documents.clock import utc_now
from service.db import collections
from service.engine.catalogue import ActiveRewards
from service.operations.rewards import load_active_rewards
from service.settings import DatabaseSettings, Settings
from service.usecases.catalogue import create_reward
from service.usecases.context import Context, Role
from service.usecases.runtime import Runtime
from service.usecases.user_rewards import list_user_rewards

# Shared by the whole process, never owned by one reward.
_SHARED = (type, ModuleType, FunctionType, BuiltinFunctionType, Enum, bool, type(None))
PARTS = ("summary", "view", "texts", "rules", "reward_value", "prerequisites", "id", "slug")
TOP_LINES = 8


def deep_size(roots: Iterable[Any], seen: set[int]) -> int:
    """The bytes of every object reachable from `roots` not in `seen` (which it extends), shared objects aside."""
    total, pending = 0, list(roots)
    while pending:
        item = pending.pop()
        if id(item) in seen or isinstance(item, _SHARED):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        pending.extend(gc.get_referents(item))
    return total


def parts_of(catalog: ActiveRewards) -> dict[str, int]:
    """Bytes per field of the entries, in PARTS order, each counting only what no earlier field reached."""
    seen: set[int] = set()
    return {part: deep_size((getattr(entry, part) for entry in catalog.entries), seen) for part in PARTS}


async def held(load: Callable[[], Any]) -> tuple[Any, int, list[tracemalloc.StatisticDiff]]:
    """What `load()` returns, the bytes it leaves allocated while held, and the lines that allocated most of them."""
    gc.collect()
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    value = await load()
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    lines = [stat for stat in after.compare_to(before, "lineno") if stat.size_diff > 0]
    return value, sum(stat.size_diff for stat in lines), lines[:TOP_LINES]


async def answer_peak(ctx: Context, user_id: int) -> tuple[int, int]:
    """The peak bytes allocated while one user's list is built and serialized, and the JSON's size."""
    await ctx.runtime.catalogue.active()  # loaded before: the cache's own bytes are not the answer's
    gc.collect()
    tracemalloc.start(1)
    answer = await list_user_rewards(ctx, user_id)
    body = orjson.dumps(answer.payload, option=orjson.OPT_UTC_Z)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, len(body)


async def measure(rewards: int) -> None:
    async with open_database(DatabaseSettings()):
        runtime = Runtime.of(Settings.from_env({}))
        admin = Context.of(runtime, Role.ADMIN)
        for call in reward_calls(rewards):
            await create_reward(admin, RewardDefinition.model_validate(call.json))
        now = utc_now()
        facts = UserFacts(user_id=1, total_points=550, level=2, created_at=now, updated_at=now)
        await collections.user_facts().insert_one(facts.model_dump(exclude={"id"}))
        catalog, retained, lines = await held(load_active_rewards)
        print(f"R={rewards}: the catalogue holds {retained / 1024:.0f} KiB, {retained / rewards:.0f} B per reward")
        for stat in lines:
            frame = stat.traceback[0]
            print(f"  {stat.size_diff / rewards:>6.0f} B/reward  {frame.filename.split('/')[-1]}:{frame.lineno}")
        parts = parts_of(catalog)
        print("  by field: " + ", ".join(f"{part} {size / rewards:.0f} B" for part, size in parts.items()))
        peak, size = await answer_peak(Context.of(runtime, Role.BOT), 1)
        print(f"  one list answer: {size / 1024:.0f} KiB of JSON, {peak / 1024:.0f} KiB allocated at its peak")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rewards", type=reward_sizes, default=[50, 1000], help="sizes R, comma-separated")
    for rewards in parser.parse_args(argv).rewards:
        asyncio.run(measure(rewards))


if __name__ == "__main__":
    main()
