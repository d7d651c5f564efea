"""The app factory: every resource opened and closed in one cleanup_ctx."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from aiohttp import web

from documents.clock import utc_now
from service.db.availability import OutageLog
from service.db.connection import connect
from service.http.access_log import access_log_middleware
from service.http.catalog_seed import seed_catalog_ctx
from service.http.console import PREFIX as CONSOLE_PREFIX
from service.http.console import console_app
from service.http.hosts import allowed_hosts_middleware
from service.http.in_flight import InFlightRequests
from service.http.keys import DATABASE, DATABASE_PROBE, IN_FLIGHT, RUNTIME, SETTINGS
from service.http.middleware import error_middleware
from service.http.proxies import trusted_proxies_middleware
from service.http.routes import ROUTES
from service.http.unreadable_input import unreadable_input_middleware
from service.http.wiring import setup_routes
from service.jobs import expiry_sweep, feed_relay, goal_relay, leaderboard_closing, rarity_refresh, webhook_sender
from service.settings import Settings
from service.usecases.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Connect (and create indexes) at start-up; close the client at shutdown."""
    settings = app[SETTINGS]
    for variable in settings.development_tokens_in_use:
        log.warning("%s accepts a development token: anyone on this machine may call the API with it", variable)
    database = await connect(settings)
    app[DATABASE] = database
    try:
        yield
    finally:
        database.close()


def job_ctx(
    job: Callable[[Runtime], AbstractAsyncContextManager[None]],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A background job as a cleanup_ctx: started before the app serves, stopped before the database closes."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        async with job(app[RUNTIME]):
            yield

    ctx.__name__ = f"{job.__module__}.{job.__name__}"
    return ctx


# Started in this order, stopped in reverse; the rarity board is loaded before the service answers.
JOBS = (
    rarity_refresh.running,
    expiry_sweep.running,
    feed_relay.running,
    webhook_sender.running,
    leaderboard_closing.running,
    goal_relay.running,
)


def init_app(settings: Settings, clock: Callable[[], datetime] = utc_now) -> web.Application:
    """Build the application for these settings (tests feed this to aiohttp_client)."""
    # The access log is outermost: it sees the status error_middleware finally answers with, also for the
    # edge's refusals below it. Then who the client is, then whether the request can be read and names a
    # host the service answers to, before any route (the console's too) runs.
    middlewares = [
        access_log_middleware,
        error_middleware,
        trusted_proxies_middleware(settings.trusted_proxies),
        unreadable_input_middleware,
        allowed_hosts_middleware(settings.allowed_hosts),
    ]
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    runtime = Runtime.of(settings, clock)
    app[RUNTIME] = runtime
    app[SETTINGS] = settings
    app[IN_FLIGHT] = InFlightRequests()
    app[DATABASE_PROBE] = OutageLog("Readiness probe", logging.getLogger("service.http.handlers.health"))
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(seed_catalog_ctx)  # after database_ctx: it needs the bound models
    app.cleanup_ctx.extend(job_ctx(job) for job in JOBS)
    setup_routes(app, ROUTES)
    if settings.admin_console:
        app.add_subapp(CONSOLE_PREFIX, console_app(runtime))
    return app
