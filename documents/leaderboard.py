"""Leaderboards: the boards admins declare, each user's score per run, and the record of each closed run.

A run's score has two homes. The user's `user_facts` document holds it under `boards.<slug>`, in
the event's one atomic update that also remembers the event's id, so a replayed event never adds
twice. `leaderboard_scores` holds a copy per (board, run, user), written after with `$max`, which a
retry repeats safely; it is what the standings read, through an index.
"""

import pymongo
from beanie import Document
from pydantic import BaseModel, ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.fields import UserId, UtcDatetime
from rewards_contract.leaderboards import LeaderboardDefinition

from documents.clock import utc_now
from documents.feed import FeedOutboxEntry


class Leaderboard(Document, LeaderboardDefinition):
    """Collection `leaderboards`: one declared board."""

    model_config = ConfigDict(extra="ignore")

    created_at: UtcDatetime = Field(default_factory=utc_now)
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "leaderboards"
        use_state_management = False
        indexes = [
            IndexModel([("slug", pymongo.ASCENDING)], name="slug_unique", unique=True),
            # The catalogue cache loads the active boards with the active rewards.
            IndexModel([("is_active", pymongo.ASCENDING), ("slug", pymongo.ASCENDING)], name="active"),
        ]


class RunScore(BaseModel):
    """A user's score in a board's latest run they scored in, kept in their facts document (`boards.<slug>`)."""

    model_config = ConfigDict(extra="ignore")

    r: str = Field(description="The run's key")
    s: int = Field(ge=0, description="What the user's events added during the run")
    t: UtcDatetime = Field(description="When the user reached that score")


class BoardScore(Document):
    """Collection `leaderboard_scores`: one user's score in one run of one board, as the standings read it."""

    model_config = ConfigDict(extra="ignore")

    board: str
    run: str
    user_id: UserId
    score: int = Field(ge=0)
    reached_at: UtcDatetime
    # An admin took the user out of the run (a cheater): the others move up. Later events leave it out.
    removed: bool = False
    removed_reason: str | None = None
    removed_at: UtcDatetime | None = None
    # When the TTL index deletes it: the run's end plus REWARDS_LEADERBOARD_RETENTION_DAYS (none: all_time).
    expires_at: UtcDatetime | None = None

    class Settings:
        name = "leaderboard_scores"
        use_state_management = False
        indexes = [
            IndexModel(
                [("board", pymongo.ASCENDING), ("run", pymongo.ASCENDING), ("user_id", pymongo.ASCENDING)],
                name="board_run_user_unique",
                unique=True,
            ),
            # The standings: best score first, ties to whoever reached it first, then the smaller id.
            IndexModel(
                [
                    ("board", pymongo.ASCENDING),
                    ("run", pymongo.ASCENDING),
                    ("removed", pymongo.ASCENDING),
                    ("score", pymongo.DESCENDING),
                    ("reached_at", pymongo.ASCENDING),
                    ("user_id", pymongo.ASCENDING),
                ],
                name="standings",
            ),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="retention_ttl", expireAfterSeconds=0),
        ]


class Placed(BaseModel):
    """One user's final place in a closed run."""

    model_config = ConfigDict(extra="ignore")

    rank: int = Field(ge=1)
    user_id: UserId
    score: int = Field(ge=0)
    reached_at: UtcDatetime


class Award(BaseModel):
    """A prize owed by a closing: `reward` unlocks for `user_id`, once for this run."""

    model_config = ConfigDict(extra="ignore")

    user_id: UserId
    rank: int = Field(ge=1)
    reward: str


class BoardClosing(Document):
    """Collection `leaderboard_closings`: one per closed run, `_id` `<board>:<run>`; inserting it closes the run.

    The insert is the commit point: two instances closing one run collide on `_id`, and whichever
    lost reads the winner's record. The awards listed are given after it, each by a guarded unlock
    that a repeat finds done, so a closing that died half way is completed by the next pass.
    """

    model_config = ConfigDict(extra="ignore")

    id: str  # type: ignore[assignment]  # `<board>:<run>`, not Beanie's ObjectId
    board: str
    run: str
    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None
    closed_at: UtcDatetime
    # The prize-bearing top of the run as it closed (up to the worst rank a prize reaches).
    standings: list[Placed] = Field(default_factory=list)
    awards: list[Award] = Field(default_factory=list)
    # Awards not given yet: the user still holds the same reward from an earlier run, unclaimed.
    pending: list[Award] = Field(default_factory=list)
    done: bool = False
    expires_at: UtcDatetime | None = None
    # The feed's `leaderboard_closed` entry, written with the insert that closes the run, until the relay copies it.
    feed_outbox: list[FeedOutboxEntry] = Field(default_factory=list)

    class Settings:
        name = "leaderboard_closings"
        use_state_management = False
        indexes = [
            # The relay's: records whose entry waits (an empty outbox has no key here).
            IndexModel([("feed_outbox.at", pymongo.ASCENDING)], name="feed_outbox_at"),
            IndexModel([("done", pymongo.ASCENDING), ("closed_at", pymongo.ASCENDING)], name="unfinished"),
            IndexModel([("board", pymongo.ASCENDING), ("ends_at", pymongo.DESCENDING)], name="board_runs"),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="retention_ttl", expireAfterSeconds=0),
        ]
