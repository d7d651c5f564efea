"""A user's rewards: each active reward with the user's status and progress, and hints of the secret ones."""

import asyncio
import uuid

from rewards_contract.api import UserRewardsResponse

from service.engine.catalogue import ActiveRewards
from service.engine.user_rewards import UserRewards, chain_left_unfinished, user_rewards
from service.engine.views import Trusted, hint_view, user_reward_view
from service.operations.evaluation import evaluate_user, standing_of
from service.operations.expiry import store_expiries
from service.operations.user_rewards import read_facts, read_listed_states, remaining_slots
from service.usecases.context import Context


async def _listed(
    ctx: Context, user_id: int, catalog: ActiveRewards, include_secret: bool, collapse: bool
) -> UserRewards:
    """The user's rewards now, the expiries found stored, and a chain a crash left half-unlocked finished.

    Two reads (facts and states, issued together; a third for the slots left when limited editions
    are active) plus, only when some unlocked reward is past its window, one bulk write that stores
    the expiry, and only when a crash left a chain unfinished, the evaluation that finishes it.
    """
    facts, states, remaining = await asyncio.gather(
        read_facts(user_id), read_listed_states(user_id), remaining_slots(catalog)
    )
    standing = standing_of(facts, states, ctx.now)
    if chain_left_unfinished(catalog, standing, states, ctx.now):
        marker = f"list:{uuid.uuid4().hex}"
        dependents = [reward for reward in catalog.entries if reward.prerequisites]
        await evaluate_user(user_id, facts, dependents, marker, ctx.now, states)
        states = await read_listed_states(user_id)
    listed = user_rewards(
        catalog, states, standing, ctx.now, include_secret=include_secret, remaining=remaining, collapse_tiers=collapse
    )
    await store_expiries(user_id, listed.overdue, ctx.now)
    return listed


async def list_user_rewards(
    ctx: Context, user_id: int, *, include_secret: bool = False, collapse_tiers: bool = False
) -> Trusted:
    """Every active reward for the user, with status and progress, in display order (UserRewardsResponse).

    Writes: an unlocked reward whose claim window has passed is stored as expired. Locked secret
    rewards are shown to admins who ask for them (`include_secret`); the others see their hints.
    """
    if include_secret:
        ctx.require_admin_for("include_secret=true")
    catalog = await ctx.runtime.catalogue.active()
    listed = await _listed(ctx, user_id, catalog, include_secret, collapse_tiers)
    choice, rarity = ctx.language, ctx.runtime.rarity.board
    views = [user_reward_view(status, choice, rarity, catalog) for status in listed.rewards]
    hints = [view for hint in listed.hints if (view := hint_view(hint, choice)) is not None]
    return Trusted(UserRewardsResponse, {"user_id": user_id, "rewards": views, "hints": hints})
