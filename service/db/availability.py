"""Deadlines on database calls, and telling "the database is away" from every other failure.

Every database call runs under a deadline: PyMongo's client-side operation timeout, which Motor
carries into its worker threads. The client's own `timeoutMS` (REWARDS_DB_TIMEOUT_SECONDS) bounds a
call made outside any deadline; `deadline()` gives a block of calls one budget for all of them,
retries and waits included: a request's whole handling, a background step, a script's step. A call
that cannot reach the database, or runs out of time, raises a PyMongo error this module recognises,
so the edge can answer 503 and the background jobs can back off, instead of either failing as a bug.
"""

import logging
from contextlib import AbstractContextManager

import pymongo
from pymongo.errors import ConnectionFailure, PyMongoError

# Longest cause kept in a log line: PyMongo's server-selection errors append the whole topology.
_CAUSE_CHARS = 240


class DatabaseUnreachable(Exception):
    """The database did not answer at start-up: the service cannot serve, and says so in one sentence."""


def deadline(seconds: float) -> AbstractContextManager[None]:
    """Every database call inside the block must finish within `seconds` from now, all of them together.

    Nested deadlines keep the earlier end, so a short probe inside a request stays short. Under a
    deadline PyMongo also waits for an unreachable server as long as the deadline allows, so a long
    budget belongs only around calls that are long by nature, once a short call found the server.
    """
    return pymongo.timeout(seconds)


def is_unavailable(error: BaseException) -> bool:
    """Whether the database could not be reached, or a call to it ran out of time.

    Connection failures cover a refused or reset connection, server selection that found no
    server, a primary stepping down; `timeout` covers a client-side deadline passed mid-call and a
    server-side time limit. Both are outages to wait out, never bugs.
    """
    return isinstance(error, ConnectionFailure) or (isinstance(error, PyMongoError) and error.timeout)


def cause(error: BaseException) -> str:
    """The error in one short line, fit for a log: its class and the start of its message."""
    text = " ".join(str(error).split())
    if len(text) > _CAUSE_CHARS:
        text = text[: _CAUSE_CHARS - 1] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class OutageLog:
    """Logs one line when a user of the database (the probe, a background job) loses it, one when it is back.

    Without it, a job stepping every half second would log a stack trace per step for as long as
    the database is away.
    """

    def __init__(self, who: str, log: logging.Logger) -> None:
        self.who = who
        self.log = log
        self.failures = 0

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if self.failures == 1:
            self.log.warning("%s: database unavailable (%s)", self.who, cause(error))

    def succeeded(self) -> None:
        if self.failures:
            self.log.info("%s: database available again after %d failed attempt(s)", self.who, self.failures)
        self.failures = 0
