"""Prometheus scrape endpoint."""

from aiohttp import web

from service.http.metrics_access import check_scraper
from service.usecases.context import Context
from service.usecases.service_status import metrics_exposition


async def metrics(request: web.Request, ctx: Context) -> web.Response:
    """The app's metrics in the text format the scraper accepts; the pending-grants gauge is counted now."""
    check_scraper(request, ctx.runtime.settings)
    body, content_type = await metrics_exposition(ctx, request.headers.get("Accept", ""))
    return web.Response(body=body, headers={"Content-Type": content_type})
