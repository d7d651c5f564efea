"""A user's page: facts and counters, every active reward's state with progress, grants and reversals, latest feed entries.

Read with the use cases the API's user routes answer with (so it shows what the bot would see, secret
rewards included); a grant is revoked, with a reason, after a confirmation page.
"""

from aiohttp import web
from pydantic import ValidationError
from rewards_contract.api import GrantView, RevokeRequest, UserPath
from rewards_contract.errors import GrantNotFound, ValidationFailed

from service.http.console.pages import context, error_page, page, redirect
from service.plain_errors import validated
from service.usecases import grants
from service.usecases.users import overview

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
    user = await overview(context(request), user_id, grants_shown=GRANTS_SHOWN, entries_shown=FEED_ENTRIES_SHOWN)
    return page(
        request,
        "user.html",
        user_id=user_id,
        facts=user.facts,
        rewards=user.rewards,
        grants=user.grants,
        revoked=user.revoked,
        feed=user.feed,
        revoked_now=request.query.get("revoked"),
    )


async def _users_grant(request: web.Request) -> tuple[int, GrantView]:
    """The path's user and grant; a grant of another user (or none, or a reversal) is a 404 page."""
    user_id = _user_id(request.match_info["user_id"])
    grant_id = request.match_info["grant_id"]
    if user_id is None:
        raise GrantNotFound(f"User {request.match_info['user_id']} has no grant {grant_id} to revoke.")
    return user_id, await grants.revocable_grant(context(request), user_id, grant_id, limit=GRANTS_SHOWN)


async def confirm_revocation(request: web.Request) -> web.Response:
    user_id, grant = await _users_grant(request)
    return page(request, "revoke.html", user_id=user_id, grant=grant, error=None, reason="")


async def revoke(request: web.Request) -> web.StreamResponse:
    user_id, grant = await _users_grant(request)
    reason = str((await request.post()).get("reason", ""))
    try:
        body = validated(RevokeRequest, {"reason": reason})
    except ValidationFailed as refused:
        message = refused.details[0]["message"] if refused.details else refused.message
        return page(
            request, "revoke.html", status=422, user_id=user_id, grant=grant, error=f"Reason: {message}", reason=reason
        )
    await grants.revoke(context(request), grant.grant_id, body.reason)
    return redirect(f"/admin/users/{user_id}?revoked={grant.grant_id}")
