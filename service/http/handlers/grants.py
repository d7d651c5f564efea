"""Grant delivery and revocation: the bot acknowledges what it applied; admins revoke grants."""

from rewards_contract.api import GrantPath, GrantView, RevokeRequest

from service.usecases import grants
from service.usecases.context import Context


async def ack_grant(ctx: Context, path: GrantPath) -> GrantView:
    """Mark a grant delivered; acknowledging twice is fine."""
    return await grants.acknowledge(ctx, path.grant_id)


async def revoke(ctx: Context, path: GrantPath, body: RevokeRequest) -> GrantView:
    """Revoke a grant; answers its reversal, the same one however often it is revoked."""
    return await grants.revoke(ctx, path.grant_id, body.reason)
