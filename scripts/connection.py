"""The database the command-line tools work on: MONGODB_URL and MONGODB_DB, as the service reads them."""

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from service.db.connection import Database, connect
from service.settings import Settings


def database_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Only the database part of the settings: the tools need no API tokens, unlike the service."""
    env = os.environ if env is None else env
    return Settings(mongodb_url=env.get("MONGODB_URL") or None, mongodb_db=env.get("MONGODB_DB") or "rewards")


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """Connected (models bound, indexes and validators in place) for the duration of the block."""
    database = await connect(settings)
    try:
        yield database
    finally:
        database.close()
