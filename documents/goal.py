"""Community goals: the goals admins declare, their totals spread over shard documents, and each user's contribution.

An event adds to a user's contribution (`user_facts.goals.<slug>`) in its one atomic update, and
appends what it added to the same document's `goal_outbox`. The goal relay moves each entry into
one of the goal's shard documents, remembering the entry's id there, so a relay that died between
its two writes adds the entry once when it repeats them. It copies the user's contribution here
with `$max`, where an index finds the contributors who qualify for the reward.
"""

import pymongo
from beanie import Document
from pydantic import BaseModel, ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.fields import UserId, UtcDatetime
from rewards_contract.goals import GoalDefinition

from documents.clock import utc_now
from documents.feed import FeedOutboxEntry


class CommunityGoal(Document, GoalDefinition):
    """Collection `community_goals`: one declared goal."""

    model_config = ConfigDict(extra="ignore")

    # How many shard documents its total is spread over: REWARDS_GOAL_SHARDS when it was declared, then
    # fixed, so every instance sends an increment to the same shard whatever its own setting says.
    shards: int = Field(default=1, ge=1)
    # When the total reached the target: set once, by the write that also records the feed's `goal_reached`.
    reached_at: UtcDatetime | None = None
    feed_outbox: list[FeedOutboxEntry] = Field(default_factory=list)
    created_at: UtcDatetime = Field(default_factory=utc_now)
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "community_goals"
        use_state_management = False
        indexes = [
            IndexModel([("slug", pymongo.ASCENDING)], name="slug_unique", unique=True),
            IndexModel([("is_active", pymongo.ASCENDING), ("slug", pymongo.ASCENDING)], name="active"),
            IndexModel([("feed_outbox.at", pymongo.ASCENDING)], name="feed_outbox_at"),
        ]


class GoalShard(Document):
    """Collection `goal_shards`: one part of a goal's total (`_id` `<goal>:<n>`); the total is their sum.

    Every contributing event ends up as a write to one of them: spreading a popular goal over several
    documents spreads those writes (REWARDS_GOAL_SHARDS).
    """

    model_config = ConfigDict(extra="ignore")

    id: str  # type: ignore[assignment]  # `<goal>:<n>`, not Beanie's ObjectId
    goal: str
    total: int = Field(default=0, ge=0)
    contributors: int = Field(default=0, ge=0)
    # The ids of the latest outbox entries added here, newest last: a repeated relay adds none twice.
    applied: list[str] = Field(default_factory=list)

    class Settings:
        name = "goal_shards"
        use_state_management = False
        indexes = [IndexModel([("goal", pymongo.ASCENDING)], name="goal")]


class GoalContribution(Document):
    """Collection `goal_contributions`: what one user added to one goal within its window."""

    model_config = ConfigDict(extra="ignore")

    goal: str
    user_id: UserId
    amount: int = Field(ge=0)
    # The goal's reward was unlocked for the user (the unlock is marked `goal:<slug>` in user_rewards).
    awarded: bool = False
    updated_at: UtcDatetime

    class Settings:
        name = "goal_contributions"
        use_state_management = False
        indexes = [
            IndexModel(
                [("goal", pymongo.ASCENDING), ("user_id", pymongo.ASCENDING)], name="goal_user_unique", unique=True
            ),
            # The contributors still to reward: those not awarded, from the smallest amount that qualifies.
            IndexModel(
                [("goal", pymongo.ASCENDING), ("awarded", pymongo.ASCENDING), ("amount", pymongo.ASCENDING)],
                name="to_reward",
            ),
        ]


class GoalIncrement(BaseModel):
    """What one event added to one goal, waiting in the user's facts document for the goal relay."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(description="`<event_id>:<goal>`: the shard remembers it once added")
    goal: str
    # The shard it goes to, chosen with the event: a relay never has to agree with another on it.
    shard: int = Field(ge=0)
    amount: int = Field(gt=0)
    # The user's whole contribution after this event, and whether it is their first to this goal.
    total: int = Field(gt=0)
    first: bool
    at: UtcDatetime
