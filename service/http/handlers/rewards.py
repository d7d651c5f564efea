"""The reward catalogue: the bot reads it, admins change it."""

from rewards_contract.api import CatalogQuery, RewardList, RewardPatch, RewardPath, RewardView
from rewards_contract.rewards import RewardDefinition

from service.engine.views import Trusted
from service.usecases import catalogue
from service.usecases.context import Context


async def list_rewards(ctx: Context, query: CatalogQuery) -> RewardList | Trusted:
    """Active, non-secret rewards (upcoming and ended seasonal ones too); admins with all=true get every reward."""
    return await catalogue.list_rewards(ctx, include_all=query.all, cursor=query.cursor, limit=query.limit)


async def get_reward(ctx: Context, path: RewardPath) -> RewardView:
    """One reward; the bot sees only active, non-secret ones, admins see any."""
    return await catalogue.get_reward(ctx, path.slug)


async def create_reward(ctx: Context, body: RewardDefinition) -> RewardView:
    """Add a reward (201); a taken slug is 409 slug_taken."""
    return await catalogue.create_reward(ctx, body)


async def replace_reward(ctx: Context, path: RewardPath, body: RewardDefinition) -> RewardView:
    """Replace a reward's definition; users' history is kept."""
    return await catalogue.replace_reward(ctx, path.slug, body)


async def patch_reward(ctx: Context, path: RewardPath, body: RewardPatch) -> RewardView:
    """Change some fields of a reward."""
    return await catalogue.patch_reward(ctx, path.slug, body.model_dump(exclude_unset=True))


async def deactivate_reward(ctx: Context, path: RewardPath) -> RewardView:
    """Deactivate a reward (never deletes it: users' history stays)."""
    return await catalogue.deactivate_reward(ctx, path.slug)
