"""Rarity figures computed in the background and stored, so every instance answers the same."""

import pymongo
from beanie import Document
from pydantic import ConfigDict, Field
from pymongo import IndexModel
from rewards_contract.fields import UtcDatetime

RARITY_REFRESH_ID = "rarity"


class RewardRarity(Document):
    """Collection `reward_rarity`: one document per reward slug someone ever unlocked, `_id` is the slug."""

    model_config = ConfigDict(extra="ignore")

    # The reward's slug: slugs never change, and answers are built per slug.
    id: str  # type: ignore[assignment]  # the slug, not Beanie's ObjectId
    unlocked_users: int = Field(ge=0)
    claimed_users: int = Field(ge=0)
    users_with_facts: int = Field(ge=0)
    unlocked_share: float = Field(ge=0, le=1)
    claimed_share: float = Field(ge=0, le=1)
    as_of: UtcDatetime

    class Settings:
        name = "reward_rarity"
        use_state_management = False
        indexes = [
            # A refresh zeroes the rows its aggregation no longer produced (older as_of).
            IndexModel([("as_of", pymongo.ASCENDING)], name="as_of"),
        ]


class RarityRefresh(Document):
    """Collection `rarity_refresh`: a single document, `_id: "rarity"`, that elects one computing instance.

    An instance computes only after winning a conditional update on `started_at`, so several
    instances share one computation per interval without a transaction.
    """

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default=RARITY_REFRESH_ID)  # type: ignore[assignment]  # one fixed string, not Beanie's ObjectId
    started_at: UtcDatetime
    # The figures stored in `reward_rarity` are complete as of this moment; None until the first completes.
    as_of: UtcDatetime | None = None
    users_with_facts: int = Field(default=0, ge=0)

    class Settings:
        name = "rarity_refresh"
        use_state_management = False
