"""Community goals: admins declare them; both tokens read a goal's progress and one user's contribution."""

from rewards_contract.goals import (
    ContributionView,
    GoalDefinition,
    GoalList,
    GoalPatch,
    GoalPath,
    GoalUserPath,
    GoalView,
)

from service.usecases import goals
from service.usecases.context import Context


async def declare_goal(ctx: Context, body: GoalDefinition) -> GoalView:
    """Declare a goal (201): events within its window add to it from now on."""
    return await goals.declare_goal(ctx, body)


async def list_goals(ctx: Context) -> GoalList:
    return await goals.list_goals(ctx)


async def get_goal(ctx: Context, path: GoalPath) -> GoalView:
    return await goals.get_goal(ctx, path.slug)


async def patch_goal(ctx: Context, path: GoalPath, body: GoalPatch) -> GoalView:
    return await goals.patch_goal(ctx, path.slug, body.model_dump(exclude_unset=True))


async def user_contribution(ctx: Context, path: GoalUserPath) -> ContributionView:
    return await goals.user_contribution(ctx, path.slug, path.user_id)
