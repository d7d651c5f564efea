"""Data stored before rules admins write (no counters, windows, chains, tiers, editions or hints) stays valid and works.

The documents are inserted the way the previous version stored them, then read, evaluated and
claimed by this version; on the wire pass each collection carries this version's validator, which
the inserts must pass. A repeatable reward unlocked back then reopens by the facts it recorded.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from documents import Reward, UserFacts, UserReward
from service.db import collections
from tests.support.api import claim, send_event, user_rewards
from tests.support.environment import BOT
from tests.support.stored import stored_one
from tests.support.stored_before import reward_stored_before, store_as_before, validator_violations

USER = 5005
STORED_AT = datetime(2026, 6, 1, tzinfo=UTC)
REWARD_ID = ObjectId()


def old_reward() -> dict[str, Any]:
    return reward_stored_before(
        STORED_AT,
        _id=REWARD_ID,
        slug="old-points",
        name="Old points",
        is_repeatable=True,
        conditions=[{"condition_type": "total_points", "value": 10, "group": 0, "sort_order": 0}],
        translations={"es": {"name": "Puntos viejos", "description": None}},
        available_from=None,
        available_until=None,
    )


def old_facts() -> dict[str, Any]:
    return {
        "user_id": USER,
        "current_streak": 0,
        "total_points": 10,
        "level": 1,
        "besitos_spent": 0,
        "purchases_count": 0,
        "daily_gifts_count": 0,
        "reactions_count": 0,
        "is_vip": False,
        "recent_event_ids": ["old-1"],
        "created_at": STORED_AT,
        "updated_at": STORED_AT,
    }


def old_state() -> dict[str, Any]:
    """Claimed once when total_points was 10, so it reopens only once the points moved on."""
    return {
        "user_id": USER,
        "reward_id": REWARD_ID,
        "reward_slug": "old-points",
        "status": "claimed",
        "unlocked_at": STORED_AT,
        "claimed_at": STORED_AT,
        "expires_at": STORED_AT + timedelta(days=7),
        "claim_count": 1,
        "last_claimed_at": STORED_AT,
        "unlocked_by": "old-0",
        "unlock_inputs": {"total_points": 10},
        "pending_grant": None,
        "reminded": True,
        "feed_outbox": [],
        "created_at": STORED_AT,
        "updated_at": STORED_AT,
    }


def test_the_old_documents_pass_the_new_validators() -> None:
    for model, document in ((Reward, old_reward()), (UserFacts, old_facts()), (UserReward, old_state())):
        assert validator_violations(model, document) == [], model.__name__


async def test_old_data_is_read_evaluated_and_claimed_by_the_new_code(client) -> None:
    await store_as_before(Reward, old_reward())
    await store_as_before(UserFacts, old_facts())
    await store_as_before(UserReward, old_state())

    catalogue = (await (await client.get("/v1/rewards", headers=BOT)).json())["rewards"]
    assert [(r["slug"], r["series"], r["max_claims"], r["remaining"], r["sold_out"]) for r in catalogue] == [
        ("old-points", None, None, None, False)
    ]
    assert catalogue[0]["conditions"] == old_reward()["conditions"]  # answered exactly as stored
    listed = (await user_rewards(client, USER))["old-points"]
    assert (listed["status"], listed["claim_count"], listed["progress"][0]["current"]) == ("claimed", 1, 10)

    assert (await send_event(client, USER, "old-1", "points", amount=5))["unlocked"] == []  # remembered id
    answer = await send_event(client, USER, "new-1", "points", amount=5)
    assert [u["slug"] for u in answer["unlocked"]] == ["old-points"]  # the points moved on: it reopens
    assert answer["facts"]["counters"] == {}
    status, grant = await claim(client, USER, "old-points")
    assert (status, grant["claim_number"], grant["unlocked"]) == (200, 2, [])

    stored = await stored_one(collections.rewards(), {"slug": "old-points"})
    # Reads and claims rewrote no old reward.
    assert "series" not in stored
    assert "sold_out" not in stored
