"""`python -m bench.drivers --mongodb-url URL`: the client CPU one operation costs, in each asyncio driver.

The service's CPU per request on a real MongoDB starts with what its driver spends per round
trip. This measures it apart from the service: Motor (what Beanie 1 uses, each operation run in a
thread) and PyMongo's own async client, on a scratch collection of 100 small documents with an
index, sequentially and with 16 concurrent tasks. CPU is this process's user + system time divided
by the operations; the server's own CPU is not counted (it runs in another process). The same
operations then run again beside a task that asks to wake every millisecond: its longest wait
(the phase's start and end included) shows a driver that blocks the event loop while it waits
for the server (PyMongo 4.10's async client does, in `select`), which would stall every other
request of the service.
"""

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pymongo
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import AsyncMongoClient

DOCUMENTS = 100
CONCURRENT_TASKS = 16


@dataclass(frozen=True)
class DriverFigures:
    driver: str
    operation: str
    tasks: int
    operations: int
    cpu_us: float  # per operation
    per_second: float
    longest_stall_ms: float  # the longest gap between the 1 ms ticker's wake-ups (the phase's start and end included)


async def _timed(driver: str, operation: str, tasks: int, count: int,
                 one: Callable[[int], Awaitable[Any]]) -> DriverFigures:
    async def worker(offset: int) -> None:
        for i in range(offset, count, tasks):
            await one(i)

    await asyncio.gather(*(worker(k) for k in range(tasks)))  # warm: connections opened, caches filled
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(tasks)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # The stall check runs apart: the ticker's own wake-ups would count as the driver's CPU.
    wakes = [time.perf_counter()]
    ticker = asyncio.create_task(_tick(wakes))
    await asyncio.gather(*(worker(k) for k in range(tasks)))
    wakes.append(time.perf_counter())
    ticker.cancel()
    longest = max(later - earlier for earlier, later in zip(wakes, wakes[1:], strict=False))
    return DriverFigures(driver, operation, tasks, count, cpu / count * 1e6, count / wall, longest * 1000)


async def _tick(wakes: list[float]) -> None:
    """Wake every millisecond (if the loop lets it), noting when: a long gap is a blocked event loop."""
    while True:
        await asyncio.sleep(0.001)
        wakes.append(time.perf_counter())


async def measure(driver: str, client: Any, database: str, count: int) -> list[DriverFigures]:
    """find_one sequentially and concurrently, then find_one_and_update sequentially, on one client."""
    collection = client[database]["drivers"]
    await collection.insert_many([{"user_id": i, "n": 0, "text": "x" * 50} for i in range(DOCUMENTS)])
    await collection.create_index("user_id")

    async def find_one(i: int) -> Any:
        return await collection.find_one({"user_id": i % DOCUMENTS})

    async def find_one_and_update(i: int) -> Any:
        return await collection.find_one_and_update({"user_id": i % DOCUMENTS}, {"$inc": {"n": 1}})

    return [await _timed(driver, "find_one", 1, count, find_one),
            await _timed(driver, "find_one", CONCURRENT_TASKS, count, find_one),
            await _timed(driver, "find_one_and_update", 1, count // 3, find_one_and_update)]


async def run(mongodb_url: str, count: int) -> list[DriverFigures]:
    """Both drivers, each in a database of its own that is dropped afterwards."""
    figures: list[DriverFigures] = []
    motor: AsyncIOMotorClient = AsyncIOMotorClient(mongodb_url, tz_aware=True)
    database = f"rewards_drivers_{uuid.uuid4().hex[:8]}"
    try:
        figures += await measure("motor", motor, database, count)
    finally:
        await motor.drop_database(database)
        motor.close()
    native: AsyncMongoClient = AsyncMongoClient(mongodb_url, tz_aware=True)
    try:
        figures += await measure("pymongo-async", native, database, count)
    finally:
        await native.drop_database(database)
        await native.close()
    return figures


def print_table(figures: list[DriverFigures]) -> None:
    print(f"PyMongo {pymongo.version}; client CPU per operation (this process only)")
    print(f"{'driver':14} {'operation':20} {'tasks':>5} {'ops':>6} {'CPU us/op':>9} {'ops/s':>7} {'loop stall ms':>13}")
    for f in figures:
        print(f"{f.driver:14} {f.operation:20} {f.tasks:5d} {f.operations:6d} {f.cpu_us:9.0f} {f.per_second:7.0f} "
              f"{f.longest_stall_ms:13.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.drivers", description=__doc__.splitlines()[0])
    parser.add_argument("--mongodb-url", required=True, help="a MongoDB wire server (scratch databases, dropped)")
    parser.add_argument("--operations", type=int, default=3000, help="find_one calls per row (default 3000)")
    args = parser.parse_args(argv)
    print_table(asyncio.run(run(args.mongodb_url, args.operations)))


if __name__ == "__main__":
    main()
