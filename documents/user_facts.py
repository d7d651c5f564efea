"""What the conditions read about a user, kept up to date by the bot's activity reports."""

import pymongo
from beanie import Document
from pydantic import BaseModel, ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.facts import Facts
from rewards_contract.fields import UserId, UtcDatetime

from documents.clock import utc_now
from documents.goal import GoalIncrement
from documents.leaderboard import RunScore

# How many processed event ids each user keeps for de-duplication: bounded per user, and far more
# than a bot's retries of one event ever span.
RECENT_EVENT_IDS_KEPT = 256

# What readers of the facts fetch: everything but the de-duplication marks and the goals' outbox
# (only the write path and the goal relay need them).
FACTS_PROJECTION = {"recent_event_ids": 0, "recent_event_prints": 0, "goal_outbox": 0}
# Where the per-day counts of windowed counters are stored.
DAYS_FIELD = "days"
# Where the user's score in each leaderboard's current run is stored.
BOARDS_FIELD = "boards"
# Where the user's contribution to each community goal is stored, and what waits for the goal relay.
GOALS_FIELD = "goals"
GOAL_OUTBOX_FIELD = "goal_outbox"


class DayCount(BaseModel):
    """What events added to one counter on one UTC day (`d`: days since 1970-01-01)."""

    model_config = ConfigDict(extra="ignore")

    d: int
    n: int


class UserFacts(Document, Facts):
    """Collection `user_facts`, one per user: every fact of `Facts`, plus what storage needs."""

    model_config = ConfigDict(extra="ignore")

    user_id: UserId
    # Declared counters' values, by counter name (absent: 0, or never reported).
    counters: dict[str, int] = Field(default_factory=dict)
    # Per counter or built-in fact that an active reward counts over a window: the days still in the
    # longest such window, each with what events added that day.
    days: dict[str, list[DayCount]] = Field(default_factory=dict)
    # Per leaderboard ranking what the user's events add: their score in its latest run they scored in.
    boards: dict[str, RunScore] = Field(default_factory=dict)
    # Per community goal whose window is open: what the user's events added to it within the window.
    goals: dict[str, int] = Field(default_factory=dict)
    # What events added to goals, waiting for the goal relay to add it to the goals' totals.
    goal_outbox: list[GoalIncrement] = Field(default_factory=list)
    # The ids of the latest events counted, newest last (see RECENT_EVENT_IDS_KEPT).
    recent_event_ids: list[str] = Field(default_factory=list)
    # Each remembered id's event fingerprint (a signed 64-bit digest of the event without its id), in
    # the same order and trimmed alike, so the two line up at their newest end. Ids remembered before
    # fingerprints were stored have none, and replay as they always did.
    recent_event_prints: list[int] = Field(default_factory=list)
    created_at: UtcDatetime = Field(default_factory=utc_now)
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "user_facts"
        use_state_management = False
        indexes = [
            IndexModel([("user_id", pymongo.ASCENDING)], name="user_id_unique", unique=True),
            # The goal relay's: facts documents with increments waiting (an empty outbox has no key here).
            IndexModel([("goal_outbox.at", pymongo.ASCENDING)], name="goal_outbox_at"),
        ]
