"""A user's page: facts and counters, every active reward's state with progress, grants and reversals, latest feed entries.

Read with the operations the API's user routes use (so it answers what the bot would see, secret
rewards included); a grant is revoked, with a reason, after a confirmation page.
"""

from typing import Any

from aiohttp import web
from pydantic import ValidationError
from rewards_contract.api import RevokeRequest, UserPath
from rewards_contract.enums import GrantKind
from rewards_contract.errors import ValidationFailed

from service.http.console.pages import error_page, page, redirect
from service.http.keys import CATALOG, CLOCK
from service.operations.grants import list_grants, recover_user_grants, revoke_grant
from service.operations.user_overview import latest_feed_entries
from service.operations.user_rewards import read_facts, user_rewards_storing_expiry
from service.plain_errors import validated

GRANTS_SHOWN = 200
FEED_ENTRIES_SHOWN = 20
NOT_A_USER_ID = "A user id is a whole number greater than 0."


def _user_id(raw: str) -> int | None:
    try:
        return UserPath.model_validate({"user_id": raw}).user_id
    except ValidationError:
        return None


async def look_up(request: web.Request) -> web.StreamResponse:
    """The header's look-up form: to the user's page."""
    user_id = _user_id(request.query.get("user_id", "").strip())
    if user_id is None:
        return error_page(request, 400, NOT_A_USER_ID)
    return redirect(f"/admin/users/{user_id}")


async def user_page(request: web.Request) -> web.Response:
    user_id = _user_id(request.match_info["user_id"])
    if user_id is None:
        return error_page(request, 404, NOT_A_USER_ID)
    now = request.config_dict[CLOCK]()
    catalog = await request.config_dict[CATALOG].active()
    await recover_user_grants(user_id, now)  # as the API's grants list does: no granted reward missing
    facts = await read_facts(user_id)
    listed = await user_rewards_storing_expiry(user_id, catalog, True, now)
    grants = await list_grants(user_id, False, GRANTS_SHOWN)
    revoked = {g["reverses"] for g in grants if g.get("kind") == GrantKind.REVERSAL}
    return page(
        request,
        "user.html",
        user_id=user_id,
        facts=facts,
        rewards=listed.rewards,
        grants=grants,
        revoked=revoked,
        feed=await latest_feed_entries(user_id, FEED_ENTRIES_SHOWN),
        revoked_now=request.query.get("revoked"),
    )


async def _users_grant(request: web.Request) -> tuple[int, dict[str, Any]]:
    """The path's user and grant; a grant of another user (or none) is a 404 page."""
    user_id = _user_id(request.match_info["user_id"])
    grant_id = request.match_info["grant_id"]
    grant = next((g for g in await list_grants(user_id or 0, False, GRANTS_SHOWN) if g["grant_id"] == grant_id), None)
    if user_id is None or grant is None or grant.get("kind") == GrantKind.REVERSAL:
        raise web.HTTPNotFound(reason=f"User {request.match_info['user_id']} has no grant {grant_id} to revoke.")
    return user_id, grant


async def confirm_revocation(request: web.Request) -> web.Response:
    user_id, grant = await _users_grant(request)
    return page(request, "revoke.html", user_id=user_id, grant=grant, error=None, reason="")


async def revoke(request: web.Request) -> web.StreamResponse:
    user_id, grant = await _users_grant(request)
    grant_id = grant["grant_id"]
    reason = str((await request.post()).get("reason", ""))
    try:
        body = validated(RevokeRequest, {"reason": reason})
    except ValidationFailed as refused:
        message = refused.details[0]["message"] if refused.details else refused.message
        return page(
            request, "revoke.html", status=422, user_id=user_id, grant=grant, error=f"Reason: {message}", reason=reason
        )
    await revoke_grant(grant_id, body.reason, request.config_dict[CLOCK]())
    return redirect(f"/admin/users/{user_id}?revoked={grant_id}")
