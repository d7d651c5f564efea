"""The bot's journey end to end through the real app: events, progress, claim, grants."""

from tests.support.api import (
    claim,
    create_reward,
    grants,
    send_event,
    set_facts,
    user_rewards,
)
from tests.support.environment import ADMIN, BOT

USER = 1001


async def test_bot_journey_from_events_to_claimed_reward(client):
    await create_reward(client, slug="streak-3", conditions=[{"condition_type": "streak_length", "value": 3}])

    first = await send_event(client, USER, "e1", "streak", value=1)
    assert first["unlocked"] == []
    assert first["facts"]["current_streak"] == 1
    listed = await user_rewards(client, USER)
    assert listed["streak-3"]["status"] == "locked"
    assert listed["streak-3"]["progress"] == [
        {
            "condition_type": "streak_length",
            "condition_display": {"display_name": "Streak length", "emoji": "🔥"},
            "group": 0,
            "current": 1,
            "target": 3,
            "met": False,
            "counter": None,
            "counter_name": None,
            "window_days": None,
            "reward": None,
            "reward_name": None,
        }
    ]

    third = await send_event(client, USER, "e3", "streak", value=3)
    assert [u["slug"] for u in third["unlocked"]] == ["streak-3"]
    listed = await user_rewards(client, USER)
    assert listed["streak-3"]["status"] == "unlocked"
    assert listed["streak-3"]["progress"][0]["met"] is True

    status, body = await claim(client, USER, "streak-3")
    assert status == 200
    assert body["reward"] == "streak-3"
    assert body["reward_type"] == "besitos"
    assert body["reward_value"] == {"amount": 50}
    assert body["claim_number"] == 1

    listed = await user_rewards(client, USER)
    assert listed["streak-3"]["status"] == "claimed"
    assert listed["streak-3"]["claim_count"] == 1
    assert [g["grant_id"] for g in await grants(client, USER, pending=True)] == [body["grant_id"]]


async def test_unknown_user_sees_every_visible_reward_locked(client):
    await create_reward(client, slug="a")
    await create_reward(client, slug="b", is_secret=True)
    listed = await user_rewards(client, 777)
    assert list(listed) == ["a"]
    assert listed["a"]["status"] == "locked"


async def test_admin_may_see_locked_secret_rewards(client):
    await create_reward(client, slug="hidden", is_secret=True)
    listed = await user_rewards(client, 777, headers=ADMIN, include_secret="true")
    assert listed["hidden"]["status"] == "locked"


async def test_bot_may_not_ask_for_secret_rewards(client):
    response = await client.get("/v1/users/5/rewards", params={"include_secret": "true"}, headers=BOT)
    assert response.status == 403


async def test_secret_reward_is_listed_once_unlocked(client):
    await create_reward(client, slug="hidden", is_secret=True, conditions=[{"condition_type": "first_reaction"}])
    await send_event(client, USER, "r1", "reaction")
    assert (await user_rewards(client, USER))["hidden"]["status"] == "unlocked"


async def test_same_event_id_twice_counts_once_and_answers_the_same(client):
    await create_reward(client, slug="buyer", conditions=[{"condition_type": "first_purchase"}])
    first = await send_event(client, USER, "p-1", "purchase", amount=30)
    again = await send_event(client, USER, "p-1", "purchase", amount=30)
    assert again == first
    assert again["facts"]["purchases_count"] == 1
    assert again["facts"]["besitos_spent"] == 30
    assert [u["slug"] for u in again["unlocked"]] == ["buyer"]


async def test_event_counters_add_up(client):
    await send_event(client, USER, "a", "points", amount=10)
    await send_event(client, USER, "b", "points", amount=15)
    await send_event(client, USER, "c", "daily_gift")
    await send_event(client, USER, "d", "level", value=4)
    facts = (await send_event(client, USER, "e", "vip", is_vip=True))["facts"]
    assert (facts["total_points"], facts["daily_gifts_count"], facts["level"], facts["is_vip"]) == (25, 1, 4, True)


async def test_put_facts_sets_absolute_values_and_unlocks(client):
    await create_reward(client, slug="lvl5", conditions=[{"condition_type": "level_reached", "value": 5}])
    answer = await set_facts(client, USER, level=5, total_points=900)
    assert [u["slug"] for u in answer["unlocked"]] == ["lvl5"]
    assert (answer["facts"]["level"], answer["facts"]["total_points"]) == (5, 900)


async def test_unlocked_reward_is_reported_only_by_the_call_that_unlocked_it(client):
    await create_reward(client, slug="pts", conditions=[{"condition_type": "total_points", "value": 10}])
    assert len((await send_event(client, USER, "a", "points", amount=10))["unlocked"]) == 1
    assert (await send_event(client, USER, "b", "points", amount=10))["unlocked"] == []


async def test_rewards_are_listed_in_sort_order(client):
    await create_reward(client, slug="late", sort_order=5)
    await create_reward(client, slug="early", sort_order=1)
    assert list(await user_rewards(client, USER)) == ["early", "late"]


async def test_not_vip_offer_disappears_for_vip_users_before_unlock(client):
    await create_reward(client, slug="welcome", conditions=[{"condition_type": "not_vip"}])
    answer = await send_event(client, USER, "v", "vip", is_vip=True)
    assert answer["unlocked"] == []
    other = await send_event(client, USER + 1, "r", "reaction")
    assert [u["slug"] for u in other["unlocked"]] == ["welcome"]
