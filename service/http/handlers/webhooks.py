"""The webhook sender's status, for admins: what was delivered, what waits, what went wrong."""

from aiohttp import web
from rewards_contract.feed import cursor_of
from rewards_contract.webhooks import LastDelivered, WebhookStatus

from service.http.keys import SETTINGS
from service.operations.webhooks import delivery_status


async def webhook_status(request: web.Request) -> WebhookStatus:
    """The shared delivery figures, and whether this instance has webhooks configured."""
    settings = request.app[SETTINGS]
    state = await delivery_status()
    last = None
    if state["last_delivered_id"] is not None:
        last = LastDelivered(
            id=state["last_delivered_id"],
            cursor=cursor_of(state["last_delivered_seq"]),
            delivered_at=state["last_delivered_at"],
        )
    return WebhookStatus(
        enabled=settings.webhooks_enabled,
        url=settings.masked_webhook_url,
        last_delivered=last,
        delivered_cursor=cursor_of(state["delivered_seq"]),
        backlog=state["backlog"],
        attempts=state["attempts"],
        failing_since=state["failing_since"],
        last_error=state["last_error"],
        last_error_at=state["last_error_at"],
        next_attempt_at=state["next_attempt_at"],
        given_up=state["given_up"],
    )
