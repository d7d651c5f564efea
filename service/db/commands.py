"""Counting the database commands each request and each background step sends.

A PyMongo command listener sees every command the driver sends (a cursor's `getMore` included),
in the worker thread Motor runs it on; Motor copies the caller's context into that thread, so the
tally of the request or step that made the call is at hand. The metrics then say what each route
costs in round trips on the production path (`rewards_database_commands`), and the bench reads
them. The embedded database sends no commands: it counts nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pymongo import monitoring

# The commands sent so far by the request or step being handled (None outside any).
_TALLY: ContextVar[list[str] | None] = ContextVar("database_commands", default=None)


class CommandTally(monitoring.CommandListener):
    """Adds each command started to the tally of whoever sent it."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        tally = _TALLY.get()
        if tally is not None:
            tally.append(event.command_name)  # list.append is atomic: calls may run in several threads

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@contextmanager
def counting_commands() -> Iterator[list[str]]:
    """The names of the commands sent inside the block, in the order they started."""
    tally: list[str] = []
    token = _TALLY.set(tally)
    try:
        yield tally
    finally:
        _TALLY.reset(token)
