"""Rewards stored by the version before seasons (no `available_from` / `available_until`) stay valid and work.

The document is inserted the way that version's admin API stored it (every RewardDefinition field of
the time, plus the timestamps), then listed, evaluated and claimed by this version. On the wire pass
the collection carries this version's `$jsonSchema` validator, which the insert must pass.
"""

from datetime import UTC, datetime
from typing import Any

from documents import Reward
from service.db import collections
from tests.support.api import claim, send_event, user_rewards
from tests.support.environment import BOT
from tests.support.stored import stored_one
from tests.support.stored_before import reward_stored_before, store_as_before, validator_violations

USER = 4004
STORED_AT = datetime(2025, 6, 1, tzinfo=UTC)


def reward_as_the_previous_version_stored_it() -> dict[str, Any]:
    return reward_stored_before(
        STORED_AT,
        slug="old-streak",
        name="Old streak",
        reward_value={"amount": 50},
        conditions=[{"condition_type": "streak_length", "value": 3, "group": 0, "sort_order": 0}],
    )


def test_the_old_document_passes_the_new_validator() -> None:
    assert validator_violations(Reward, reward_as_the_previous_version_stored_it()) == []


async def test_an_old_reward_is_read_listed_unlocked_and_claimed_by_the_new_code(client) -> None:
    # Inserted before the app's first catalogue read, as if the upgrade had just happened.
    await store_as_before(Reward, reward_as_the_previous_version_stored_it())

    reward = await Reward.find_one(Reward.slug == "old-streak")
    assert reward is not None
    assert (reward.available_from, reward.available_until) == (None, None)

    catalogue = await (await client.get("/v1/rewards", headers=BOT)).json()
    (listed,) = catalogue["rewards"]
    assert (listed["availability"], listed["available_from"], listed["available_until"]) == ("open", None, None)

    answer = await send_event(client, USER, "streak", "streak", value=3)
    assert [u["slug"] for u in answer["unlocked"]] == ["old-streak"]
    mine = (await user_rewards(client, USER))["old-streak"]
    assert (mine["status"], mine["availability"], mine["available_from"]) == ("unlocked", "open", None)

    status, body = await claim(client, USER, "old-streak")
    assert status == 200, body
    stored = await stored_one(collections.rewards(), {"slug": "old-streak"})
    assert "available_from" not in stored  # nothing rewrote the old document
