"""Leaderboards: admins declare boards and take cheaters out of runs; both tokens read standings and ranks."""

from rewards_contract.leaderboards import (
    AroundQuery,
    BoardUserPath,
    LeaderboardDefinition,
    LeaderboardList,
    LeaderboardPatch,
    LeaderboardPath,
    LeaderboardView,
    Removal,
    RemovalView,
    RunList,
    RunPath,
    RunUserPath,
    Standings,
    TopQuery,
    UserStanding,
)

from service.usecases import leaderboards
from service.usecases.context import Context


async def declare_board(ctx: Context, body: LeaderboardDefinition) -> LeaderboardView:
    """Declare a board (201): events feed its current run from now on."""
    return await leaderboards.declare_board(ctx, body)


async def list_boards(ctx: Context) -> LeaderboardList:
    return await leaderboards.list_boards(ctx)


async def get_board(ctx: Context, path: LeaderboardPath) -> LeaderboardView:
    return await leaderboards.get_board(ctx, path.slug)


async def patch_board(ctx: Context, path: LeaderboardPath, body: LeaderboardPatch) -> LeaderboardView:
    return await leaderboards.patch_board(ctx, path.slug, body.model_dump(mode="json", exclude_unset=True))


async def list_runs(ctx: Context, path: LeaderboardPath) -> RunList:
    return await leaderboards.runs(ctx, path.slug)


async def current_top(ctx: Context, path: LeaderboardPath, query: TopQuery) -> Standings:
    return await leaderboards.standings(ctx, path.slug, None, query.limit)


async def run_top(ctx: Context, path: RunPath, query: TopQuery) -> Standings:
    return await leaderboards.standings(ctx, path.slug, path.run, query.limit)


async def current_rank(ctx: Context, path: BoardUserPath, query: AroundQuery) -> UserStanding:
    return await leaderboards.user_standing(ctx, path.slug, None, path.user_id, query.around)


async def run_rank(ctx: Context, path: RunUserPath, query: AroundQuery) -> UserStanding:
    return await leaderboards.user_standing(ctx, path.slug, path.run, path.user_id, query.around)


async def remove_user(ctx: Context, path: RunPath, body: Removal) -> RemovalView:
    """Take a user out of a run (201): the others move up."""
    return await leaderboards.remove_user(ctx, path.slug, path.run, body.user_id, body.reason)
