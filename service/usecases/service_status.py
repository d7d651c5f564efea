"""The service's own state, for load balancers and Prometheus: readiness, and the metrics with their gauges."""

import logging

from rewards_contract.api import HealthResponse

from service.db.availability import OutageLog
from service.db.connection import Database, ping
from service.operations.grants import count_pending_grants
from service.operations.webhooks import delivery_status
from service.usecases.context import Context

log = logging.getLogger(__name__)


async def readiness(database: Database, probe: OutageLog) -> HealthResponse:
    """Whether the database answers a ping within the probe's deadline; an outage is logged once, not per probe."""
    try:
        await ping(database)
    except Exception as error:  # whatever the driver raised, the instance is not ready
        probe.failed(error)
        return HealthResponse(status="degraded", database="unavailable")
    probe.succeeded()
    return HealthResponse(status="ok", database="ok")


async def metrics_exposition(ctx: Context, accept: str) -> tuple[bytes, str]:
    """The metrics in the format the scraper accepts, the pending-grants (and webhook backlog) gauges counted now.

    A scrape still reports the HTTP metrics while the database is down: a gauge it cannot count is unknown.
    """
    metrics = ctx.runtime.metrics
    try:
        pending: int | None = await count_pending_grants()
    except Exception:
        log.warning("Could not count pending grants", exc_info=True)
        pending = None
    metrics.set_pending_grants(pending)
    if ctx.runtime.settings.webhooks_enabled:
        try:
            backlog: int | None = (await delivery_status())["backlog"]
        except Exception:
            log.warning("Could not count the webhook backlog", exc_info=True)
            backlog = None
        metrics.set_webhook_backlog(backlog)
    return metrics.render(accept)
