"""The app factory: every resource opened and closed in one cleanup_ctx."""

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from service.database import connect
from service.http.catalog_seed import seed_catalog_ctx
from service.http.endpoints import ROUTES
from service.http.keys import DATABASE, METRICS, SETTINGS
from service.http.middleware import error_middleware
from service.http.observability import access_log_middleware
from service.http.routes import setup_routes
from service.metrics import Metrics
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


def init_app(settings: Settings) -> web.Application:
    """Build the application for these settings (tests feed this to aiohttp_client)."""
    # The access log is outermost: it sees the status error_middleware finally answers with.
    app = web.Application(
        middlewares=[access_log_middleware, error_middleware], client_max_size=MAX_BODY_BYTES
    )
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(seed_catalog_ctx)  # after database_ctx: it needs the bound models
    setup_routes(app, ROUTES)
    return app
