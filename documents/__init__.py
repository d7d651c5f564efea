"""What is stored in MongoDB: Beanie documents, their enums and embedded models."""

from documents.catalog_version import CATALOG_VERSION_ID, CatalogVersion
from documents.enums import RewardConditionType, RewardStatus, RewardType
from documents.fields import MAX_USER_ID, UserId, UtcDatetime, utc_now
from documents.grant import RewardGrant, grant_id_for, user_of_grant
from documents.idempotency import IdempotencyRecord
from documents.reward import (
    REWARD_VALUE_MODELS,
    Reward,
    RewardCondition,
    RewardDefinition,
)
from documents.user_facts import FACTS_PROJECTION, RECENT_EVENT_IDS_KEPT, UserFacts
from documents.user_reward import PendingGrant, UserReward

__all__ = [
    "CATALOG_VERSION_ID",
    "FACTS_PROJECTION",
    "MAX_USER_ID",
    "RECENT_EVENT_IDS_KEPT",
    "REWARD_VALUE_MODELS",
    "CatalogVersion",
    "IdempotencyRecord",
    "PendingGrant",
    "Reward",
    "RewardCondition",
    "RewardConditionType",
    "RewardDefinition",
    "RewardGrant",
    "RewardStatus",
    "RewardType",
    "UserFacts",
    "UserId",
    "UserReward",
    "UtcDatetime",
    "grant_id_for",
    "user_of_grant",
    "utc_now",
]
