"""Community goals: the community adds to one number within a window; reaching the target rewards who contributed."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from service.db import collections
from service.http.app import init_app
from service.http.keys import RUNTIME
from service.usecases.goals import relay_goals
from tests.support.api import AWARDED, claim, create_reward, declare_counter, refused, send_event, user_rewards
from tests.support.environment import ADMIN, BOT, make_settings
from tests.support.feed import follow_to_the_end, relay_all


def window_around(clock: Any, days: int = 7) -> tuple[str, str]:
    return (clock() - timedelta(days=1)).isoformat(), (clock() + timedelta(days=days)).isoformat()


async def declare_goal(client: Any, clock: Any, slug: str = "points-together", **fields: Any) -> dict[str, Any]:
    starts_at, ends_at = window_around(clock)
    body = {
        "slug": slug,
        "name": "Points together",
        "counts": "total_points",
        "target": 100,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "reward": "hero",
        "min_contribution": 10,
        **fields,
    }
    response = await client.post("/v1/goals", json=body, headers=ADMIN)
    assert response.status == 201, await response.text()
    return await response.json()


@pytest.fixture
async def hero(client: Any) -> None:
    await create_reward(client, slug="hero", conditions=AWARDED)


async def points(client: Any, user_id: int, event_id: str, amount: int) -> None:
    await send_event(client, user_id, event_id, "points", amount=amount)


async def relay(client: Any) -> tuple[int, int]:
    """Goal relay passes until nothing waits; answers what they relayed and rewarded in all."""
    relayed = rewarded = 0
    for _ in range(50):
        step = await relay_goals(client.app[RUNTIME])
        relayed, rewarded = relayed + step[0], rewarded + step[1]
        if step == (0, 0):
            return relayed, rewarded
    raise AssertionError("the goal relay never settled")


async def goal(client: Any, slug: str = "points-together") -> dict[str, Any]:
    response = await client.get(f"/v1/goals/{slug}", headers=BOT)
    assert response.status == 200, await response.text()
    return await response.json()


async def mine(client: Any, user_id: int, slug: str = "points-together") -> dict[str, Any]:
    response = await client.get(f"/v1/goals/{slug}/users/{user_id}", headers=BOT)
    assert response.status == 200, await response.text()
    return await response.json()


# --- declaring ---


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"counts": "level"}, "unknown_counter", "counts"),
        ({"reward": "nowhere"}, "unknown_reward", "reward"),
        ({"reward": "earned"}, "prize_not_awarded", "reward"),
        ({"target": 0}, "validation_error", "target"),
    ],
)
async def test_a_goal_that_could_not_work_is_refused_and_nothing_is_stored(client, clock, hero, fields, code, field):
    await create_reward(client, slug="earned", conditions=[{"condition_type": "total_points", "value": 5}])
    starts_at, ends_at = window_around(clock)
    body = {"slug": "g", "name": "G", "counts": "total_points", "target": 100, "starts_at": starts_at}
    body |= {"ends_at": ends_at, "reward": "hero", **fields}
    error = await refused(await client.post("/v1/goals", json=body, headers=ADMIN), 422, code)
    assert field in [detail["field"] for detail in error["details"]]
    assert await collections.goals().count_documents({}) == 0


async def test_a_window_ends_after_it_starts(client, clock, hero):
    starts_at, _ = window_around(clock)
    body = {"slug": "g", "name": "G", "counts": "total_points", "target": 1, "reward": "hero"}
    response = await client.post(
        "/v1/goals", json={**body, "starts_at": starts_at, "ends_at": starts_at}, headers=ADMIN
    )
    await refused(response, 422, "validation_error")


async def test_only_an_admin_declares_a_goal(client, clock, hero):
    starts_at, ends_at = window_around(clock)
    body = {"slug": "g", "name": "G", "counts": "total_points", "target": 1, "reward": "hero"}
    response = await client.post("/v1/goals", json={**body, "starts_at": starts_at, "ends_at": ends_at}, headers=BOT)
    await refused(response, 403, "forbidden")


# --- progress ---


async def test_the_goal_shows_the_total_the_share_and_the_contributors(client, clock, hero):
    await declare_goal(client, clock)
    await points(client, 1, "a", 30)
    await points(client, 2, "b", 5)
    await points(client, 1, "c", 10)
    assert (await goal(client))["total"] == 0  # the relay has not run yet
    assert (await mine(client, 1))["amount"] == 40  # the user's own share is exact at once
    await relay(client)
    shown = await goal(client)
    assert (shown["total"], shown["share"], shown["contributors"], shown["reached_at"]) == (45, 0.45, 2, None)
    assert (await mine(client, 1))["qualifies"] is True
    assert ((await mine(client, 2))["amount"], (await mine(client, 2))["qualifies"]) == (5, False)


async def test_a_replayed_event_adds_once(client, clock, hero):
    await declare_goal(client, clock)
    for _ in range(3):
        await points(client, 1, "same", 7)
    await relay(client)
    assert ((await goal(client))["total"], (await mine(client, 1))["amount"]) == (7, 7)


async def test_events_outside_the_window_do_not_count(client, clock, hero):
    starts_at = (clock() + timedelta(days=1)).isoformat()
    ends_at = (clock() + timedelta(days=2)).isoformat()
    await declare_goal(client, clock, starts_at=starts_at, ends_at=ends_at)
    await points(client, 1, "early", 50)
    await relay(client)
    assert ((await goal(client))["total"], (await mine(client, 1))["amount"]) == (0, 0)


async def test_a_counter_goal_adds_count_events(client, clock, hero):
    await declare_counter(client, "messages_sent")
    await declare_goal(client, clock, counts="messages_sent")
    for user_id in (1, 2, 3):
        await send_event(client, user_id, f"m{user_id}", "counter", counter="messages_sent", amount=user_id)
    await relay(client)
    assert ((await goal(client))["total"], (await goal(client))["contributors"]) == (6, 3)


@pytest.mark.parametrize("shards", [1, 5])
async def test_two_hundred_contributing_events_at_once_give_the_exact_total(aiohttp_client, clock, shards):
    """The total spread over `shards` documents; two relays at once, as two instances run them."""
    client = await aiohttp_client(init_app(make_settings(goal_shards=shards), clock=clock))
    await create_reward(client, slug="hero", conditions=AWARDED)
    await declare_goal(client, clock, target=10**6)
    await asyncio.gather(*(points(client, n % 40 + 1, f"e{n}", n % 7 + 1) for n in range(200)))
    await asyncio.gather(relay(client), relay(client))
    await relay(client)
    expected = sum(n % 7 + 1 for n in range(200))
    shown = await goal(client)
    assert (shown["total"], shown["contributors"]) == (expected, 40)
    assert await collections.goal_shards().count_documents({"goal": "points-together"}) == shards
    contributions = await collections.goal_contributions().find({"goal": "points-together"}).to_list(None)
    assert sum(doc["amount"] for doc in contributions) == expected


# --- reaching the target ---


async def test_reaching_the_target_rewards_each_qualifying_contributor_once(client, clock, hero):
    await declare_goal(client, clock)
    await points(client, 1, "a", 60)
    await points(client, 2, "b", 30)
    await points(client, 3, "c", 5)  # below min_contribution
    await relay(client)
    assert (await goal(client))["reached_at"] is None
    await points(client, 4, "d", 20)
    _, rewarded = await relay(client)
    assert rewarded == 3
    assert (await goal(client))["reached_at"] is not None
    statuses = {user_id: (await user_rewards(client, user_id))["hero"]["status"] for user_id in (1, 2, 3, 4)}
    assert statuses == {1: "unlocked", 2: "unlocked", 3: "locked", 4: "unlocked"}
    assert (await claim(client, 1, "hero"))[0] == 200
    # Later in the window: a user who now qualifies gets it too; nobody gets it twice.
    await points(client, 3, "e", 10)
    await points(client, 1, "f", 10)
    _, rewarded = await relay(client)
    assert rewarded == 1
    assert (await user_rewards(client, 3))["hero"]["status"] == "unlocked"
    assert (await user_rewards(client, 1))["hero"]["status"] == "claimed"
    assert await collections.user_rewards().count_documents({"unlocked_by": "goal:points-together"}) == 4


async def test_the_feed_announces_the_goal_reached_once(client, clock, hero):
    await declare_goal(client, clock)
    await points(client, 1, "a", 80)
    await relay(client)
    await points(client, 2, "b", 30)
    await points(client, 3, "c", 30)
    await relay(client)
    await points(client, 4, "d", 30)
    await relay(client)
    await relay_all(clock)
    entries, _ = await follow_to_the_end(client)
    [reached] = [entry for entry in entries if entry["type"] == "goal_reached"]
    assert (reached["user_id"], reached["reward_slug"]) == (None, None)
    assert reached["data"]["goal"] == "points-together"
    assert reached["data"]["total"] >= 100


async def test_an_inactive_goal_counts_nothing_more(client, clock, hero):
    await declare_goal(client, clock)
    response = await client.patch("/v1/goals/points-together", json={"is_active": False}, headers=ADMIN)
    assert response.status == 200
    await points(client, 1, "a", 500)
    await relay(client)
    assert (await goal(client))["total"] == 0


async def test_a_goal_that_does_not_exist_is_404(client):
    await refused(await client.get("/v1/goals/nowhere", headers=BOT), 404, "goal_not_found")
    await refused(await client.get("/v1/goals/nowhere/users/1", headers=BOT), 404, "goal_not_found")


async def test_a_goal_past_its_window_keeps_its_total(client, clock, hero):
    await declare_goal(client, clock)
    await points(client, 1, "a", 40)
    await relay(client)
    clock.now = datetime.fromisoformat((await goal(client))["ends_at"]) + timedelta(seconds=1)
    await points(client, 1, "late", 40)
    await relay(client)
    assert ((await goal(client))["total"], (await mine(client, 1))["amount"]) == (40, 40)
