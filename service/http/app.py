"""The app factory: every resource opened and closed in one cleanup_ctx."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from documents.clock import utc_now
from service.db.availability import OutageLog
from service.db.connection import connect
from service.http.access_log import access_log_middleware
from service.http.catalog_seed import seed_catalog_ctx
from service.http.console import PREFIX as CONSOLE_PREFIX
from service.http.console import console_app
from service.http.in_flight import InFlightRequests
from service.http.keys import (
    CATALOG,
    CLOCK,
    DATABASE,
    DATABASE_PROBE,
    IN_FLIGHT,
    METRICS,
    RARITY,
    SETTINGS,
)
from service.http.middleware import error_middleware
from service.http.routes import ROUTES
from service.http.webhook_client import open_sender
from service.http.wiring import setup_routes
from service.observability.metrics import Metrics
from service.operations.catalog import CatalogCache
from service.operations.expiry import run_sweeper
from service.operations.feed_relay import run_relay
from service.operations.rarity import (
    RarityHolder,
    run_rarity_refresher,
    start_rarity_board,
)
from service.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Connect (and create indexes) at start-up; close the client at shutdown."""
    settings = app[SETTINGS]
    if settings.dev_tokens:
        log.warning("REWARDS_BOT_TOKEN/REWARDS_ADMIN_TOKEN unset: using the development tokens")
    database = await connect(settings)
    app[DATABASE] = database
    try:
        yield
    finally:
        database.close()


@contextlib.asynccontextmanager
async def _running(loop: Coroutine[Any, Any, None], name: str) -> AsyncIterator[None]:
    """Run a background loop while the app serves; cancel it before the database client closes."""
    task = asyncio.create_task(loop, name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def sweeper_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the expiry sweep in the background for the app's lifetime."""
    metrics = app[METRICS]
    settings = app[SETTINGS]
    sweeper = run_sweeper(
        settings.expiry_sweep_seconds,
        app[CLOCK],
        on_sweep=lambda result: metrics.record_expiry_sweep(result.expired),
        remind_before=timedelta(hours=settings.remind_before_hours),
        on_commands=metrics.record_commands,
    )
    async with _running(sweeper, "expiry-sweeper"):
        yield


async def feed_relay_ctx(app: web.Application) -> AsyncIterator[None]:
    """Copy outbox entries into the feed in the background (one instance at a time holds the lease)."""
    settings = app[SETTINGS]
    relay = run_relay(
        settings.feed_relay_seconds,
        app[CLOCK],
        timedelta(days=settings.feed_retention_days),
        on_commands=app[METRICS].record_commands,
    )
    async with _running(relay, "feed-relay"):
        yield


async def webhook_sender_ctx(app: web.Application) -> AsyncIterator[None]:
    """POST the feed to the configured webhook in the background (one instance at a time); nothing when unset."""
    settings = app[SETTINGS]
    if not settings.webhooks_enabled:
        yield
        return
    metrics = app[METRICS]
    # The loop stops first, then leaving open_sender releases the lease and closes the HTTP session.
    async with (
        open_sender(
            settings,
            app[CLOCK],
            on_delivered=metrics.webhook_deliveries.inc,
            on_failed=metrics.webhook_failures.inc,
            on_given_up=metrics.webhook_given_up.inc,
        ) as sender,
        _running(sender.run(settings.webhook_poll_seconds, on_commands=metrics.record_commands), "webhook-sender"),
    ):
        yield


async def rarity_ctx(app: web.Application) -> AsyncIterator[None]:
    """Load (or first compute) the rarity board before serving; refresh it in the background until shutdown."""
    holder = RarityHolder(await start_rarity_board(app[CLOCK]()))
    app[RARITY] = holder
    refresher = run_rarity_refresher(
        app[SETTINGS].rarity_seconds, app[CLOCK], holder, on_commands=app[METRICS].record_commands
    )
    async with _running(refresher, "rarity-refresher"):
        yield


def init_app(settings: Settings, clock: Callable[[], datetime] = utc_now) -> web.Application:
    """Build the application for these settings (tests feed this to aiohttp_client)."""
    # The access log is outermost: it sees the status error_middleware finally answers with.
    app = web.Application(middlewares=[access_log_middleware, error_middleware], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[IN_FLIGHT] = InFlightRequests()
    app[CLOCK] = clock
    app[CATALOG] = CatalogCache(settings.catalog_ttl_seconds)
    app[DATABASE_PROBE] = OutageLog("Readiness probe", logging.getLogger("service.http.handlers.health"))
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(seed_catalog_ctx)  # after database_ctx: it needs the bound models
    app.cleanup_ctx.append(rarity_ctx)  # before serving: every answer reads the board
    app.cleanup_ctx.append(sweeper_ctx)
    app.cleanup_ctx.append(feed_relay_ctx)
    app.cleanup_ctx.append(webhook_sender_ctx)
    setup_routes(app, ROUTES)
    if settings.admin_console:
        app.add_subapp(CONSOLE_PREFIX, console_app(settings))
    return app
