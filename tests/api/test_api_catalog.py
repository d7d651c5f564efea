"""The catalogue through the real app: the bot reads it, admins create, replace, patch and deactivate."""

import asyncio
from datetime import datetime

from documents import UserReward
from tests.support.api import claim, create_reward, send_event, user_rewards
from tests.support.environment import ADMIN, BOT
from tests.support.factories import reward_payload

USER = 2002


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _bot_slugs(client) -> list[str]:
    response = await client.get("/v1/rewards", headers=BOT)
    assert response.status == 200
    return [reward["slug"] for reward in (await response.json())["rewards"]]


async def test_admin_creates_a_reward_and_gets_it_back_with_timestamps(client, clock):
    response = await client.post("/v1/rewards", json=reward_payload(slug="new-one"), headers=ADMIN)
    assert response.status == 201
    body = await response.json()
    assert body["slug"] == "new-one"
    assert body["is_active"] is True
    assert _at(body["created_at"]) == _at(body["updated_at"]) == clock.now


async def test_creating_a_taken_slug_is_slug_taken(client):
    await create_reward(client, slug="dup")
    response = await client.post("/v1/rewards", json=reward_payload(slug="dup", name="Other"), headers=ADMIN)
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "slug_taken"


async def test_bot_gets_an_active_reward_by_slug(client):
    await create_reward(client, slug="visible", name="Visible")
    response = await client.get("/v1/rewards/visible", headers=BOT)
    assert response.status == 200
    assert (await response.json())["name"] == "Visible"


async def test_bot_does_not_see_a_secret_reward_by_slug_but_admin_does(client):
    await create_reward(client, slug="hidden", is_secret=True)
    assert (await client.get("/v1/rewards/hidden", headers=BOT)).status == 404
    assert (await client.get("/v1/rewards/hidden", headers=ADMIN)).status == 200


async def test_unknown_slug_is_reward_not_found(client):
    response = await client.get("/v1/rewards/nope", headers=ADMIN)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "reward_not_found"


async def test_bot_list_holds_active_non_secret_rewards_in_sort_order(client):
    await create_reward(client, slug="second", sort_order=2)
    await create_reward(client, slug="first", sort_order=1)
    await create_reward(client, slug="secret", is_secret=True)
    await create_reward(client, slug="off", is_active=False)
    assert await _bot_slugs(client) == ["first", "second"]


async def test_admin_list_with_all_true_holds_every_reward(client):
    await create_reward(client, slug="on")
    await create_reward(client, slug="secret", is_secret=True)
    await create_reward(client, slug="off", is_active=False)
    response = await client.get("/v1/rewards", params={"all": "true"}, headers=ADMIN)
    assert response.status == 200
    assert sorted(r["slug"] for r in (await response.json())["rewards"]) == ["off", "on", "secret"]


async def test_bot_asking_for_all_rewards_is_forbidden(client):
    response = await client.get("/v1/rewards", params={"all": "true"}, headers=BOT)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "forbidden"


async def test_put_replaces_the_definition_and_keeps_creation_time(client, clock):
    created = await create_reward(client, slug="r", name="Old", sort_order=1)
    clock.advance(hours=1)
    replacement = reward_payload(slug="r", name="New", reward_type="vip_extension", reward_value={"days": 3})
    response = await client.put("/v1/rewards/r", json=replacement, headers=ADMIN)
    assert response.status == 200
    body = await response.json()
    assert (body["name"], body["reward_type"], body["reward_value"]) == ("New", "vip_extension", {"days": 3})
    assert body["sort_order"] == 0  # replaced, not merged
    assert body["created_at"] == created["created_at"]
    assert _at(body["updated_at"]) == clock.now


async def test_put_with_a_different_slug_in_the_body_is_a_validation_error(client):
    await create_reward(client, slug="r")
    response = await client.put("/v1/rewards/r", json=reward_payload(slug="other"), headers=ADMIN)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "slug"


async def test_put_on_an_unknown_slug_is_reward_not_found(client):
    response = await client.put("/v1/rewards/ghost", json=reward_payload(slug="ghost"), headers=ADMIN)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "reward_not_found"


