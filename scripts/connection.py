"""The database the command-line tools work on: MONGODB_URL, MONGODB_DB and the deadline, as the service reads them."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from service.db.availability import DatabaseUnreachable
from service.db.connection import Database, connect
from service.settings import ConfigError, DatabaseSettings


def database_settings(env: Mapping[str, str] | None = None) -> DatabaseSettings:
    """Only the database part of the settings: the tools need no API tokens, unlike the service."""
    try:
        return DatabaseSettings.from_env(env)
    except ConfigError as error:  # a tool's user gets the sentence, not a traceback
        raise SystemExit(str(error)) from None


@asynccontextmanager
async def open_database(settings: DatabaseSettings) -> AsyncIterator[Database]:
    """Connected (models bound, indexes and validators in place) for the duration of the block.

    A database that does not answer ends the tool with the one sentence the service prints, not a traceback.
    """
    try:
        database = await connect(settings)
    except DatabaseUnreachable as error:
        raise SystemExit(f"Cannot start: {error}") from None
    try:
        yield database
    finally:
        database.close()
