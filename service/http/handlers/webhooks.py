"""The webhook sender's status, for admins: what was delivered, what waits, what went wrong."""

from typing import Any

from aiohttp import web
from rewards_contract.webhooks import LastDelivered, WebhookStatus

from service.engine.feed_entries import cursor_of
from service.http.keys import SETTINGS
from service.operations.webhooks import delivery_status
from service.settings import Settings


async def webhook_status(request: web.Request) -> WebhookStatus:
    """The shared delivery figures, and whether this instance has webhooks configured."""
    return status_of(request.app[SETTINGS], await delivery_status())


def status_of(settings: Settings, state: dict[str, Any]) -> WebhookStatus:
    """The stored delivery state as the status answer (the admin console's health page shows the same)."""
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
