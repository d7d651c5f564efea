"""Where the webhook sender stands: one document shared by every instance, moved by conditional updates."""

from beanie import Document
from pydantic import ConfigDict, Field
from rewards_contract.fields import UtcDatetime

WEBHOOK_STATE_ID = "webhook"


class WebhookState(Document):
    """Collection `webhook_deliveries`: a single document, `_id: "webhook"`.

    Entries are delivered strictly in feed order, so one position (`delivered_seq`) says what was
    sent; the other fields describe the attempts at the entry after it.
    """

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default=WEBHOOK_STATE_ID)  # type: ignore[assignment]  # one fixed string, not Beanie's ObjectId
    # Every entry numbered up to here was delivered (2xx) or given up; the next one is tried next.
    delivered_seq: int = Field(default=0, ge=0)
    attempts: int = Field(default=0, ge=0)
    failing_since: UtcDatetime | None = None
    next_attempt_at: UtcDatetime | None = None
    last_error: str | None = None
    last_error_at: UtcDatetime | None = None
    last_delivered_id: str | None = None
    last_delivered_seq: int | None = None
    last_delivered_at: UtcDatetime | None = None
    given_up: int = Field(default=0, ge=0)

    class Settings:
        name = "webhook_deliveries"
        use_state_management = False
