"""Counters admins declare at run time: the API that declares them, the events that move them, the conditions that read them."""

from dataclasses import replace

import pytest

from service.db import collections
from service.http.app import init_app
from tests.support.api import count, create_reward, declare_counter, refused, send_event, set_facts, user_rewards
from tests.support.environment import ADMIN, BOT

MESSAGES = [{"condition_type": "counter_at_least", "counter": "messages_sent", "value": 100}]


# --- declaring ------------------------------------------------------------------------------------


async def test_a_declared_counter_is_read_back_by_both_tokens(client):
    declared = await declare_counter(
        client,
        "messages_sent",
        display_name="Messages sent",
        translations={"es": {"display_name": "Mensajes enviados"}},
    )
    assert (declared["name"], declared["kind"], declared["used_by"]) == ("messages_sent", "count", [])
    for token in (BOT, ADMIN):
        one = await (await client.get("/v1/counters/messages_sent", headers=token)).json()
        listed = await (await client.get("/v1/counters", headers=token)).json()
        assert one["display_name"] == "Messages sent"
        assert [c["name"] for c in listed["counters"]] == ["messages_sent"]


async def test_only_an_admin_declares_a_counter(client):
    response = await client.post("/v1/counters", json={"name": "x", "kind": "count", "display_name": "X"}, headers=BOT)
    await refused(response, 403, "forbidden")


@pytest.mark.parametrize("name", ["level", "total_points", "is_vip", "counter_at_least", "Not-A-Slug"])
async def test_a_counter_may_not_take_a_built_in_name_or_break_the_slug_rules(client, name):
    response = await client.post(
        "/v1/counters", json={"name": name, "kind": "count", "display_name": "X"}, headers=ADMIN
    )
    await refused(response, 422, "validation_error")
    assert await collections.counters().count_documents({}) == 0


async def test_a_name_is_declared_once(client):
    await declare_counter(client, "messages_sent")
    response = await client.post(
        "/v1/counters", json={"name": "messages_sent", "kind": "value", "display_name": "M"}, headers=ADMIN
    )
    await refused(response, 409, "counter_taken")


async def test_the_201st_counter_is_refused(client, clock):
    await collections.counters().insert_many(
        [
            {
                "name": f"c{n:03d}",
                "kind": "count",
                "display_name": f"C {n}",
                "description": None,
                "translations": {},
                "created_at": clock(),
                "updated_at": clock(),
            }
            for n in range(199)
        ]
    )
    await declare_counter(client, "the_200th")
    response = await client.post(
        "/v1/counters", json={"name": "one_more", "kind": "count", "display_name": "X"}, headers=ADMIN
    )
    await refused(response, 409, "too_many_counters")


async def test_a_patch_changes_the_texts_only(client):
    await declare_counter(client, "messages_sent")
    response = await client.patch("/v1/counters/messages_sent", json={"display_name": "Messages"}, headers=ADMIN)
    assert response.status == 200
    assert (await response.json())["display_name"] == "Messages"
    kind_change = await client.patch("/v1/counters/messages_sent", json={"kind": "value"}, headers=ADMIN)
    await refused(kind_change, 422, "validation_error")


async def test_a_counter_a_reward_reads_cannot_be_deleted_until_the_reward_stops_reading_it(client):
    await declare_counter(client, "messages_sent")
    await create_reward(client, slug="chatter", conditions=MESSAGES)
    await refused(await client.delete("/v1/counters/messages_sent", headers=ADMIN), 409, "counter_in_use")
    assert (await (await client.get("/v1/counters/messages_sent", headers=BOT)).json())["used_by"] == ["chatter"]
    await client.patch("/v1/rewards/chatter", json={"conditions": []}, headers=ADMIN)
    assert (await client.delete("/v1/counters/messages_sent", headers=ADMIN)).status == 204
    await refused(await client.get("/v1/counters/messages_sent", headers=BOT), 404, "counter_not_found")


# --- events ---------------------------------------------------------------------------------------


async def test_a_count_event_adds_its_amount_once_per_event_id(client):
    await declare_counter(client, "messages_sent")
    await count(client, 7, "m1", "messages_sent", amount=3)
    answer = await count(client, 7, "m1", "messages_sent", amount=3)  # the bot's retry
    answer = await count(client, 7, "m2", "messages_sent", amount=2)
    assert answer["facts"]["counters"] == {"messages_sent": 5}


async def test_a_value_event_sets_the_users_current_value(client):
    await declare_counter(client, "rank", kind="value")
    await count(client, 7, "r1", "rank", value=12)
    answer = await count(client, 7, "r2", "rank", value=9)
    assert answer["facts"]["counters"] == {"rank": 9}


