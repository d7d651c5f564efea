"""Careless input is refused, not silently accepted: reused event ids, duplicate or omitted conditions, huge grants."""

from service.db import collections
from tests.support.api import create_reward, refused, send_event
from tests.support.environment import ADMIN, BOT
from tests.support.factories import reward_payload
from tests.support.stored import stored_one

USER = 7007
POINTS = [{"condition_type": "total_points", "value": 100}]


async def _event(client, user_id: int, body: dict):
    return await client.post(f"/v1/users/{user_id}/events", json=body, headers=BOT)


async def _points(user_id: int) -> int:
    facts = await stored_one(collections.user_facts(), {"user_id": user_id})
    return facts["total_points"]


# --- event ids ---------------------------------------------------------------------------------


async def test_an_event_id_reused_with_another_payload_is_refused_and_counts_nothing(client):
    await send_event(client, USER, "e-1", "points", amount=40)
    error = await refused(
        await _event(client, USER, {"event_id": "e-1", "type": "points", "amount": 50}), 422, "event_id_reused"
    )
    assert "'e-1'" in error["message"]
    assert error["details"][0]["field"] == "event_id"
    reused_as_other_type = await _event(client, USER, {"event_id": "e-1", "type": "reaction"})
    await refused(reused_as_other_type, 422, "event_id_reused")
    assert await _points(USER) == 40


async def test_the_same_event_again_replays_and_five_point_zero_is_five(client):
    first = await _event(client, USER, {"event_id": "e-1", "type": "points", "amount": 5})
    again = await _event(client, USER, {"event_id": "e-1", "type": "points", "amount": 5.0})
    assert (first.status, again.status) == (200, 200)
    assert (await again.json())["facts"] == (await first.json())["facts"]
    assert await _points(USER) == 5


async def test_event_ids_are_per_user(client):
    await send_event(client, USER, "e-1", "points", amount=40)
    await send_event(client, USER + 1, "e-1", "points", amount=7)
    assert (await _points(USER), await _points(USER + 1)) == (40, 7)


async def test_an_id_remembered_before_fingerprints_replays_as_before(client):
    """Facts stored by an older version remember ids only: such an id replays, whatever it carries."""
    await send_event(client, USER, "new", "points", amount=1)
    await collections.user_facts().update_one(
        {"user_id": USER}, {"$set": {"recent_event_ids": ["old", "new"]}, "$unset": {"recent_event_prints": ""}}
    )
    replay = await _event(client, USER, {"event_id": "old", "type": "points", "amount": 99})
    assert replay.status == 200
    await send_event(client, USER, "newer", "points", amount=2)
    await refused(
        await _event(client, USER, {"event_id": "newer", "type": "points", "amount": 3}), 422, "event_id_reused"
    )
    assert await _points(USER) == 3


async def test_a_windowed_count_remembers_the_fingerprint_too(client):
    """A reward counting over a window switches the write to an update pipeline: the same promise holds."""
    await create_reward(
        client,
        slug="busy-week",
        conditions=[
            {"condition_type": "counter_in_window", "counter": "purchases_count", "value": 3, "window_days": 7}
        ],
    )
    await send_event(client, USER, "p-1", "purchase", amount=10)
    await refused(
        await _event(client, USER, {"event_id": "p-1", "type": "purchase", "amount": 11}), 422, "event_id_reused"
    )
    assert (await _event(client, USER, {"event_id": "p-1", "type": "purchase", "amount": 10})).status == 200
    facts = await stored_one(collections.user_facts(), {"user_id": USER})
    assert (facts["purchases_count"], facts["besitos_spent"]) == (1, 10)


async def test_what_is_remembered_stays_bounded_and_lined_up(client):
    for n in range(260):
        await send_event(client, USER, f"e-{n}", "reaction")
    facts = await stored_one(collections.user_facts(), {"user_id": USER})
    assert len(facts["recent_event_ids"]) == len(facts["recent_event_prints"]) == 256
    assert facts["recent_event_ids"][0] == "e-4"
    await refused(await _event(client, USER, {"event_id": "e-4", "type": "daily_gift"}), 422, "event_id_reused")


# --- reward definitions ------------------------------------------------------------------------


async def _refused_definition(client, method: str, path: str, body: dict) -> dict:
    response = await client.request(method, path, json=body, headers=ADMIN)
    return await refused(response, 422, "validation_error")


async def test_a_reward_without_conditions_needs_an_explicit_empty_list(client):
    body = reward_payload(slug="for-everyone")
    del body["conditions"]
    error = await _refused_definition(client, "POST", "/v1/rewards", body)
    assert error["details"][0]["field"] == "conditions"
    assert '"conditions": []' in error["message"]
    await create_reward(client, slug="seed")
    error = await _refused_definition(client, "PUT", "/v1/rewards/seed", {**body, "slug": "seed"})
    assert error["details"][0]["field"] == "conditions"
    assert await collections.rewards().count_documents({}) == 1
    created = await create_reward(client, slug="for-everyone", conditions=[])
    assert created["conditions"] == []


async def test_two_identical_conditions_are_refused_naming_both(client):
    conditions = [
        *POINTS,
        {"condition_type": "not_vip"},
        {"condition_type": "total_points", "value": 100.0, "sort_order": 5},
    ]
    error = await _refused_definition(client, "POST", "/v1/rewards", reward_payload(conditions=conditions))
    assert error["details"] == [
        {
            "field": "conditions[2]",
            "type": "duplicate_condition",
            "message": "repeats conditions[0] (same type, parameters and group); remove one of them",
        }
    ]
    assert await collections.rewards().count_documents({}) == 0


async def test_the_same_condition_in_two_groups_is_not_a_repeat(client):
    conditions = [{"condition_type": "not_vip", "group": 1}, {"condition_type": "not_vip", "group": 2}]
    assert (await create_reward(client, conditions=conditions))["conditions"][1]["group"] == 2


async def test_a_patch_is_held_to_the_rules_for_what_it_changes(client):
    await create_reward(client, slug="points", conditions=POINTS)
    await _refused_definition(client, "PATCH", "/v1/rewards/points", {"conditions": POINTS * 2})
    await _refused_definition(client, "PATCH", "/v1/rewards/points", {"reward_value": {"amount": 10**12 + 1}})
    stored = await stored_one(collections.rewards(), {"slug": "points"})
    assert (stored["conditions"][0]["value"], len(stored["conditions"]), stored["reward_value"]) == (
        100,
        1,
        {"amount": 50},
    )


async def test_a_reward_stored_before_the_rules_keeps_working_and_can_be_patched_elsewhere(client):
    await create_reward(client, slug="points", conditions=POINTS)
    await collections.rewards().update_one(
        {"slug": "points"},
        {"$set": {"conditions": [{**POINTS[0], "group": 0, "sort_order": 0}] * 2, "reward_value": {"amount": 10**15}}},
    )
    response = await client.patch("/v1/rewards/points", json={"name": "Renamed"}, headers=ADMIN)
    assert response.status == 200, await response.text()
    assert (await response.json())["reward_value"] == {"amount": 10**15}
    listed = await client.get(f"/v1/users/{USER}/rewards", headers=BOT)
    assert listed.status == 200


async def test_a_besitos_grant_is_bounded_like_an_event_amount(client):
    error = await _refused_definition(
        client, "POST", "/v1/rewards", reward_payload(reward_value={"amount": 10**12 + 1})
    )
    assert error["details"][0]["field"] == "reward_value.amount"
    assert "1,000,000,000,000" in error["message"]
    assert (await create_reward(client, reward_value={"amount": 10**12}))["reward_value"] == {"amount": 10**12}
