"""Grant delivery: the bot acknowledges a grant once it has applied it."""

from aiohttp import web
from rewards_contract.api import GrantPath, GrantView

from service.http.keys import CLOCK
from service.operations.grants import acknowledge_grant


async def ack_grant(request: web.Request, path: GrantPath) -> GrantView:
    """Mark a grant delivered; acknowledging twice is fine."""
    return GrantView.model_validate(await acknowledge_grant(path.grant_id, request.app[CLOCK]()))
