"""The rarity job: the board loaded before the service answers, then refreshed in the background.

How the figures are computed, stored and loaded, by one instance per interval, is
`service/operations/rarity.py`; every instance reloads the stored board into its `RarityHolder`.
"""

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from service.caches.rarity import RarityHolder
from service.jobs.runner import CommandReport, Step, run_job, running_task
from service.operations.rarity import load_rarity_board, refresh_if_due, start_rarity_board, stored_as_of
from service.usecases.runtime import Runtime

log = logging.getLogger(__name__)


async def refresh_rarity(now: datetime, interval_seconds: float, holder: RarityHolder) -> bool:
    """One refresher step: recompute if due (and won), then reload the board if newer figures are stored.

    Returns whether this instance recomputed the figures.
    """
    computed = await refresh_if_due(now, timedelta(seconds=interval_seconds))
    as_of = await stored_as_of()
    if as_of is not None and as_of != holder.board.as_of:
        board = await load_rarity_board(as_of)
        if board is not None:
            holder.board = board
    return computed


async def run_rarity_refresher(
    interval_seconds: float,
    clock: Callable[[], datetime],
    holder: RarityHolder,
    on_commands: CommandReport | None = None,
) -> None:
    """Refresh every interval until cancelled."""

    async def step() -> Step:
        computed = await refresh_rarity(clock(), interval_seconds, holder)
        log.debug("Rarity board as of %s", holder.board.as_of.isoformat())
        return Step(interval_seconds, worked=computed)

    await run_job("rarity-refresh", step, interval_seconds, first_pause=interval_seconds, on_commands=on_commands)


@contextlib.asynccontextmanager
async def running(runtime: Runtime) -> AsyncIterator[None]:
    """Load (or first compute) the board before serving; refresh it in the background until shutdown."""
    runtime.rarity.board = await start_rarity_board(runtime.clock())
    refresher = run_rarity_refresher(
        runtime.settings.rarity_seconds, runtime.clock, runtime.rarity, on_commands=runtime.metrics.record_commands
    )
    async with running_task(refresher, "rarity-refresher"):
        yield
