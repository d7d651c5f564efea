"""The health of the loop: where webhook delivery stands (as GET /v1/webhooks/status answers) and the feed's newest entries."""

from aiohttp import web

from service.http.console.pages import context, page
from service.usecases import feed, webhooks

FEED_ENTRIES_SHOWN = 20


async def health_page(request: web.Request) -> web.Response:
    ctx = context(request)
    return page(
        request,
        "health.html",
        webhook=await webhooks.status(ctx),
        feed=await feed.newest_entries(ctx, FEED_ENTRIES_SHOWN),
    )
