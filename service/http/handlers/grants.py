"""Grant delivery and revocation: the bot acknowledges what it applied; admins revoke grants."""

from typing import Any

from aiohttp import web
from rewards_contract.api import (
    GrantList,
    GrantPath,
    GrantView,
    LanguageHeaders,
    LanguageQuery,
    RevokeRequest,
)

from service.engine.languages import LanguageChoice, LocalizedTexts, displayed
from service.http.keys import CATALOG, CLOCK
from service.http.languages import language_of
from service.operations.catalog import texts_by_slug
from service.operations.grants import acknowledge_grant, revoke_grant


async def ack_grant(request: web.Request, path: GrantPath, query: LanguageQuery, headers: LanguageHeaders) -> GrantView:
    """Mark a grant delivered; acknowledging twice is fine."""
    grant = await acknowledge_grant(path.grant_id, request.app[CLOCK]())
    return (await grant_views(request, [grant], language_of(request, query, headers))).grants[0]


async def revoke(
    request: web.Request, path: GrantPath, body: RevokeRequest, query: LanguageQuery, headers: LanguageHeaders
) -> GrantView:
    """Revoke a grant; answers its reversal, the same one however often it is revoked."""
    reversal = await revoke_grant(path.grant_id, body.reason, request.app[CLOCK]())
    return (await grant_views(request, [reversal], language_of(request, query, headers))).grants[0]


async def grant_views(request: web.Request, grants: list[dict[str, Any]], choice: LanguageChoice) -> GrantList:
    """Stored grants with their reward's texts (today's, in the caller's language) and displays."""
    texts = await texts_by_slug({g["reward_slug"] for g in grants}, await request.app[CATALOG].active())
    return GrantList.model_validate(
        {
            "grants": [
                {
                    **grant,
                    # A reward removed from the database behind the service's back is named by its slug.
                    **texts.get(grant["reward_slug"], LocalizedTexts.of(grant["reward_slug"], None, {})).in_language(
                        choice
                    ),
                    "reward_type_display": displayed(grant["reward_type"], choice),
                }
                for grant in grants
            ]
        }
    )
