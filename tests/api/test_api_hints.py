"""Hints: a locked secret reward shows by its hint alone, never its slug, name, conditions or payload."""

from tests.support.api import create_reward, refused, send_event
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
