"""Leaderboards: admins declare boards; events feed their runs; the bot reads the top and one user's rank.

A board is part of the active catalogue (its cache holds the active boards), so an event learns
which boards it feeds without a read; declaring or changing a board moves the catalogue's version.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rewards_contract.errors import RunNotFound
from rewards_contract.leaderboards import (
    LeaderboardDefinition,
    LeaderboardList,
    LeaderboardView,
    Prize,
    Ranked,
    RemovalView,
    RunList,
    RunView,
    Standings,
    UserStanding,
)

from documents import Leaderboard
from service.engine.board_admission import BoardSnapshot, admit_board, check_prizes
from service.engine.catalogue import ActiveRewards
from service.engine.leaderboards import ActiveBoard, BoardFeed, Run, run_of_key
from service.operations import leaderboards, rewards
from service.operations.catalogue_lock import catalogue_change
from service.plain_errors import validated
from service.usecases.catalogue import changed
from service.usecases.context import Context

# The past runs a board's run list answers at most.
RUNS_LISTED = 50


def run_view(run: Run, now: datetime, closed: bool | None = None) -> RunView:
    """A run as answered; `closed` defaults to whether it has ended (a closing follows within the grace period)."""
    ended = run.ends_at is not None and now >= run.ends_at
    return RunView(
        key=run.key, starts_at=run.starts_at, ends_at=run.ends_at, closed=ended if closed is None else closed
    )


def _active_board(board: Leaderboard) -> ActiveBoard:
    return ActiveBoard(board.slug, board.ranks, board.period, board.starts_at, board.ends_at, tuple(board.prizes))


def _prizes_shown(prizes: list[dict[str, Any]], catalog: ActiveRewards) -> list[dict[str, Any]]:
    """The prizes as the bot sees them: a secret reward by its hint's id, as the catalogue names it; an inactive one left out.

    The bot never learns what a secret reward is before its user unlocks it, not even from a board.
    """
    named = [(prize, catalog.named_for_bot(prize["reward"])) for prize in prizes]
    return [{**prize, "reward": name} for prize, name in named if name is not None]


async def _view(ctx: Context, board: Leaderboard) -> LeaderboardView:
    current = _active_board(board).run_at(ctx.now) if board.is_active else None
    fields = board.model_dump(exclude={"id", "revision_id"})
    if not ctx.is_admin:
        fields["prizes"] = _prizes_shown(fields["prizes"], await ctx.runtime.catalogue.active())
    return LeaderboardView.model_validate(
        {**fields, "current_run": None if current is None else run_view(current, ctx.now)}
    )


async def declare_board(ctx: Context, definition: LeaderboardDefinition) -> LeaderboardView:
    """Declare a board: events feed its current run from now on."""
    async with catalogue_change(ctx.now):
        prizes = await rewards.condition_types(prize.reward for prize in definition.prizes)
        admit_board(definition, BoardSnapshot(await rewards.stored_counter_kinds(), prizes))
        board = await leaderboards.insert_board(definition, ctx.now)
    await changed(ctx)
    return await _view(ctx, board)


async def list_boards(ctx: Context) -> LeaderboardList:
    return LeaderboardList(leaderboards=[await _view(ctx, board) for board in await leaderboards.list_boards()])


async def get_board(ctx: Context, slug: str) -> LeaderboardView:
    return await _view(ctx, await leaderboards.get_board(slug))


async def patch_board(ctx: Context, slug: str, fields: dict[str, Any]) -> LeaderboardView:
    """Change a board's texts, prizes or activity; what it ranks and its runs never change."""
    async with catalogue_change(ctx.now):
        current = await leaderboards.get_board(slug)
        if "prizes" in fields:
            prizes = [Prize.model_validate(prize) for prize in fields["prizes"]]
            # The board as it would be (an all_time board takes no prize); only the definition's fields are checked.
            stored = current.model_dump(include=set(LeaderboardDefinition.model_fields))
            validated(LeaderboardDefinition, {**stored, "prizes": prizes})
            check_prizes(prizes, await rewards.condition_types(prize.reward for prize in prizes))
        board = await leaderboards.patch_board(slug, fields, ctx.now)
    await changed(ctx)
    return await _view(ctx, board)


async def _board_and_run(ctx: Context, slug: str, key: str | None) -> tuple[Leaderboard, Run]:
    """The board (active or not) and the run a key names; without a key, the current run."""
    board = await leaderboards.get_board(slug)
    return board, _run_of(_active_board(board), key, ctx.now)


def _run_of(board: ActiveBoard, key: str | None, now: datetime) -> Run:
    """The run a key names, or without a key the one open at `now`; RunNotFound when there is none."""
    run = board.run_at(now) if key is None else run_of_key(board, key)
    if run is None:
        raise RunNotFound(
            f"Leaderboard {board.slug!r} has no run {key!r}."
            if key
            else f"Leaderboard {board.slug!r} has no run open now."
        )
    return run


def _ranked(rank: int, doc: dict[str, Any]) -> Ranked:
    return Ranked(rank=rank, user_id=doc["user_id"], score=doc["score"], reached_at=doc["reached_at"])


