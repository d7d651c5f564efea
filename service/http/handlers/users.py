"""Per-user endpoints the bot calls: activity, rewards with progress, claims, grants, badges."""

from rewards_contract.api import (
    BadgeList,
    ClaimHeaders,
    ClaimResponse,
    GrantList,
    GrantsQuery,
    UserPath,
    UserRewardPath,
    UserRewardsQuery,
)
from rewards_contract.events import EventRequest
from rewards_contract.facts import FactsUpdate

from service.engine.user_rewards import RewardFilter
from service.engine.views import Trusted
from service.usecases import claims, events, grants, user_rewards
from service.usecases.context import Context


async def report_event(ctx: Context, path: UserPath, body: EventRequest) -> Trusted:
    """Count one event (once per event_id) and report the rewards it unlocked."""
    return await events.report_event(ctx, path.user_id, body)


async def set_facts(ctx: Context, path: UserPath, body: FactsUpdate) -> Trusted:
    """Set absolute facts (for bots that keep the numbers) and report the rewards unlocked."""
    return await events.set_facts(ctx, path.user_id, body)


async def list_rewards_storing_expiry(ctx: Context, path: UserPath, query: UserRewardsQuery) -> Trusted:
    """The user's rewards with status and progress, in display order: all of them, or a page."""
    return await user_rewards.list_user_rewards(
        ctx,
        path.user_id,
        include_secret=query.include_secret,
        collapse_tiers=query.tiers == "collapsed",
        wanted=RewardFilter(query.status_set(), query.type_set(), query.series),
        cursor=query.cursor,
        limit=query.limit,
    )


async def user_reward_storing_expiry(ctx: Context, path: UserRewardPath) -> Trusted:
    """One reward of the user, as the list shows it."""
    return await user_rewards.user_reward(ctx, path.user_id, path.slug)


async def claim(ctx: Context, path: UserRewardPath, headers: ClaimHeaders) -> ClaimResponse:
    """Claim an unlocked reward; a retry with the same Idempotency-Key gets the first outcome."""
    return await claims.claim(ctx, path.user_id, path.slug, headers.idempotency_key)


async def recover_and_list_grants(ctx: Context, path: UserPath, query: GrantsQuery) -> GrantList:
    """The user's grants, oldest first; `pending=true` lists those the bot has not acknowledged."""
    return await grants.list_grants(ctx, path.user_id, pending=query.pending, limit=query.limit)


async def recover_and_list_badges(ctx: Context, path: UserPath) -> BadgeList:
    """The badges the user holds, from claimed badge rewards."""
    return await grants.list_badges(ctx, path.user_id)
