"""Fixtures and hooks only. The suite runs on mongomock by default and on a real MongoDB when MONGODB_URL is set.

What tests share besides fixtures (tokens, make_settings, FakeClock) lives in tests/support/environment.py.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pymongo
import pytest

from service.db.connection import Database, connect
from service.http.app import init_app
from service.settings import Settings
from tests.support.environment import (
    REAL_MONGODB_URL,
    TEST_DATABASES,
    FakeClock,
    drop_database,
    make_settings,
)

# Fixtures that live beside their helpers in tests/support: `service`, `bot` and `admin` (the real service on a
# socket, and the bot's clients of it) and `receiver` (a webhook receiver). A test module defining its own
# fixture of the same name (tests/api/test_shutdown.py's `service`) overrides these. `tests.support.chunks` adds
# `--chunk`, with which tests/two_passes.py runs the wire pass in slices.
pytest_plugins = ["tests.support.client_server", "tests.support.webhooks", "tests.support.chunks"]


@pytest.fixture(autouse=True, scope="session")
def drop_every_test_database() -> Iterator[None]:
    """On a real MongoDB, drop every database this run named, also those a test did not drop itself.

    Only the names made here: another run sharing the server keeps its databases.
    """
    yield
    if REAL_MONGODB_URL and TEST_DATABASES:
        with pymongo.MongoClient[dict[str, Any]](REAL_MONGODB_URL) as client:
            for name in sorted(TEST_DATABASES):
                client.drop_database(name)


# mongomock answers inside the calling coroutine without ever suspending it, so concurrent
# requests would run one after another and no race could show. A real driver suspends on every
# round trip; this does the same, so interleavings (and read-then-write bugs) appear here too.
_ROUND_TRIP_METHODS = (
    "bulk_write",
    "count_documents",
    "find_one",
    "find_one_and_update",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "delete_one",
    "delete_many",
)


@pytest.fixture(autouse=True)
def round_trips_suspend(monkeypatch: pytest.MonkeyPatch) -> None:
    if REAL_MONGODB_URL:
        return
    from mongomock_motor import AsyncMongoMockCollection

    for name in _ROUND_TRIP_METHODS:
        original = getattr(AsyncMongoMockCollection, name)

        async def suspending(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            await asyncio.sleep(0)  # the request leaves for the server...
            result = await _original(self, *args, **kwargs)
            await asyncio.sleep(0)  # ...and the answer comes back later
            return result

        monkeypatch.setattr(AsyncMongoMockCollection, name, suspending)


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    """configure_logging replaces the root handlers; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers_before, level_before = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers_before
    root.setLevel(level_before)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """A connected database with every model bound, for service-layer tests without HTTP."""
    database = await connect(settings)
    try:
        yield database
    finally:
        database.close()
        await drop_database(settings)


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings, clock: FakeClock) -> AsyncIterator[Any]:
    """A test client on the real app factory, with the test's clock."""
    test_client = await aiohttp_client(init_app(settings, clock=clock))
    try:
        yield test_client
    finally:
        await test_client.close()
        await drop_database(settings)
