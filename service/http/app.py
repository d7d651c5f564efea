"""The app factory: every resource opened and closed in one cleanup_ctx."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web
from rewards_contract.fields import utc_now

from service.db.connection import connect
from service.http.access_log import access_log_middleware
from service.http.catalog_seed import seed_catalog_ctx
from service.http.in_flight import InFlightRequests
from service.http.keys import CATALOG, CLOCK, DATABASE, IN_FLIGHT, METRICS, SETTINGS
from service.http.middleware import error_middleware
from service.http.routes import ROUTES
from service.http.wiring import setup_routes
from service.observability.metrics import Metrics
from service.operations.catalog import CatalogCache
from service.operations.expiry import run_sweeper
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


async def sweeper_ctx(app: web.Application) -> AsyncIterator[None]:
    """Run the expiry sweep in the background for the app's lifetime; stop it before the client closes."""
    metrics = app[METRICS]
    task = asyncio.create_task(
        run_sweeper(
            app[SETTINGS].expiry_sweep_seconds,
            app[CLOCK],
            on_sweep=lambda result: metrics.record_expiry_sweep(result.expired),
        ),
        name="expiry-sweeper",
    )
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def init_app(settings: Settings, clock: Callable[[], datetime] = utc_now) -> web.Application:
    """Build the application for these settings (tests feed this to aiohttp_client)."""
    # The access log is outermost: it sees the status error_middleware finally answers with.
    app = web.Application(
        middlewares=[access_log_middleware, error_middleware], client_max_size=MAX_BODY_BYTES
    )
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[IN_FLIGHT] = InFlightRequests()
    app[CLOCK] = clock
    app[CATALOG] = CatalogCache(settings.catalog_ttl_seconds)
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(seed_catalog_ctx)  # after database_ctx: it needs the bound models
    app.cleanup_ctx.append(sweeper_ctx)
    setup_routes(app, ROUTES)
    return app
