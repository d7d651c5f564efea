"""How rare a reward is: the share of users with facts who ever unlocked or claimed it."""

from pydantic import BaseModel, ConfigDict, Field

from rewards_contract.fields import UtcDatetime


class RarityView(BaseModel):
    """A reward's rarity as of the latest background computation (every instance answers the same)."""

    model_config = ConfigDict(extra="ignore")  # an answer: a newer server may add fields

    unlocked_share: float = Field(
        ge=0, le=1, description="Share of users with facts who ever unlocked the reward (0 when nobody has)."
    )
    claimed_share: float = Field(
        ge=0, le=1, description="Share of users with facts who claimed the reward at least once."
    )
    as_of: UtcDatetime = Field(description="When the shares were computed (UTC); they are refreshed periodically.")
