"""Prometheus scrape endpoint."""

import logging

from aiohttp import web

from service.http.keys import METRICS, SETTINGS
from service.operations.grants import count_pending_grants
from service.operations.webhooks import delivery_status

log = logging.getLogger(__name__)


async def metrics(request: web.Request) -> web.Response:
    """The app's metrics in the text format the scraper accepts; the pending-grants gauge is counted now."""
    instruments = request.app[METRICS]
    try:
        pending: int | None = await count_pending_grants()
    except Exception:  # a scrape must still report the HTTP metrics while the database is down
        log.warning("Could not count pending grants", exc_info=True)
        pending = None
    instruments.set_pending_grants(pending)
    if request.app[SETTINGS].webhooks_enabled:
        try:
            backlog: int | None = (await delivery_status())["backlog"]
        except Exception:
            log.warning("Could not count the webhook backlog", exc_info=True)
            backlog = None
        instruments.set_webhook_backlog(backlog)
    body, content_type = instruments.render(request.headers.get("Accept", ""))
    return web.Response(body=body, headers={"Content-Type": content_type})
