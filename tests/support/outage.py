"""A database outage inside the test process: every collection accessor hands out a collection that fails.

Operations reach every collection through `service.db.collections`, so replacing its accessors
makes each database call raise what the driver raises when the server cannot be reached, on both
passes alike. (The wire-level faults, a cut or a hung connection, are `tests/support/fault_proxy.py`.)
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pymongo.errors import PyMongoError, ServerSelectionTimeoutError

from service.db import collections

ACCESSORS = (
    "rewards",
    "user_rewards",
    "user_facts",
    "grants",
    "idempotency_records",
    "catalog_versions",
    "reward_rarity",
    "rarity_refresh",
    "feed",
    "feed_counter",
    "leases",
    "webhook_deliveries",
    "console_sessions",
    "console_secret",
    "sign_in_attempts",
)


def unreachable() -> PyMongoError:
    return ServerSelectionTimeoutError("127.0.0.1:27017: [Errno 111] Connection refused, Timeout: 5.0s")


class FailingCollection:
    """Any call returns itself (cursors chain `.sort().limit()`); awaiting or iterating it raises."""

    def __init__(self, error: Callable[[], BaseException]) -> None:
        self._error = error

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self

    def __await__(self) -> Any:
        raise self._error()
        yield  # pragma: no cover  # makes this a generator, as __await__ must be

    def __aiter__(self) -> "FailingCollection":
        return self

    async def __anext__(self) -> Any:
        raise self._error()


@contextmanager
def database_away(monkeypatch: pytest.MonkeyPatch, error: Callable[[], BaseException] = unreachable) -> Iterator[None]:
    """Inside the block every collection fails with `error()`; after it the database is back."""
    with monkeypatch.context() as patch:
        for name in ACCESSORS:
            patch.setattr(collections, name, lambda *args, **kwargs: FailingCollection(error))
        yield
