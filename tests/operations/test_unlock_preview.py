"""The editor's preview: the re-evaluation's dry run for one reward, bounded to a sample on a large database."""

from documents import DocumentId, Reward
from service.db import collections
from service.engine.catalogue import ActiveReward
from service.operations.reevaluation import preview_unlocks
from tests.support.factories import reward_payload


def _reward(now):
    definition = reward_payload(slug="preview", conditions=[{"condition_type": "total_points", "value": 10}])
    return ActiveReward.of(Reward(id=DocumentId(), **definition, created_at=now, updated_at=now))


async def _facts(user_id: int, points: int) -> None:
    await collections.user_facts().insert_one({"user_id": user_id, "total_points": points})


async def test_a_database_larger_than_the_bound_is_previewed_on_a_sample_and_says_so(database, clock):
    for user_id in range(1, 7):
        await _facts(user_id, 20)
    preview = await preview_unlocks(_reward(clock()), clock(), size=3)
    assert (preview.evaluated, preview.users_with_facts, preview.sampled, preview.unlocks) == (3, 6, True, 3)
    assert set(preview.user_ids) <= set(range(1, 7))


async def test_a_small_database_is_previewed_whole(database, clock):
    await _facts(1, 20)
    await _facts(2, 1)
    preview = await preview_unlocks(_reward(clock()), clock(), size=3)
    assert (preview.sampled, preview.unlocks, preview.user_ids) == (False, 1, (1,))