@pytest.mark.parametrize(
    ("kind", "sent", "code"),
    [
        (None, {"amount": 1}, "unknown_counter"),
        ("count", {"value": 1}, "wrong_counter_kind"),
        ("value", {"amount": 1}, "wrong_counter_kind"),
    ],
)
async def test_an_event_the_counter_cannot_take_is_refused_and_nothing_is_stored(client, kind, sent, code):
    if kind is not None:
        await declare_counter(client, "things", kind=kind)
    response = await client.post(
        "/v1/users/7/events", json={"event_id": "e1", "type": "counter", "counter": "things", **sent}, headers=BOT
    )
    await refused(response, 422, code)
    assert await collections.user_facts().count_documents({}) == 0


async def test_a_counter_event_needs_exactly_one_of_amount_and_value(client):
    await declare_counter(client, "things")
    for sent in ({}, {"amount": 1, "value": 1}):
        response = await client.post(
            "/v1/users/7/events", json={"event_id": "e1", "type": "counter", "counter": "things", **sent}, headers=BOT
        )
        await refused(response, 422, "validation_error")


async def test_a_counter_declared_through_another_instance_is_accepted_at_once(aiohttp_client, settings, clock):
    # Each instance caches the counters for a long time; the second instance's cache predates the counter.
    long_cache = replace(settings, catalog_ttl_seconds=3600)
    first = await aiohttp_client(init_app(long_cache, clock=clock))
    second = await aiohttp_client(init_app(long_cache, clock=clock))
    await user_rewards(second, 1)  # its cache is loaded now
    await declare_counter(first, "messages_sent")
    answer = await count(second, 7, "m1", "messages_sent", amount=4)
    assert answer["facts"]["counters"] == {"messages_sent": 4}


async def test_facts_answers_carry_no_counters_for_a_user_who_has_none(client):
    answer = await send_event(client, 7, "p1", "points", amount=5)
    assert answer["facts"]["counters"] == {}


# --- conditions -----------------------------------------------------------------------------------


async def test_a_reward_unlocks_once_its_counter_reaches_the_value(client):
    await declare_counter(client, "messages_sent")
    await create_reward(client, slug="chatter", conditions=MESSAGES)
    assert (await count(client, 7, "m1", "messages_sent", amount=99))["unlocked"] == []
    [progress] = (await user_rewards(client, 7))["chatter"]["progress"]
    assert (
        progress["counter"],
        progress["counter_name"],
        progress["current"],
        progress["target"],
        progress["met"],
    ) == ("messages_sent", "Messages Sent", 99, 100, False)
    assert [u["slug"] for u in (await count(client, 7, "m2", "messages_sent", amount=1))["unlocked"]] == ["chatter"]


async def test_a_counter_condition_may_read_a_built_in_number(client):
    await create_reward(
        client,
        slug="points",
        conditions=[{"condition_type": "counter_at_least", "counter": "total_points", "value": 50}],
    )
    assert [u["slug"] for u in (await set_facts(client, 7, total_points=50))["unlocked"]] == ["points"]


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_a_condition_naming_an_undeclared_counter_is_refused_and_nothing_is_stored(client, method):
    await create_reward(client, slug="chatter")
    body = {
        "slug": "chatter",
        "name": "Chatter",
        "reward_type": "besitos",
        "reward_value": {"amount": 1},
        "conditions": MESSAGES,
    }
    path = "/v1/rewards" if method == "POST" else "/v1/rewards/chatter"
    if method == "POST":
        body["slug"] = "chatter-2"
    error = await refused(await client.request(method, path, json=body, headers=ADMIN), 422, "unknown_counter")
    assert error["details"][0]["field"] == "conditions[0].counter"
    stored = await collections.rewards().find({}, {"slug": 1, "conditions": 1}).to_list(None)
    assert [(r["slug"], r["conditions"][0]["condition_type"]) for r in stored] == [("chatter", "streak_length")]


async def test_a_window_over_a_value_counter_is_refused(client):
    await declare_counter(client, "rank", kind="value")
    response = await client.post(
        "/v1/rewards",
        json={
            "slug": "ranked",
            "name": "Ranked",
            "reward_type": "besitos",
            "reward_value": {"amount": 1},
            "conditions": [{"condition_type": "counter_in_window", "counter": "rank", "value": 3, "window_days": 7}],
        },
        headers=ADMIN,
    )
    await refused(response, 422, "wrong_counter_kind")
