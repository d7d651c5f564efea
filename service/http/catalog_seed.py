"""Start-up seeding: the app loads Settings.seed_paths into the catalogue before serving."""

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from service.db.availability import deadline
from service.db.connection import STARTUP_BUDGET_SECONDS
from service.http.keys import RUNTIME
from service.usecases.seeding import seed_catalog

log = logging.getLogger(__name__)


async def seed_catalog_ctx(app: web.Application) -> AsyncIterator[None]:
    """Apply the seed files (same code as `rewards-seed`); invalid files stop the start-up, listing every problem."""
    runtime = app[RUNTIME]
    paths = runtime.settings.seed_paths
    if paths:
        with deadline(STARTUP_BUDGET_SECONDS):
            plan = await seed_catalog(
                paths, runtime.clock(), cache=runtime.catalogue, goal_shards=runtime.settings.goal_shards
            )
        log.info("Seeded the reward catalogue from %s: %s", ", ".join(map(str, paths)), plan.summary)
    yield
