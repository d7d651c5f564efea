"""Count the database round trips a piece of code makes, on mongomock and on a real MongoDB alike.

The counter wraps the methods of the collection class the driver boundary hands out
(`AsyncMongoMockCollection` on the embedded default, Motor's `AsyncIOMotorCollection` with a
`MONGODB_URL`), so the same test counts the same calls on both. Each call of a wrapped method is
one command sent to the server; a cursor's `find` counts once (its first batch), which is what
it costs while the result fits one batch (the service asks for batches large enough, see
`service.operations.evaluation.STATES_BATCH_SIZE`).
"""

import asyncio
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from service.db import collections
from service.jobs.runner import JOB_TASK_PREFIX

# Every collection method that sends a command (not the chaining or configuration helpers).
COMMAND_METHODS = (
    "aggregate",
    "bulk_write",
    "count_documents",
    "delete_many",
    "delete_one",
    "distinct",
    "estimated_document_count",
    "find",
    "find_one",
    "find_one_and_delete",
    "find_one_and_replace",
    "find_one_and_update",
    "insert_many",
    "insert_one",
    "replace_one",
    "update_many",
    "update_one",
)


@dataclass
class DriverCalls:
    """The (collection, method) pairs called while recording, in call order."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    recording: bool = False

    @contextmanager
    def record(self) -> Iterator[list[tuple[str, str]]]:
        """Record the calls made inside the block into the yielded list."""
        self.calls = []
        self.recording = True
        try:
            yield self.calls
        finally:
            self.recording = False


def _by_a_job() -> bool:
    """Whether the running code is a background job's (its task is named `job:...`), not a request's."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop: a synchronous caller
        return False
    return task is not None and task.get_name().startswith(JOB_TASK_PREFIX)


def _counted(method: Callable[..., Any], name: str, counter: DriverCalls) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        # A background job's step may be under way while a request is recorded (the feed relay's first
        # step, at start-up, on a slow server): its commands are not the request's.
        if counter.recording and not _by_a_job():
            counter.calls.append((self.name, name))
        return method(self, *args, **kwargs)

    return wrapper


def count_driver_calls(monkeypatch: pytest.MonkeyPatch) -> DriverCalls:
    """Wrap the command methods of the collection class in use (call after the models are bound)."""
    collection_class = type(collections.user_facts())
    counter = DriverCalls()
    for name in COMMAND_METHODS:
        method = getattr(collection_class, name, None)
        if callable(method):
            monkeypatch.setattr(collection_class, name, _counted(method, name, counter))
    return counter
