"""Shared fixtures. The suite runs on mongomock by default and on a real MongoDB when MONGODB_URL is set."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pymongo
import pytest
from rewards_contract.fields import utc_now

from service.db.connection import Database, connect, drop_database
from service.http.app import init_app
from service.settings import Settings

BOT_TOKEN = "test-bot-token"
ADMIN_TOKEN = "test-admin-token"
BOT = {"Authorization": f"Bearer {BOT_TOKEN}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
REAL_MONGODB_URL = os.environ.get("MONGODB_URL") or None
# Every database name make_settings handed out in this run, dropped at the end (see below).
_TEST_DATABASES: set[str] = set()


def make_settings(**overrides: Any) -> Settings:
    """Settings for one test: its own throwaway database, fixed tokens, no background surprises."""
    name = f"rewards_test_{uuid.uuid4().hex[:12]}"
    _TEST_DATABASES.add(name)
    base = Settings(
        mongodb_url=REAL_MONGODB_URL,
        mongodb_db=name,
        bot_token=BOT_TOKEN,
        admin_token=ADMIN_TOKEN,
        dev_tokens=False,
        expiry_sweep_seconds=3600,
        seed_paths=(),
    )
    return replace(base, **overrides)


@pytest.fixture(autouse=True, scope="session")
def drop_every_test_database() -> Iterator[None]:
    """On a real MongoDB, drop every database this run named, also those a test did not drop itself.

    Only the names made here: another run sharing the server keeps its databases.
    """
    yield
    if REAL_MONGODB_URL and _TEST_DATABASES:
        with pymongo.MongoClient(REAL_MONGODB_URL) as client:
            for name in sorted(_TEST_DATABASES):
                client.drop_database(name)


class FakeClock:
    """A controllable service clock: tests move time instead of waiting."""

    def __init__(self, start: datetime | None = None) -> None:
        # Starts at the real time: TTL indexes (mongomock emulates them too) measure age against it.
        self.now = start or utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# mongomock answers inside the calling coroutine without ever suspending it, so concurrent
# requests would run one after another and no race could show. A real driver suspends on every
# round trip; this does the same, so interleavings (and read-then-write bugs) appear here too.
_ROUND_TRIP_METHODS = ("bulk_write", "count_documents", "find_one", "find_one_and_update", "insert_one",
                       "insert_many", "update_one", "update_many", "delete_one", "delete_many")


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
