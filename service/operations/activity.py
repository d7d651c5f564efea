"""User activity: count each event exactly once, then evaluate the user's rewards."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError
from rewards_contract.facts import NEW_USER_FACTS, Facts

from documents import FACTS_PROJECTION, RECENT_EVENT_IDS_KEPT
from service.db import collections
from service.engine.activity import FactsChange
from service.operations import races
from service.operations.catalog import ActiveRewards
from service.operations.evaluation import Unlock, evaluate_user


@dataclass(frozen=True)
class ActivityResult:
    """What a report of activity answers: the unlocks it caused and the user's facts after it."""

    unlocked: list[Unlock]
    facts: dict[str, Any]


def _facts_update(user_id: int, change: FactsChange, now: datetime, event_id: str | None) -> dict[str, Any]:
    update: dict[str, Any] = {"$set": {**change.assignments, "updated_at": now}}
    if change.increments:
        update["$inc"] = dict(change.increments)
    if event_id is not None:
        # Remember the id in the same atomic write that counts the event: counted once, or not at all.
        update["$push"] = {"recent_event_ids": {"$each": [event_id], "$slice": -RECENT_EVENT_IDS_KEPT}}
    written = change.touched | {"updated_at", "recent_event_ids"}
    update["$setOnInsert"] = {
        "user_id": user_id,
        "created_at": now,
        **{k: v for k, v in NEW_USER_FACTS.items() if k not in written},
    }
    return update


async def _apply_facts_change(
    user_id: int, change: FactsChange, now: datetime, event_id: str | None
) -> dict[str, Any]:
    """Apply the change once (an event already counted changes nothing); return the facts after it."""
    collection = collections.user_facts()
    query: dict[str, Any] = {"user_id": user_id}
    if event_id is not None:
        query["recent_event_ids"] = {"$ne": event_id}
    update = _facts_update(user_id, change, now, event_id)
    for attempt in range(races.ATTEMPTS):
        await races.backoff(attempt)
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
        if event_id is not None:
            counted = await collection.find_one({"user_id": user_id, "recent_event_ids": event_id}, FACTS_PROJECTION)
            if counted is not None:
                return counted
        # Not counted: the user's document is not visible to us yet. Apply the change again.
    raise races.gave_up("Recording this activity")


async def record_activity(
    user_id: int,
    change: FactsChange,
    catalog: ActiveRewards,
    now: datetime,
    event_id: str | None = None,
) -> ActivityResult:
    """Apply an event (counted once per event_id) or a facts update, then evaluate every active reward.

    A repeated event_id changes no fact, but still re-runs the evaluation: if the first attempt
    died before storing its unlocks, the retry stores them, and either way the answer lists the
    unlocks that event caused.
    """
    marker = event_id if event_id is not None else f"facts:{uuid.uuid4().hex}"
    facts_doc = await _apply_facts_change(user_id, change, now, event_id)
    unlocked = await evaluate_user(user_id, Facts.from_mapping(facts_doc), catalog.entries, marker, now)
    return ActivityResult(unlocked=unlocked, facts=facts_doc)
