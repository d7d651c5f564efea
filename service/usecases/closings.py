"""Closing leaderboard runs: the final standings recorded once, and each prize unlocked once per run.

A pass closes every run that ended more than the grace period ago and has no record yet, then
gives the awards of every closing not done. The record's insert is the commit point: two
instances closing one run collide on its `_id`, and the loser goes on from the winner's record.
Each award is a guarded unlock marked with the run (`unlocked_by`), so repeating it, after a crash
or by a second instance, finds it given. Prizes reach the user as any unlock does: the state, the
feed, then the usual claim and the ledger.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from documents import Award, BoardClosing, Placed
from service.engine.catalogue import ActiveRewards
from service.engine.leaderboards import ActiveBoard, Run, awards_of, due_to_close, prize_marker
from service.operations import leaderboards
from service.operations.evaluation import give_awards
from service.usecases.runtime import Runtime

log = logging.getLogger(__name__)

# Closings with awards left that one pass works through at most.
CLOSINGS_PER_PASS = 20


@dataclass(frozen=True)
class ClosingPass:
    """What one pass did: runs closed, prizes unlocked, and prizes still waiting."""

    closed: int = 0
    given: int = 0
    waiting: int = 0

    @property
    def worked(self) -> bool:
        return bool(self.closed or self.given)


async def _close(runtime: Runtime, board: ActiveBoard, run: Run) -> BoardClosing:
    """Record the run's final top (as far as a prize reaches) and the awards it owes; answer the stored record."""
    now = runtime.clock()
    top = await leaderboards.top(board.slug, run.key, max(board.worst_prized_rank, 1))
    standings = [
        Placed(rank=rank, user_id=doc["user_id"], score=doc["score"], reached_at=doc["reached_at"])
        for rank, doc in enumerate(top, start=1)
    ]
    awards = [
        Award(user_id=user_id, rank=rank, reward=reward)
        for user_id, rank, reward in awards_of(board.prizes, [placed.user_id for placed in standings])
    ]
    expires_at = (
        None if run.ends_at is None else run.ends_at + timedelta(days=runtime.settings.leaderboard_retention_days)
    )
    return await leaderboards.insert_closing(board.slug, run, standings, awards, now, expires_at)


async def _give(runtime: Runtime, closing: BoardClosing, catalog: ActiveRewards) -> tuple[int, int]:
    """Unlock the closing's pending awards; answer (given, still waiting). A prize no longer active is dropped."""
    marker = prize_marker(closing.board, closing.run)
    pairs = []
    dropped = []
    for award in closing.pending:
        reward = catalog.by_slug.get(award.reward)
        if reward is None:
            log.warning(
                "Leaderboard %s, run %s: prize %r is not an active reward; not given",
                closing.board,
                closing.run,
                award.reward,
            )
            dropped.append(award)
        else:
            pairs.append((award, reward))
    given = (
        await give_awards([(award.user_id, reward) for award, reward in pairs], marker, runtime.clock())
        if pairs
        else set()
    )
    settled = [award for award, reward in pairs if (award.user_id, reward.id) in given]
    await leaderboards.awards_settled(closing.id, settled + dropped)
    return len(settled), len(pairs) - len(settled)


async def close_runs(runtime: Runtime) -> ClosingPass:
    """Close every run due, then give what every unfinished closing still owes."""
    catalog = await runtime.catalogue.active()
    grace = timedelta(seconds=runtime.settings.leaderboard_grace_seconds)
    closed = 0
    for board in catalog.boards:
        run = due_to_close(board, runtime.clock(), grace)
        if run is None or await leaderboards.get_closing(board.slug, run.key) is not None:
            continue
        await _close(runtime, board, run)
        closed += 1
    given = waiting = 0
    for closing in await leaderboards.unfinished_closings(CLOSINGS_PER_PASS):
        made, left = await _give(runtime, closing, catalog)
        given, waiting = given + made, waiting + left
    return ClosingPass(closed, given, waiting)
