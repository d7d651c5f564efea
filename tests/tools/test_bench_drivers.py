"""`python -m bench.drivers`: both drivers measured, the event loop's stalls seen, nothing left behind."""

import asyncio
import time

import pymongo
import pytest

from bench import drivers
from tests.support.environment import REAL_MONGODB_URL


async def test_an_operation_that_blocks_the_event_loop_shows_as_a_stall_as_long_as_itself():
    def blocking(_: int) -> asyncio.Future:
        time.sleep(0.02)  # what a driver waiting in `select` on the loop's thread does
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    figures = await drivers._timed("blocking", "sleep", 1, 5, blocking)
    assert figures.longest_stall_ms >= 5 * 20  # five blocked operations in a row: the ticker never ran
    assert figures.operations == 5 and figures.cpu_us >= 0


@pytest.mark.skipif(not REAL_MONGODB_URL, reason="needs a MongoDB wire server (set MONGODB_URL)")
async def test_both_drivers_are_measured_on_a_real_server_and_their_scratch_databases_dropped():
    figures = await drivers.run(REAL_MONGODB_URL, 30)
    assert [(f.driver, f.operation, f.tasks) for f in figures] == [
        (driver, operation, tasks)
        for driver in ("motor", "pymongo-async")
        for operation, tasks in (("find_one", 1), ("find_one", drivers.CONCURRENT_TASKS), ("find_one_and_update", 1))
    ]
    assert all(f.operations > 0 and f.cpu_us > 0 and f.per_second > 0 for f in figures)
    with pymongo.MongoClient(REAL_MONGODB_URL) as client:
        assert not [name for name in client.list_database_names() if name.startswith("rewards_drivers_")]
