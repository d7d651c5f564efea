"""Leaderboards in the database: the boards, the scores the standings read, and the records of closed runs.

A run's true score is in the user's facts document (`boards.<slug>`), written in the event's one
atomic update (`operations/activity.py`). `copy_scores` copies it here with `$max`: a retry or a
replayed event copies the same or a larger score, never adds, so a crash between the two writes
is mended by the retry. The standings read `leaderboard_scores` through the `standings` index
(board, run, removed, score desc, reached_at, user_id).
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError
from rewards_contract.errors import LeaderboardNotFound, LeaderboardTaken
from rewards_contract.leaderboards import LeaderboardDefinition

from documents import Award, BoardClosing, DocumentId, Leaderboard, Placed, as_stored
from service.db import collections
from service.db.collections import Upsert
from service.engine.board_admission import check_room
from service.engine.feed_entries import closed_entry
from service.engine.leaderboards import BoardFeed, Run, closing_id

# Best first: the highest score, then whoever reached it first, then the smaller user id (the `standings` index).
STANDINGS_SORT = [("score", -1), ("reached_at", 1), ("user_id", 1)]
_REVERSED_SORT = [("score", 1), ("reached_at", -1), ("user_id", -1)]
_SCORE_FIELDS = {"_id": 0, "user_id": 1, "score": 1, "reached_at": 1}


# --- the boards ---


async def insert_board(definition: LeaderboardDefinition, now: datetime) -> Leaderboard:
    """Insert a board's document, whole, from its model; LeaderboardTaken when the slug is declared already.

    At most MAX_LEADERBOARDS exist (the caller holds the catalogue's write lock, so the count holds).
    """
    check_room(await collections.leaderboards().count_documents({}))
    board = Leaderboard(id=DocumentId(), **definition.model_dump(), created_at=now, updated_at=now)
    if not await collections.insert_with_own_id(collections.leaderboards(), as_stored(board)):
        raise LeaderboardTaken(f"A leaderboard with slug {definition.slug!r} is already declared.")
    return board


async def list_boards() -> list[Leaderboard]:
    return [Leaderboard.model_validate(doc) async for doc in collections.leaderboards().find({}).sort([("slug", 1)])]


async def stored_boards() -> list[dict[str, Any]]:
    """Every board's definition fields, as stored (seeding compares the files with them)."""
    return await collections.leaderboards().find({}, dict.fromkeys(LeaderboardDefinition.model_fields, 1)).to_list(None)


async def get_board(slug: str) -> Leaderboard:
    found = await collections.leaderboards().find_one({"slug": slug})
    if found is None:
        raise LeaderboardNotFound(f"No leaderboard with slug {slug!r}.")
    return Leaderboard.model_validate(found)


async def patch_board(slug: str, fields: dict[str, Any], now: datetime) -> Leaderboard:
    """Change a board's texts, prizes or activity (what it ranks and its runs never change)."""
    found = await collections.leaderboards().find_one_and_update(
        {"slug": slug}, {"$set": {**fields, "updated_at": now}}, return_document=True
    )
    if found is None:
        raise LeaderboardNotFound(f"No leaderboard with slug {slug!r}.")
    return Leaderboard.model_validate(found)


# --- scores ---


def _copy(user_id: int, board: str, run: str, score: int, reached_at: datetime, expires_at: datetime | None) -> Upsert:
    """Raise the stored score to `score` (never lower it); `reached_at` moves only with a higher score."""
    return (
        {"board": board, "run": run, "user_id": user_id},
        [
            {
                "$set": {
                    "reached_at": {
                        "$cond": [
                            {"$lt": [{"$ifNull": ["$score", -1]}, score]},
                            {"$literal": reached_at},
                            "$reached_at",
                        ]
                    },
                    "score": {"$max": [{"$ifNull": ["$score", 0]}, score]},
                    "removed": {"$ifNull": ["$removed", False]},
                    "expires_at": {"$literal": expires_at},
                }
            }
        ],
    )


async def copy_scores(
    user_id: int, facts: Mapping[str, Any], fed: Sequence[BoardFeed], expiry: Mapping[str, datetime | None]
) -> None:
    """Copy the user's scores in the boards this event fed, from their facts document, in one bulk write.

    `expiry`: per board, when the copy of its current run may be deleted (None: kept).
    """
    stored = facts.get("boards") or {}
    writes = []
    for feed in fed:
        score = stored.get(feed.board)
        if score is None:
            continue
        writes.append(_copy(user_id, feed.board, score["r"], score["s"], score["t"], expiry.get(feed.board)))
    if not writes:
        return
    # Two first copies of one user's score may race on the unique index: the one that lost updates the
    # document the other inserted ($max).
    await collections.bulk_upserts(collections.board_scores(), writes)


async def top(board: str, run: str, limit: int) -> list[dict[str, Any]]:
    """The best `limit` users of a run, best first (one query on the `standings` index)."""
    cursor = (
        collections.board_scores()
        .find({"board": board, "run": run, "removed": False}, _SCORE_FIELDS)
        .sort(STANDINGS_SORT)
        .limit(limit)
    )
    return await cursor.to_list(None)


def _beside(board: str, run: str, score: int, reached_at: datetime, user_id: int, ahead: bool) -> dict[str, Any]:
    """Those ranked ahead of this place (`ahead`), or behind it: by score, then who reached it first, then the id."""
    better, earlier = ("$gt", "$lt") if ahead else ("$lt", "$gt")
    return {
        "board": board,
        "run": run,
        "removed": False,
        "$or": [
            {"score": {better: score}},
            {"score": score, "reached_at": {earlier: reached_at}},
            {"score": score, "reached_at": reached_at, "user_id": {earlier: user_id}},
        ],
    }


async def user_standing(
    board: str, run: str, user_id: int, around: int
) -> tuple[dict[str, Any] | None, int | None, list[dict[str, Any]], list[dict[str, Any]]]:
    """The user's score document, how many rank ahead of them, and the `around` users above and below.

    Four queries, each on the `standings` index or the unique one: the user's document, a count of
    those ahead (one index key each, so it grows with the rank), and the neighbours on each side.
    A user with no score, or removed, has no rank and no neighbours (one query).
    """
    scores = collections.board_scores()
    mine = await scores.find_one({"board": board, "run": run, "user_id": user_id})
    if mine is None or mine.get("removed"):
        return mine, None, [], []
    place = (board, run, mine["score"], mine["reached_at"], user_id)
    ahead = await scores.count_documents(_beside(*place, ahead=True))
    above: list[dict[str, Any]] = []
    below: list[dict[str, Any]] = []
    if around:
        above = (
            await scores.find(_beside(*place, ahead=True), _SCORE_FIELDS)
            .sort(_REVERSED_SORT)
            .limit(around)
            .to_list(None)
        )
        below = (
            await scores.find(_beside(*place, ahead=False), _SCORE_FIELDS)
            .sort(STANDINGS_SORT)
            .limit(around)
            .to_list(None)
        )
    return mine, ahead, list(reversed(above)), below


async def remove_user(
    board: str, run: str, user_id: int, reason: str, now: datetime, expires_at: datetime | None
) -> dict[str, Any]:
    """Take a user out of a run: the others move up, and their later events leave them out. Answers the document."""
    found = await collections.board_scores().find_one_and_update(
        {"board": board, "run": run, "user_id": user_id},
        {
            "$set": {"removed": True, "removed_reason": reason, "removed_at": now},
            "$setOnInsert": {"score": 0, "reached_at": now, "expires_at": expires_at},
        },
        upsert=True,
        return_document=True,
    )
    return dict(found)


async def removed_users(board: str, run: str, limit: int) -> list[dict[str, Any]]:
    """The users taken out of a run (the console lists them), on the `standings` index."""
    cursor = (
        collections.board_scores()
        .find({"board": board, "run": run, "removed": True}, {"_id": 0, "user_id": 1, "score": 1, "removed_reason": 1})
        .sort(STANDINGS_SORT)
        .limit(limit)
    )
    return await cursor.to_list(None)


# --- closings ---


async def get_closing(board: str, run: str) -> BoardClosing | None:
    found = await collections.board_closings().find_one({"_id": closing_id(board, run)})
    return None if found is None else BoardClosing.model_validate(found)


async def closed_runs(board: str, limit: int) -> list[BoardClosing]:
    """A board's closed runs, newest first (on the `board_runs` index)."""
    cursor = collections.board_closings().find({"board": board}).sort([("ends_at", -1)]).limit(limit)
    return [BoardClosing.model_validate(doc) async for doc in cursor]


async def insert_closing(
    board: str,
    run: Run,
    standings: Sequence[Placed],
    awards: Sequence[Award],
    now: datetime,
    expires_at: datetime | None,
) -> BoardClosing:
    """Close the run: insert its record, the commit point. Whoever inserted it first, its record is answered."""
    closing = BoardClosing(
        id=closing_id(board, run.key),
        board=board,
        run=run.key,
        starts_at=run.starts_at,
        ends_at=run.ends_at,
        closed_at=now,
        standings=list(standings),
        awards=list(awards),
        pending=list(awards),
        done=not awards,
        expires_at=expires_at,
        feed_outbox=[
            closed_entry(board, run.key, run.starts_at, run.ends_at, [p.model_dump() for p in standings], now)
        ],
    )
    try:
        await collections.board_closings().insert_one(as_stored(closing))
    except DuplicateKeyError:
        stored = await get_closing(board, run.key)
        if stored is not None:
            return stored
        raise
    return closing


async def unfinished_closings(limit: int) -> list[BoardClosing]:
    """Closings with awards still to give, oldest first (on the `unfinished` index)."""
    cursor = collections.board_closings().find({"done": False}).sort([("closed_at", 1)]).limit(limit)
    return [BoardClosing.model_validate(doc) async for doc in cursor]


async def awards_settled(closing_id_: str, settled: Sequence[Award]) -> None:
    """Take these awards off the closing's pending list; the closing is done once none is left."""
    if not settled:
        return
    closings = collections.board_closings()
    await closings.update_one(
        {"_id": closing_id_}, {"$pull": {"pending": {"$in": [as_stored(award) for award in settled]}}}
    )
    await closings.update_one({"_id": closing_id_, "pending": {"$size": 0}}, {"$set": {"done": True}})