async def standings(ctx: Context, slug: str, key: str | None, limit: int) -> Standings:
    """The best users of a run (the current one without a key), best first."""
    catalog = await ctx.runtime.catalogue.active()
    _, run = await _cached_board_and_run(ctx, catalog, slug, key)
    found = await leaderboards.top(slug, run.key, limit)
    closed = await _closed(ctx, slug, run)
    return Standings(
        board=slug,
        run=run_view(run, ctx.now, closed),
        entries=[_ranked(rank, doc) for rank, doc in enumerate(found, start=1)],
    )


async def _cached_board_and_run(
    ctx: Context, catalog: ActiveRewards, slug: str, key: str | None
) -> tuple[ActiveBoard | Leaderboard, Run]:
    """From the catalogue cache for an active board (no read); from the database for an inactive one."""
    active = catalog.boards_by_slug.get(slug)
    if active is None:
        return await _board_and_run(ctx, slug, key)
    return active, _run_of(active, key, ctx.now)


async def _closed(ctx: Context, slug: str, run: Run) -> bool:
    """Whether the run's prizes were given: only an ended run may be, and only then is its record read."""
    if run.ends_at is None or ctx.now < run.ends_at:
        return False
    return await leaderboards.get_closing(slug, run.key) is not None


async def user_standing(ctx: Context, slug: str, key: str | None, user_id: int, around: int) -> UserStanding:
    """One user's rank and score in a run, with the `around` users above and below."""
    catalog = await ctx.runtime.catalogue.active()
    _, run = await _cached_board_and_run(ctx, catalog, slug, key)
    mine, ahead, above, below = await leaderboards.user_standing(slug, run.key, user_id, around)
    rank = None if ahead is None else ahead + 1
    return UserStanding(
        board=slug,
        run=run_view(run, ctx.now),
        user_id=user_id,
        rank=rank,
        score=0 if mine is None or rank is None else mine["score"],
        above=[] if rank is None else [_ranked(rank - len(above) + i, doc) for i, doc in enumerate(above)],
        below=[] if rank is None else [_ranked(rank + 1 + i, doc) for i, doc in enumerate(below)],
    )


def expiry_of(ctx: Context, run: Run) -> datetime | None:
    """When a run's scores and closing may be deleted: its end plus the retention (never for all_time)."""
    if run.ends_at is None:
        return None
    return run.ends_at + timedelta(days=ctx.runtime.settings.leaderboard_retention_days)


async def copy_scores(ctx: Context, user_id: int, facts: dict[str, Any], fed: list[BoardFeed]) -> None:
    """Copy the scores an event wrote in the user's facts to the standings (a repeat copies the same)."""
    await leaderboards.copy_scores(user_id, facts, fed, {feed.board: expiry_of(ctx, feed.run) for feed in fed})


async def remove_user(ctx: Context, slug: str, key: str, user_id: int, reason: str) -> RemovalView:
    """Take a user out of a run: the others move up. A closed run's prizes stay given."""
    _, run = await _board_and_run(ctx, slug, key)
    closed = await leaderboards.get_closing(slug, run.key) is not None
    stored = await leaderboards.remove_user(slug, run.key, user_id, reason, ctx.now, expiry_of(ctx, run))
    return RemovalView(
        board=slug,
        run=run.key,
        user_id=user_id,
        reason=stored["removed_reason"],
        removed_at=stored["removed_at"],
        after_closing=closed,
    )


async def runs(ctx: Context, slug: str) -> RunList:
    """The board's current run, then its closed runs, newest first."""
    board = await leaderboards.get_board(slug)
    current = _active_board(board).run_at(ctx.now) if board.is_active else None
    closings = await leaderboards.closed_runs(slug, RUNS_LISTED)
    listed = [] if current is None else [run_view(current, ctx.now)]
    listed += [
        RunView(key=c.run, starts_at=c.starts_at, ends_at=c.ends_at, closed=True)
        for c in closings
        if current is None or c.run != current.key
    ]
    return RunList(runs=listed)


@dataclass(frozen=True)
class RemovedUser:
    """A user an admin took out of a run, with the score they had and the reason written."""

    user_id: int
    score: int
    reason: str


@dataclass(frozen=True)
class CurrentRun:
    """A board with its current run's best users and the users taken out of that run (none while no run is open)."""

    board: LeaderboardView
    top: list[Ranked]
    removed: list[RemovedUser]


async def current_run(ctx: Context, slug: str, *, top: int, removed: int) -> CurrentRun:
    """The console's board page: the board, its current run's `top` best and up to `removed` users taken out."""
    ctx.require_admin_for("The users taken out of a run")
    board = await get_board(ctx, slug)
    if board.current_run is None:
        return CurrentRun(board, [], [])
    key = board.current_run.key
    best = await leaderboards.top(slug, key, top)
    taken_out = await leaderboards.removed_users(slug, key, removed)
    return CurrentRun(
        board,
        [_ranked(rank, doc) for rank, doc in enumerate(best, start=1)],
        [RemovedUser(doc["user_id"], doc["score"], doc["removed_reason"]) for doc in taken_out],
    )
