"""The one driver boundary: client creation, init_beanie and the list of document models.

Switching from the embedded mongomock client to a real MongoDB, or later from Motor to PyMongo's
async client (Beanie 2), changes this module only.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from beanie import Document, init_beanie
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from documents import (
    BoardClosing,
    BoardScore,
    CatalogVersion,
    CommunityGoal,
    ConsoleSecret,
    ConsoleSession,
    Counter,
    FeedCounter,
    FeedEntry,
    GoalContribution,
    GoalShard,
    IdempotencyRecord,
    Leaderboard,
    Lease,
    RarityRefresh,
    Reward,
    RewardEdition,
    RewardGrant,
    RewardRarity,
    SignInAttempts,
    UserFacts,
    UserReward,
    WebhookState,
)
from service.db.availability import DatabaseUnreachable, deadline, is_unavailable
from service.db.commands import CommandTally
from service.db.validators import apply_validators
from service.plain_errors import figure
from service.settings import DatabaseSettings

log = logging.getLogger(__name__)

# Every stored document model, handed to init_beanie here and nowhere else.
MODELS: list[type[Document]] = [
    Reward,
    UserReward,
    UserFacts,
    RewardGrant,
    IdempotencyRecord,
    CatalogVersion,
    RewardRarity,
    RarityRefresh,
    FeedEntry,
    FeedCounter,
    Lease,
    WebhookState,
    Counter,
    RewardEdition,
    ConsoleSession,
    ConsoleSecret,
    SignInAttempts,
    Leaderboard,
    BoardScore,
    BoardClosing,
    CommunityGoal,
    GoalShard,
    GoalContribution,
]


@dataclass
class Database:
    """An open connection: the client (to close) and the database the service uses."""

    client: Any
    db: AsyncIOMotorDatabase
    embedded: bool

    def close(self) -> None:
        self.client.close()


# Start-up's own budget (indexes, validators): an index build on a large collection takes longer than a request.
STARTUP_BUDGET_SECONDS = 120.0
# The readiness probe's ping: shorter than a request's deadline, so /health answers within 2 s.
PING_SECONDS = 1.5


def client_options(settings: DatabaseSettings) -> dict[str, Any]:
    """The deadlines of a MongoDB client: every call, server selection and new connections alike.

    `connectTimeoutMS` also bounds the driver's monitor checks, so a healed network is noticed
    within about that long.
    """
    milliseconds = round(settings.db_timeout_seconds * 1000)
    return {"timeoutMS": milliseconds, "serverSelectionTimeoutMS": milliseconds, "connectTimeoutMS": milliseconds}


async def connect(settings: DatabaseSettings) -> Database:
    """Open the client, bind every model and create its indexes.

    A database that does not answer raises DatabaseUnreachable: one sentence naming the masked URL and
    the deadline, where PyMongo's error would be a long traceback listing the topology.
    """
    if settings.embedded:
        from mongomock_motor import AsyncMongoMockClient

        from service.db import embedded_bulk, embedded_indexes

        embedded_indexes.install()  # without it every lookup and unique check reads its whole collection
        embedded_bulk.install()  # without it every bulk write fails on the `sort` current PyMongo passes
        client: Any = AsyncMongoMockClient(tz_aware=True)
        log.warning("Using the embedded in-process database (mongomock): nothing persists after exit")
    else:
        client = AsyncIOMotorClient(
            settings.mongodb_url,
            tz_aware=True,
            appname="rewards-service",
            event_listeners=[CommandTally()],
            **client_options(settings),
        )
        log.info("Using MongoDB at %s, database %s", settings.masked_mongodb_url, settings.mongodb_db)
    database = Database(client=client, db=client[settings.mongodb_db], embedded=settings.embedded)
    waiting_for = f"answer within {figure(settings.db_timeout_seconds)} s (REWARDS_DB_TIMEOUT_SECONDS)"
    try:
        # First a call on the client's own deadline: a database that is not there fails start-up within
        # it, rather than after the longer budget below (under which PyMongo waits for a server too).
        await database.db.command("ping")
        waiting_for = f"create the indexes and validators within {figure(STARTUP_BUDGET_SECONDS)} s"
        with deadline(STARTUP_BUDGET_SECONDS):
            await init_beanie(database=database.db, document_models=MODELS)
            if not database.embedded:  # mongomock ignores validators
                await apply_validators(database.db, MODELS)
    except BaseException as error:
        database.close()
        if is_unavailable(error):
            where = f"{settings.masked_mongodb_url} (database {settings.mongodb_db})"
            raise DatabaseUnreachable(f"the MongoDB server at {where} did not {waiting_for}") from error
        raise
    return database


async def drop_database(settings: DatabaseSettings) -> None:
    """Drop the settings' database on a real server (an embedded one vanishes with its client)."""
    if settings.embedded:
        return
    client: AsyncIOMotorClient = AsyncIOMotorClient(settings.mongodb_url, **client_options(settings))
    try:
        await client.drop_database(settings.mongodb_db)
    finally:
        client.close()


async def ping(database: Database) -> None:
    """Ask the database to answer a ping, within the probe's own deadline; raises when it does not.

    The wait is bounded here too, not only in the driver: while the database hangs, every driver
    thread may be held by a request waiting out its own deadline, and the ping would queue behind them.
    """
    with deadline(PING_SECONDS):
        await asyncio.wait_for(database.db.command("ping"), PING_SECONDS)
