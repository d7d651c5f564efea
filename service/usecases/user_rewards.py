"""A user's rewards: a page of the active rewards with the user's status and progress, or one reward; hints; counts.

Both reads cost two commands (the user's facts and stored states, issued together), a third only
when what is answered shows a limited edition (its slots left), and work bounded by what is answered.
"""

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

from rewards_contract.api import UserRewardsResponse, UserRewardView
from rewards_contract.errors import RewardNotFound

from service.engine.catalogue import ActiveRewards
from service.engine.paging import cursor_after, key_of_cursor
from service.engine.standing import Standing
from service.engine.user_rewards import (
    EVERY_REWARD,
    Listed,
    RewardFilter,
    chains_left_unfinished,
    hints_of,
    is_shown,
    listed,
    overdue_of,
    page_of,
    reward_status,
    status_counts,
)
from service.engine.views import Trusted, hint_view, user_reward_view
from service.operations.edition_slots import slots_left
from service.operations.evaluation import States, evaluate_user, standing_of
from service.operations.expiry import store_expiries
from service.operations.user_rewards import read_facts, read_listed_states
from service.usecases.context import Context


async def _user_now(ctx: Context, user_id: int, catalog: ActiveRewards) -> tuple[States, Standing]:
    """The user's stored states and standing, after finishing a chain a crash left half-unlocked and storing
    the expiries found: the answer then tells the truth. Writes only when there is something to finish."""
    facts, states = await asyncio.gather(read_facts(user_id), read_listed_states(user_id))
    standing = standing_of(facts, states, ctx.now)
    unfinished = chains_left_unfinished(catalog, standing, states, ctx.now)
    if unfinished:
        await evaluate_user(user_id, facts, unfinished, f"list:{uuid.uuid4().hex}", ctx.now, states)
        states = await read_listed_states(user_id)
    await store_expiries(user_id, overdue_of(catalog, states, ctx.now), ctx.now)
    return states, standing


async def _views(ctx: Context, items: list[Listed], standing: Standing, catalog: ActiveRewards) -> list[dict[str, Any]]:
    """The answered rewards' views, with the slots left of the limited editions among them (one read, if any)."""
    remaining: Mapping[str, int | None] = await slots_left(
        {item.reward.slug: item.reward.max_claims for item in items if item.reward.max_claims is not None}
    )
    choice, rarity = ctx.language, ctx.runtime.rarity.board
    return [
        user_reward_view(reward_status(item, standing, ctx.now, remaining), choice, rarity, catalog) for item in items
    ]


async def list_user_rewards(
    ctx: Context,
    user_id: int,
    *,
    include_secret: bool = False,
    collapse_tiers: bool = False,
    wanted: RewardFilter = EVERY_REWARD,
    cursor: str | None = None,
    limit: int | None = None,
) -> Trusted:
    """The user's rewards in display order: all of them, or the page after `cursor` (UserRewardsResponse).

    Writes: an unlocked reward whose claim window has passed is stored as expired. Locked secret
    rewards are shown to admins who ask for them (`include_secret`); the others see their hints,
    with the first page. The counts are the whole list's, before filters and paging.
    """
    if include_secret:
        ctx.require_admin_for("include_secret=true")
    after = None if cursor is None else key_of_cursor(cursor)
    catalog = await ctx.runtime.catalogue.active()
    states, standing = await _user_now(ctx, user_id, catalog)
    page = page_of(
        catalog,
        states,
        ctx.now,
        include_secret=include_secret,
        collapse_tiers=collapse_tiers,
        wanted=wanted,
        after=after,
        limit=limit,
    )
    first_page_hints = hints_of(catalog, states, standing, ctx.now) if cursor is None and not include_secret else []
    hints = [view for hint in first_page_hints if (view := hint_view(hint, ctx.language)) is not None]
    return Trusted(
        UserRewardsResponse,
        {
            "user_id": user_id,
            "rewards": await _views(ctx, page.items, standing, catalog),
            "hints": hints,
            "counts": status_counts(catalog, states, ctx.now, include_secret),
            "next_cursor": None if page.next_after is None else cursor_after(page.next_after),
        },
    )


async def user_reward(ctx: Context, user_id: int, slug: str) -> Trusted:
    """One active reward of the user, as the list shows it (UserRewardView); the same writes as the list.

    A reward the caller may not see answers as one that does not exist: to the bot, a secret reward
    the user has not unlocked.
    """
    catalog = await ctx.runtime.catalogue.active()
    reward = catalog.by_slug.get(slug)
    if reward is None:
        raise RewardNotFound(f"No active reward with slug {slug!r}.")
    states, standing = await _user_now(ctx, user_id, catalog)
    item = listed(reward, states.get(reward.id), ctx.now)
    if not is_shown(item, include_secret=ctx.is_admin):
        raise RewardNotFound(f"No active reward with slug {slug!r}.")
    [view] = await _views(ctx, [item], standing, catalog)
    return Trusted(UserRewardView, view)
