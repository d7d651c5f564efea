"""The webhook sender's status, for admins: what was delivered, what waits, what went wrong."""

from rewards_contract.webhooks import WebhookStatus

from service.usecases import webhooks
from service.usecases.context import Context


async def webhook_status(ctx: Context) -> WebhookStatus:
    """The shared delivery figures, and whether this instance has webhooks configured."""
    return await webhooks.status(ctx)