async def test_patch_changes_only_the_fields_sent(client):
    await create_reward(client, slug="r", name="Name", sort_order=4)
    response = await client.patch("/v1/rewards/r", json={"name": "Renamed"}, headers=ADMIN)
    assert response.status == 200
    body = await response.json()
    assert (body["name"], body["sort_order"], body["reward_value"]) == ("Renamed", 4, {"amount": 50})


async def test_patch_is_validated_merged_with_the_stored_reward(client):
    await create_reward(client, slug="r")  # besitos, {"amount": 50}
    response = await client.patch("/v1/rewards/r", json={"reward_type": "badge"}, headers=ADMIN)
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "validation_error"
    stored = await (await client.get("/v1/rewards/r", headers=ADMIN)).json()
    assert stored["reward_type"] == "besitos"


async def test_patch_of_type_and_value_together_is_accepted(client):
    await create_reward(client, slug="r")
    change = {"reward_type": "badge", "reward_value": {"badge_name": "Fan", "emoji": "*"}}
    response = await client.patch("/v1/rewards/r", json=change, headers=ADMIN)
    assert response.status == 200
    assert (await response.json())["reward_type"] == "badge"


async def test_patch_on_an_unknown_slug_is_reward_not_found(client):
    response = await client.patch("/v1/rewards/ghost", json={"name": "x"}, headers=ADMIN)
    assert response.status == 404


async def test_delete_deactivates_and_the_reward_leaves_the_bot_list(client):
    await create_reward(client, slug="gone")
    response = await client.delete("/v1/rewards/gone", headers=ADMIN)
    assert response.status == 200
    assert (await response.json())["is_active"] is False
    assert "gone" not in await _bot_slugs(client)
    still_stored = await client.get("/v1/rewards/gone", headers=ADMIN)
    assert still_stored.status == 200
    assert (await still_stored.json())["is_active"] is False


async def test_delete_keeps_the_history_of_users_who_unlocked_it(client):
    await create_reward(client, slug="gone", conditions=[{"condition_type": "first_reaction"}])
    await send_event(client, USER, "r1", "reaction")
    await client.delete("/v1/rewards/gone", headers=ADMIN)
    kept = await UserReward.find_one(UserReward.user_id == USER, UserReward.reward_slug == "gone")
    assert kept is not None
    assert kept.status == "unlocked"
    assert "gone" not in await user_rewards(client, USER)


async def test_claiming_a_deactivated_reward_is_reward_not_found(client):
    await create_reward(client, slug="gone", conditions=[{"condition_type": "first_reaction"}])
    await send_event(client, USER, "r1", "reaction")
    await client.delete("/v1/rewards/gone", headers=ADMIN)
    status, body = await claim(client, USER, "gone")
    assert (status, body["error"]["code"]) == (404, "reward_not_found")


async def test_delete_of_an_unknown_slug_is_reward_not_found(client):
    response = await client.delete("/v1/rewards/ghost", headers=ADMIN)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "reward_not_found"


async def test_a_reload_that_began_before_a_change_is_not_kept_after_it(database, monkeypatch):
    from dataclasses import replace

    from documents.clock import utc_now
    from service.caches import catalogue as cache_module
    from service.usecases.catalogue import create_reward as create
    from tests.support.factories import definition
    from tests.support.usecases import context_at

    read_done, change_done = asyncio.Event(), asyncio.Event()
    real_load = cache_module.load_active_rewards

    async def slow_load():  # reads the catalogue, then is overtaken by a change before it returns
        loaded = await real_load()
        read_done.set()
        await change_done.wait()
        return loaded

    monkeypatch.setattr(cache_module, "load_active_rewards", slow_load)
    cache = cache_module.CatalogCache(ttl_seconds=3600)
    reload = asyncio.ensure_future(cache.active())
    await read_done.wait()
    ctx = context_at(utc_now())
    await create(replace(ctx, runtime=replace(ctx.runtime, catalogue=cache)), definition(slug="fresh"))  # invalidates
    change_done.set()
    assert "fresh" not in (await reload).by_slug  # the stale read answered its own caller...
    monkeypatch.setattr(cache_module, "load_active_rewards", real_load)
    assert "fresh" in (await cache.active()).by_slug  # ...but was not kept for the next one
