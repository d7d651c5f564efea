"""Stored documents: the uniqueness promises of their indexes, and how their values are stored."""

import pytest
from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError
from rewards_contract.enums import RewardStatus

from documents import Reward, UserReward
from tests.support.factories import reward_payload


async def test_duplicate_user_reward_pair_raises_duplicate_key(database):
    reward_id = PydanticObjectId()
    await UserReward(user_id=42, reward_id=reward_id, reward_slug="a", status=RewardStatus.UNLOCKED).insert()
    with pytest.raises(DuplicateKeyError):
        await UserReward(user_id=42, reward_id=reward_id, reward_slug="a").insert()


async def test_duplicate_slug_raises_duplicate_key(database):
    await Reward.model_validate(reward_payload()).insert()
    with pytest.raises(DuplicateKeyError):
        await Reward.model_validate(reward_payload(name="Another")).insert()


async def test_enums_and_datetimes_are_stored_as_readable_strings_and_utc_dates(database):
    reward = Reward.model_validate(reward_payload())
    await reward.insert()
    stored = await database.db["rewards"].find_one({"slug": "streak-7"})
    assert stored["reward_type"] == "besitos"
    assert stored["conditions"][0]["condition_type"] == "streak_length"
    assert stored["created_at"].utcoffset().total_seconds() == 0
