"""What a user's activity changes of their facts: each event counted exactly once, in one atomic write."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError
from rewards_contract.errors import DetailType, EventIdReused
from rewards_contract.facts import NEW_USER_FACTS

from documents import BOARDS_FIELD, DAYS_FIELD, FACTS_PROJECTION, GOAL_OUTBOX_FIELD, GOALS_FIELD, RECENT_EVENT_IDS_KEPT
from service.db import collections
from service.engine.activity import EventMark, FactsChange, remembered_fingerprint
from service.engine.goals import GoalFeed, increment_id
from service.engine.leaderboards import BoardFeed
from service.engine.standing import utc_day
from service.operations.retries import gave_up, retried

# The de-duplication marks, written by events only: each event's id, and its fingerprint beside it.
_REMEMBERED = ("recent_event_ids", "recent_event_prints")


def _remembered(event: EventMark) -> dict[str, Any]:
    """Each mark's list's newest value, by list."""
    return {"recent_event_ids": event.event_id, "recent_event_prints": event.fingerprint}


def _facts_update(user_id: int, change: FactsChange, now: datetime, event: EventMark | None) -> dict[str, Any]:
    update: dict[str, Any] = {"$set": {**change.assignments, "updated_at": now}}
    if change.increments:
        update["$inc"] = dict(change.increments)
    if event is not None:
        # Remember the event in the same atomic write that counts it: counted once, or not at all.
        update["$push"] = {
            name: {"$each": [value], "$slice": -RECENT_EVENT_IDS_KEPT} for name, value in _remembered(event).items()
        }
    written = change.touched | {"updated_at", *_REMEMBERED}
    update["$setOnInsert"] = {
        "user_id": user_id,
        "created_at": now,
        **{k: v for k, v in NEW_USER_FACTS.items() if k not in written},
    }
    return update


def _counting_update(
    change: FactsChange,
    now: datetime,
    event: EventMark | None,
    windows: dict[str, int],
    boards: Sequence[BoardFeed] = (),
    goals: Sequence[GoalFeed] = (),
) -> list[dict[str, Any]]:
    """The same change as `_facts_update`, as an update pipeline that also counts today's amounts per window and board.

    Each windowed name keeps one bucket per UTC day (`days.<name>: [{"d": day, "n": amount}]`), trimmed past
    the longest window any active reward counts it over, in this one atomic write. Each leaderboard fed
    keeps the user's score in its current run (`boards.<slug>`), started again when a new run begins.
    Each goal fed adds to the user's contribution (`goals.<slug>`) and leaves what it added in
    `goal_outbox` for the goal relay: the total moves later, but exactly once, whatever is retried.
    A pipeline allows no `$inc`, `$push` or `$setOnInsert`, so each is written as the expression it stands for.
    """
    today = utc_day(now)
    fields: dict[str, Any] = {
        name: {"$add": [{"$ifNull": [f"${name}", 0]}, amount]} for name, amount in change.increments.items()
    }
    fields |= {name: {"$literal": value} for name, value in change.assignments.items()}
    fields["updated_at"] = {"$literal": now}
    if event is not None:
        for name, value in _remembered(event).items():
            fields[name] = {
                "$slice": [
                    {"$concatArrays": [{"$ifNull": [f"${name}", []]}, {"$literal": [value]}]},
                    -RECENT_EVENT_IDS_KEPT,
                ]
            }
    written = change.touched | {"updated_at", *_REMEMBERED}
    fields |= {
        name: {"$ifNull": [f"${name}", {"$literal": value}]}
        for name, value in NEW_USER_FACTS.items()
        if name not in written
    }
    fields["created_at"] = {"$ifNull": ["$created_at", {"$literal": now}]}
    counted = change.counted
    for name, longest in windows.items():
        fields[f"{DAYS_FIELD}.{name}"] = _bucket_added(
            f"${DAYS_FIELD}.{name}", today, counted[name], keep_from=today - longest + 1
        )
    for feed in boards:
        fields[f"{BOARDS_FIELD}.{feed.board}"] = _run_score_added(f"${BOARDS_FIELD}.{feed.board}", feed, now)
    stages: list[dict[str, Any]] = []
    if goals and event is not None:
        # The outbox first, in a stage of its own: its `total` and `first` read the contribution as it was
        # before this event, whatever order a server evaluates one stage's fields in.
        increments = []
        for goal in goals:
            before = {"$ifNull": [f"${GOALS_FIELD}.{goal.goal}", 0]}
            fields[f"{GOALS_FIELD}.{goal.goal}"] = {"$add": [before, goal.amount]}
            increment = {
                "id": {"$literal": increment_id(event.event_id, goal.goal)},
                "goal": {"$literal": goal.goal},
                "shard": {"$literal": goal.shard_for(event.event_id)},
                "amount": {"$literal": goal.amount},
                "total": {"$add": [before, goal.amount]},
                "first": {"$eq": [before, 0]},
                "at": {"$literal": now},
            }
            # A one-element array of the increment, its expressions evaluated: written as a $map, because
            # an array literal's elements are expressions too for MongoDB, but kept as written by mongomock.
            increments.append({"$map": {"input": {"$literal": [0]}, "as": "one", "in": increment}})
        outbox = {"$concatArrays": [{"$ifNull": [f"${GOAL_OUTBOX_FIELD}", []]}, *increments]}
        stages.append({"$set": {GOAL_OUTBOX_FIELD: outbox}})
    return [*stages, {"$set": fields}]


def _run_score_added(path: str, feed: BoardFeed, now: datetime) -> dict[str, Any]:
    """The board's run score at `path` with the event's amount added; a score of an earlier run starts over."""
    same_run = {"$eq": [f"{path}.r", {"$literal": feed.run.key}]}
    return {
        "r": {"$literal": feed.run.key},
        "s": {"$cond": [same_run, {"$add": [f"{path}.s", feed.amount]}, feed.amount]},
        "t": {"$literal": now},
    }


def _bucket_added(path: str, today: int, amount: int, keep_from: int) -> dict[str, Any]:
    """The day buckets at `path` with `amount` added to today's, and the days before `keep_from` dropped."""
    kept = {"$filter": {"input": {"$ifNull": [path, []]}, "as": "b", "cond": {"$gte": ["$$b.d", keep_from]}}}
    return {
        "$let": {
            "vars": {"kept": kept},
            "in": {
                "$cond": [
                    {"$in": [today, {"$map": {"input": "$$kept", "as": "b", "in": "$$b.d"}}]},
                    {
                        "$map": {
                            "input": "$$kept",
                            "as": "b",
                            "in": {
                                "$cond": [
                                    {"$eq": ["$$b.d", today]},
                                    {"d": "$$b.d", "n": {"$add": ["$$b.n", amount]}},
                                    "$$b",
                                ]
                            },
                        }
                    },
                    {"$concatArrays": ["$$kept", [{"d": today, "n": amount}]]},
                ]
            },
        }
    }


