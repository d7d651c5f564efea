"""Every collection the service reads or writes, reached through here and nowhere else.

Operations, scripts and tests call these accessors instead of the driver, so the move from Motor
to PyMongo's async client (Beanie 2) changes this package only; `tests/db/test_driver_boundary.py`
keeps it so.
"""

from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from documents import (
    BoardClosing,
    BoardScore,
    CatalogVersion,
    CommunityGoal,
    ConsoleSecret,
    ConsoleSession,
    Counter,
    FeedCounter,
    FeedEntry,
    GoalContribution,
    GoalShard,
    IdempotencyRecord,
    Leaderboard,
    Lease,
    RarityRefresh,
    Reward,
    RewardEdition,
    RewardGrant,
    RewardRarity,
    SignInAttempts,
    UserFacts,
    UserReward,
    WebhookState,
)
from service.db.connection import MODELS

Collection = AsyncIOMotorCollection


def rewards() -> Collection:
    """The reward catalogue (`rewards`)."""
    return Reward.get_motor_collection()


def user_rewards() -> Collection:
    """Each user's state per reward (`user_rewards`)."""
    return UserReward.get_motor_collection()


def user_facts() -> Collection:
    """Each user's facts (`user_facts`)."""
    return UserFacts.get_motor_collection()


def grants() -> Collection:
    """The ledger of grants (`reward_grants`)."""
    return RewardGrant.get_motor_collection()


def idempotency_records() -> Collection:
    """Claims' Idempotency-Key records (`idempotency_keys`)."""
    return IdempotencyRecord.get_motor_collection()


def catalog_versions() -> Collection:
    """The catalogue's change counter (`catalog_version`)."""
    return CatalogVersion.get_motor_collection()


def reward_rarity() -> Collection:
    """Each reward's stored rarity figures (`reward_rarity`)."""
    return RewardRarity.get_motor_collection()


def rarity_refresh() -> Collection:
    """The marker electing the instance that recomputes rarity (`rarity_refresh`)."""
    return RarityRefresh.get_motor_collection()


def leaderboards() -> Collection:
    """The declared leaderboards (`leaderboards`)."""
    return Leaderboard.get_motor_collection()


def board_scores() -> Collection:
    """Each user's score per board and run, as the standings read it (`leaderboard_scores`)."""
    return BoardScore.get_motor_collection()


def board_closings() -> Collection:
    """One record per closed run, and the prizes it owes (`leaderboard_closings`)."""
    return BoardClosing.get_motor_collection()


def goals() -> Collection:
    """The declared community goals (`community_goals`)."""
    return CommunityGoal.get_motor_collection()


def goal_shards() -> Collection:
    """The parts of each goal's total (`goal_shards`)."""
    return GoalShard.get_motor_collection()


def goal_contributions() -> Collection:
    """Each user's contribution to each goal (`goal_contributions`)."""
    return GoalContribution.get_motor_collection()


def feed() -> Collection:
    """The activity feed, numbered by `seq` (`feed`)."""
    return FeedEntry.get_motor_collection()


def feed_counter() -> Collection:
    """The feed's last given number (`feed_counter`)."""
    return FeedCounter.get_motor_collection()


def leases() -> Collection:
    """Which instance runs each single-runner background job (`leases`)."""
    return Lease.get_motor_collection()


def webhook_deliveries() -> Collection:
    """Where the webhook sender stands, one document (`webhook_deliveries`)."""
    return WebhookState.get_motor_collection()


def counters() -> Collection:
    """The counters admins declared (`counters`)."""
    return Counter.get_motor_collection()


def reward_editions() -> Collection:
    """Each limited edition's slots: how many are taken, and by which claims (`reward_editions`)."""
    return RewardEdition.get_motor_collection()


def console_sessions() -> Collection:
    """The admin console's signed-in sessions, by the hash of their id (`console_sessions`)."""
    return ConsoleSession.get_motor_collection()


def console_secret() -> Collection:
    """The key of the console's cookies when no setting gives one, one document (`console_secret`)."""
    return ConsoleSecret.get_motor_collection()


def sign_in_attempts() -> Collection:
    """The console's sign-in attempts per client address since its last success (`console_sign_in_attempts`)."""
    return SignInAttempts.get_motor_collection()


def by_name(name: str) -> Collection:
    """A stored collection by its name, for analyst queries that name theirs."""
    for model in MODELS:
        if model.get_collection_name() == name:
            return model.get_motor_collection()
    raise KeyError(f"no stored collection is named {name!r}")


async def aggregate(name: str, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run an aggregation pipeline on the named collection and return every row."""
    return await by_name(name).aggregate(pipeline).to_list(None)


async def insert_with_own_id(collection: Collection, document: dict[str, Any]) -> bool:
    """Insert a document whose `_id` the caller chose; False when another document holds one of its unique keys.

    A duplicate key on the caller's own `_id` is an insert the driver retried after a lost answer:
    the document is ours, and True is answered.
    """
    try:
        await collection.insert_one(document)
    except DuplicateKeyError:
        return await collection.find_one({"_id": document["_id"]}, {"_id": 1}) is not None
    return True


# MongoDB's code for a write that collided on a unique index.
DUPLICATE_KEY = 11000
# One upsert of `bulk_upserts`: its filter, and its update (operators or a pipeline).
Upsert = tuple[dict[str, Any], Any]


async def bulk_upserts(collection: Collection, writes: list[Upsert]) -> None:
    """Run upserts unordered, in one bulk write; those that collided on a unique key run again as plain updates.

    An upsert that lost an insert race (two first writes of one document) finds the document the
    second time. A guarded upsert whose document exists but whose guard fails tries to insert and
    collides on `_id`: run again, it matches nothing, as it should. A real MongoDB retries the first
    kind itself when the filter is an equality on the unique index; not every server does.
    """
    try:
        await collection.bulk_write([UpdateOne(f, u, upsert=True) for f, u in writes], ordered=False)
    except BulkWriteError as error:
        failed = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in failed):
            raise
        await collection.bulk_write([UpdateOne(*writes[e["index"]]) for e in failed], ordered=False)
