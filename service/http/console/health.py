"""The health of the loop: where webhook delivery stands (as GET /v1/webhooks/status answers) and the feed's newest entries."""

from aiohttp import web

from service.http.console.pages import page
from service.http.handlers.webhooks import status_of
from service.http.keys import SETTINGS
from service.operations.feed import newest_entries
from service.operations.webhooks import delivery_status

FEED_ENTRIES_SHOWN = 20


async def health_page(request: web.Request) -> web.Response:
    status = status_of(request.config_dict[SETTINGS], await delivery_status())
    return page(request, "health.html", webhook=status, feed=await newest_entries(FEED_ENTRIES_SHOWN))
