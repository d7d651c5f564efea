"""The reward catalogue: a reward definition with its conditions embedded (collection `rewards`)."""

import pymongo
from beanie import Document
from pydantic import ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.fields import UtcDatetime, utc_now
from rewards_contract.rewards import RewardDefinition


class Reward(Document, RewardDefinition):
    """A reward in the catalogue (collection `rewards`)."""

    model_config = ConfigDict(extra="ignore")

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
            IndexModel([("sort_order", pymongo.ASCENDING)], name="sort_order"),
        ]
