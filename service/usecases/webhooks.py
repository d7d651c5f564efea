"""Webhook delivery as admins watch it (the API's status and the console's health page alike)."""

from rewards_contract.webhooks import LastDelivered, WebhookStatus

from service.engine.feed_entries import cursor_of
from service.operations.webhooks import delivery_status
from service.usecases.context import Context


async def status(ctx: Context) -> WebhookStatus:
    """Where delivery stands (stored, shared by every instance), and whether this instance has webhooks configured."""
    state = await delivery_status()
    settings = ctx.runtime.settings
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