async def apply_facts_change(
    user_id: int,
    change: FactsChange,
    now: datetime,
    event: EventMark | None,
    windows: dict[str, int],
    boards: Sequence[BoardFeed] = (),
    goals: Sequence[GoalFeed] = (),
) -> dict[str, Any]:
    """Apply the change once (an event already counted changes nothing); return the facts after it.

    Raises EventIdReused when the event's id was counted for an event with another fingerprint.

    `windows`: the names this change counts that some active reward counts over a window, with the
    longest such window (events only: a facts update sets totals, not history). `boards`: what the
    event adds to each leaderboard's current run; `goals`: to each community goal (events only too).
    """
    collection = collections.user_facts()
    query: dict[str, Any] = {"user_id": user_id}
    if event is not None:
        query["recent_event_ids"] = {"$ne": event.event_id}
    update: Any = (
        _counting_update(change, now, event, windows, boards, goals)
        if windows or boards or goals
        else _facts_update(user_id, change, now, event)
    )

    async def attempt() -> dict[str, Any]:
        try:
            after = await collection.find_one_and_update(
                query, update, upsert=True, return_document=ReturnDocument.AFTER, projection=FACTS_PROJECTION
            )
            if after is not None:
                return after
            # An upsert answers a document by MongoDB's contract, but a server that met a concurrent
            # insert mid-write may answer none. Retrying is safe: a PUT only sets values, and an
            # event that was applied after all is now found by its id below.
        except DuplicateKeyError:
            # The user exists but did not match: either this event was counted already, or a
            # concurrent first report created the user and its document may not be visible yet.
            pass
        if event is not None:
            counted = await collection.find_one({"user_id": user_id, "recent_event_ids": event.event_id})
            if counted is not None:
                return _replayed(counted, event)
        # Not counted: the user's document is not visible to us yet. Apply the change again.
        raise gave_up("Recording this activity")

    return await retried(attempt)


def _replayed(counted: dict[str, Any], event: EventMark) -> dict[str, Any]:
    """The facts of a user who already sent this event's id, once the fingerprints agree."""
    remembered = remembered_fingerprint(
        counted.get("recent_event_ids") or [], counted.get("recent_event_prints") or [], event.event_id
    )
    if remembered is not None and remembered != event.fingerprint:
        raise EventIdReused(
            f"event_id: {event.event_id!r} was already sent by this user for another event; "
            "give each new event its own event_id (the same event sent again is answered as before).",
            [{"field": "event_id", "message": "already used for another event", "type": DetailType.EVENT_ID_REUSED}],
        )
    return {name: value for name, value in counted.items() if name not in FACTS_PROJECTION}
