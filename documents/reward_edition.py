"""Limited editions: the slots of a reward with `max_claims`, one document per such reward (collection `reward_editions`)."""

from beanie import Document
from pydantic import ConfigDict, Field
from rewards_contract.fields import UtcDatetime

from documents.clock import utc_now


class RewardEdition(Document):
    """`_id` is the reward's slug. `taken` never passes `max_claims`: every claim takes a slot with one
    conditional update here, before it is granted, and `holders` names the claims holding slots
    (`<user_id>:<claim_number>`), so a claim retried after a crash finds the slot it took."""

    model_config = ConfigDict(extra="ignore")

    id: str  # type: ignore[assignment]  # the reward's slug, not Beanie's ObjectId
    max_claims: int | None
    taken: int = 0
    holders: list[str] = Field(default_factory=list)
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "reward_editions"
        use_state_management = False
