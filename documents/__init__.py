"""What is stored in MongoDB: the Beanie documents and their indexes.

The shapes they share with the API (enums, reward definitions, field types) come from the
contract package `rewards_contract`; this package adds what only storage needs.
"""

from beanie import PydanticObjectId as DocumentId

from documents.catalog_version import CATALOG_VERSION_ID, CatalogVersion
from documents.console import CONSOLE_SECRET_ID, ConsoleSecret, ConsoleSession, SignInAttempts
from documents.counter import Counter
from documents.feed import (
    FEED_COUNTER_ID,
    FeedCounter,
    FeedEntry,
    FeedOutboxEntry,
    Lease,
)
from documents.goal import CommunityGoal, GoalContribution, GoalIncrement, GoalShard
from documents.grant import RewardGrant, grant_id_for, reversal_id_for, user_of_grant
from documents.idempotency import IdempotencyRecord
from documents.leaderboard import Award, BoardClosing, BoardScore, Leaderboard, Placed, RunScore
from documents.reward import Reward
from documents.reward_edition import RewardEdition
from documents.reward_rarity import RARITY_REFRESH_ID, RarityRefresh, RewardRarity
from documents.stored import as_stored
from documents.user_facts import (
    BOARDS_FIELD,
    DAYS_FIELD,
    FACTS_PROJECTION,
    GOAL_OUTBOX_FIELD,
    GOALS_FIELD,
    RECENT_EVENT_IDS_KEPT,
    DayCount,
    UserFacts,
)
from documents.user_reward import PendingGrant, UserReward
from documents.webhook_state import WEBHOOK_STATE_ID, WebhookState

__all__ = [
    "BOARDS_FIELD",
    "CATALOG_VERSION_ID",
    "CONSOLE_SECRET_ID",
    "DAYS_FIELD",
    "FACTS_PROJECTION",
    "FEED_COUNTER_ID",
    "GOALS_FIELD",
    "GOAL_OUTBOX_FIELD",
    "RARITY_REFRESH_ID",
    "RECENT_EVENT_IDS_KEPT",
    "WEBHOOK_STATE_ID",
    "Award",
    "BoardClosing",
    "BoardScore",
    "CatalogVersion",
    "CommunityGoal",
    "ConsoleSecret",
    "ConsoleSession",
    "Counter",
    "DayCount",
    "DocumentId",
    "FeedCounter",
    "FeedEntry",
    "FeedOutboxEntry",
    "GoalContribution",
    "GoalIncrement",
    "GoalShard",
    "IdempotencyRecord",
    "Leaderboard",
    "Lease",
    "PendingGrant",
    "Placed",
    "RarityRefresh",
    "Reward",
    "RewardEdition",
    "RewardGrant",
    "RewardRarity",
    "RunScore",
    "SignInAttempts",
    "UserFacts",
    "UserReward",
    "WebhookState",
    "as_stored",
    "grant_id_for",
    "reversal_id_for",
    "user_of_grant",
]
