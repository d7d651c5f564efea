"""The reward catalogue: a reward definition with its conditions embedded (collection `rewards`)."""

import pymongo
from beanie import Document
from pydantic import ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.fields import UtcDatetime
from rewards_contract.rewards import RewardDefinition

from documents.clock import utc_now


class Reward(Document, RewardDefinition):
    """A reward in the catalogue (collection `rewards`)."""

    model_config = ConfigDict(extra="ignore")

    # A limited edition whose last slot was taken: it unlocks for nobody any more (set once, by that claim).
    sold_out: bool = False
    created_at: UtcDatetime = Field(default_factory=utc_now)
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "rewards"
        use_state_management = False
        indexes = [
            # The stable id used by seed files and the bot.
            IndexModel([("slug", pymongo.ASCENDING)], name="slug_unique", unique=True),
            # The catalogue read: active rewards, optionally of one type.
            IndexModel(
                [("is_active", pymongo.ASCENDING), ("reward_type", pymongo.ASCENDING)],
                name="active_type",
            ),
            # Display order, (sort_order, slug): every reward by the page, and the whole catalogue sorted.
            IndexModel([("sort_order", pymongo.ASCENDING), ("slug", pymongo.ASCENDING)], name="display_order"),
            # Catalogue changes: the rewards that need another claimed first (cycle checks), and those
            # reading a counter (a counter in use is not deleted).
            IndexModel([("conditions.condition_type", pymongo.ASCENDING)], name="condition_types"),
            IndexModel([("conditions.counter", pymongo.ASCENDING)], name="condition_counters"),
            # Tiers: a new tier is checked free under the catalogue's write lock (one reward per tier of a
            # series). Not a unique index: rewards of no series store null in both fields.
            IndexModel([("series", pymongo.ASCENDING), ("tier", pymongo.ASCENDING)], name="series_tier"),
            # The sweep leaves sold-out editions' unlocks without reminders.
            IndexModel([("sold_out", pymongo.ASCENDING)], name="sold_out"),
        ]
