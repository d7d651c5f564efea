"""A reward's funnel, for the people who run the catalogue: its users' states now, its ledger, its unlocks per day."""

import math

from rewards_contract.api import RewardView

from service.operations.reward_funnel import RewardFunnel, reward_funnel
from service.usecases.catalogue import get_reward
from service.usecases.context import Context


async def funnel(ctx: Context, slug: str) -> tuple[RewardView, RewardFunnel, int]:
    """The reward (RewardNotFound for an unknown slug), its funnel, and how many days of unlocks the feed still holds."""
    ctx.require_admin_for("A reward's funnel")
    reward = await get_reward(ctx, slug)
    days = max(1, math.ceil(ctx.runtime.settings.feed_retention_days))
    return reward, await reward_funnel(reward.slug, ctx.now, days), days
