"""A counter bumped on every catalogue change, so each service instance knows when to reload."""

from beanie import Document
from pydantic import ConfigDict, Field
from rewards_contract.fields import UtcDatetime

from documents.clock import utc_now

CATALOG_VERSION_ID = "catalog"


class CatalogVersion(Document):
    """Collection `catalog_version`: a single document with `_id: "catalog"`."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default=CATALOG_VERSION_ID)  # type: ignore[assignment]  # one fixed string, not Beanie's ObjectId
    version: int = 0
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "catalog_version"
        use_state_management = False
