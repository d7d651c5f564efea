"""The grants ledger as the bot and admins use it: a user's grants and badges, acknowledging, revoking.

The lists write first, so that they tell the truth: a claim left half-finished (claimed, but its
grant not yet copied into the ledger, after a crash) is copied into the ledger before the list is
read, so no granted reward is missing from the answer.
"""

from typing import Any

from rewards_contract.api import BadgeList, BadgeView, GrantList, GrantView
from rewards_contract.enums import GrantKind
from rewards_contract.errors import GrantNotFound

from service.engine.views import grant_view_fields
from service.operations import grants
from service.operations.rewards import texts_by_slug
from service.usecases.context import Context


async def _views(ctx: Context, stored: list[dict[str, Any]]) -> GrantList:
    """Stored grants with their reward's texts (today's, in the caller's language) and displays."""
    texts = await texts_by_slug({grant["reward_slug"] for grant in stored}, await ctx.runtime.catalogue.active())
    return GrantList.model_validate(
        {"grants": [grant_view_fields(grant, texts.get(grant["reward_slug"]), ctx.language) for grant in stored]}
    )


async def list_grants(ctx: Context, user_id: int, *, pending: bool = False, limit: int = 100) -> GrantList:
    """The user's grants and reversals, oldest first; `pending`: only those the bot has not acknowledged."""
    await grants.recover_user_grants(user_id, ctx.now)
    return await _views(ctx, await grants.list_grants(user_id, pending, limit))


async def revocable_grant(ctx: Context, user_id: int, grant_id: str, limit: int = 100) -> GrantView:
    """One of the user's grants that can be revoked (not a reversal); GrantNotFound otherwise (the console's page)."""
    listed = await list_grants(ctx, user_id, limit=limit)
    grant = next((g for g in listed.grants if g.grant_id == grant_id and g.kind is GrantKind.GRANT), None)
    if grant is None:
        raise GrantNotFound(f"User {user_id} has no grant {grant_id} to revoke.")
    return grant


async def list_badges(ctx: Context, user_id: int) -> BadgeList:
    """The badges the user holds, from claimed badge rewards not revoked."""
    await grants.recover_user_grants(user_id, ctx.now)
    return BadgeList(
        badges=[
            BadgeView(
                reward=g["reward_slug"],
                badge_name=g["reward_value"]["badge_name"],
                emoji=g["reward_value"]["emoji"],
                earned_at=g["claimed_at"],
            )
            for g in await grants.list_badges(user_id)
        ]
    )


async def acknowledge(ctx: Context, grant_id: str) -> GrantView:
    """Mark a grant delivered; acknowledging twice is fine and keeps the first delivery time."""
    return (await _views(ctx, [await grants.acknowledge_grant(grant_id, ctx.now)])).grants[0]


async def revoke(ctx: Context, grant_id: str, reason: str) -> GrantView:
    """Revoke a grant; answers its reversal, the same one however often it is revoked."""
    return (await _views(ctx, [await grants.revoke_grant(grant_id, reason, ctx.now)])).grants[0]
