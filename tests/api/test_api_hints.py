"""Hints: a locked secret reward shows by its hint alone, never its slug, name, conditions or payload."""

import pytest

from tests.support.api import claim, create_reward, refused, send_event
from tests.support.environment import ADMIN, BOT

USER = 61
SECRET = {
    "slug": "night-owl",
    "name": "Night owl",
    "is_secret": True,
    "hint": "Some never stop talking...",
    "translations": {"es": {"name": "Búho", "hint": "Algunos no paran de hablar..."}},
    "conditions": [{"condition_type": "first_reaction"}, {"condition_type": "total_points", "value": 10}],
}


async def _list(client, **query) -> dict:
    response = await client.get(f"/v1/users/{USER}/rewards", params=query, headers=BOT)
    assert response.status == 200
    return await response.json()


async def test_a_locked_secret_reward_is_listed_by_its_hint_and_how_many_conditions_are_met(client):
    await create_reward(client, **SECRET)
    await send_event(client, USER, "r1", "reaction")
    answer = await _list(client)
    assert [r["slug"] for r in answer["rewards"]] == []
    [hint] = answer["hints"]
    assert (hint["hint"], hint["lang"], hint["met"], hint["total"]) == ("Some never stop talking...", "en", 1, 2)
    assert "night-owl" not in str(answer)
    assert "Night owl" not in str(answer)


async def test_the_hint_is_in_the_callers_language_and_its_id_is_stable(client):
    await create_reward(client, **SECRET)
    english, spanish = await _list(client), await _list(client, lang="es")
    assert spanish["hints"][0]["hint"] == "Algunos no paran de hablar..."
    assert english["hints"][0]["id"] == spanish["hints"][0]["id"] == (await _list(client))["hints"][0]["id"]


async def test_once_unlocked_the_reward_shows_in_the_list_and_leaves_the_hints(client):
    await create_reward(client, **SECRET)
    await send_event(client, USER, "r1", "reaction")
    await send_event(client, USER, "p1", "points", amount=10)
    answer = await _list(client)
    assert [r["slug"] for r in answer["rewards"]] == ["night-owl"]
    assert answer["hints"] == []


async def test_a_secret_reward_without_a_hint_stays_out_of_sight(client):
    await create_reward(client, slug="quiet", is_secret=True, conditions=[{"condition_type": "first_reaction"}])
    assert (await _list(client))["hints"] == []


async def test_a_hint_on_a_reward_that_is_not_secret_is_refused(client):
    response = await client.post(
        "/v1/rewards",
        json={**SECRET, "is_secret": False, "reward_type": "besitos", "reward_value": {"amount": 1}},
        headers=ADMIN,
    )
    await refused(response, 422, "validation_error")


async def test_the_bot_never_learns_a_secret_slug_from_a_counters_readers(client):
    """A counter read by a secret reward lists it to admins only: the bot's `used_by` leaves it out."""
    await client.post(
        "/v1/counters", json={"name": "messages_sent", "kind": "count", "display_name": "Messages"}, headers=ADMIN
    )
    read_by = [{"condition_type": "counter_at_least", "counter": "messages_sent", "value": 100}]
    await create_reward(client, slug="chatter", conditions=read_by)
    await create_reward(client, slug="night-owl", conditions=read_by, is_secret=True, hint="Talk at night")
    for path in ("/v1/counters/messages_sent", "/v1/counters"):
        as_bot = await (await client.get(path, headers=BOT)).json()
        as_admin = await (await client.get(path, headers=ADMIN)).json()
        bot_view = as_bot if "used_by" in as_bot else as_bot["counters"][0]
        admin_view = as_admin if "used_by" in as_admin else as_admin["counters"][0]
        assert bot_view["used_by"] == ["chatter"]
        assert admin_view["used_by"] == ["chatter", "night-owl"]


@pytest.mark.parametrize("key", [None, "k-secret"])
async def test_claiming_a_locked_secret_reward_is_refused_as_an_unknown_slug(client, key):
    """The claim route must not tell which secret slugs exist: locked and secret answers as no such reward."""
    await create_reward(client, slug="night-owl", conditions=[{"condition_type": "first_purchase"}], is_secret=True)
    secret = await claim(client, 1, "night-owl", key=key)
    unknown = await claim(client, 1, "no-such-reward", key=None if key is None else f"{key}-2")
    assert secret[0] == unknown[0] == 404
    assert secret[1]["error"]["code"] == unknown[1]["error"]["code"] == "reward_not_found"
    assert secret[1]["error"]["message"] == unknown[1]["error"]["message"].replace("no-such-reward", "night-owl")
    # Admins see it as it is.
    status, body = await claim(client, 1, "night-owl", headers=ADMIN)
    assert (status, body["error"]["code"]) == (409, "reward_locked")
