"""Grant delivery and revocation: the bot acknowledges what it applied; admins revoke grants."""

from aiohttp import web
from rewards_contract.api import GrantPath, GrantView, RevokeRequest

from service.http.keys import CLOCK
from service.operations.grants import acknowledge_grant, revoke_grant


async def ack_grant(request: web.Request, path: GrantPath) -> GrantView:
    """Mark a grant delivered; acknowledging twice is fine."""
    return GrantView.model_validate(await acknowledge_grant(path.grant_id, request.app[CLOCK]()))


async def revoke(request: web.Request, path: GrantPath, body: RevokeRequest) -> GrantView:
    """Revoke a grant; answers its reversal, the same one however often it is revoked."""
    return GrantView.model_validate(await revoke_grant(path.grant_id, body.reason, request.app[CLOCK]()))
