"""A user's rewards by the page: limit and cursor, filters, counts of the whole list, and one reward alone."""

from typing import Any

import pytest

from service.db import collections
from tests.support.api import claim, create_reward, refused, send_event
from tests.support.environment import ADMIN, BOT
from tests.support.stored import stored_one

USER = 81
REACTION = [{"condition_type": "first_reaction"}]
FAR = [{"condition_type": "total_points", "value": 1_000_000}]


async def _catalogue(client: Any) -> None:
    """Nine rewards in a mixed display order: four unlocked by a reaction, a tiered series, a secret one."""
    await create_reward(client, slug="wave", sort_order=5, conditions=REACTION)
    await create_reward(
        client,
        slug="cheer",
        sort_order=5,
        conditions=REACTION,
        reward_type="badge",
        reward_value={"badge_name": "Cheer", "emoji": "📣"},
    )
    await create_reward(client, slug="first", sort_order=-3, conditions=REACTION)
    await create_reward(client, slug="late", sort_order=90, conditions=REACTION, claim_window_hours=1)
    await create_reward(client, slug="far-away", sort_order=7, conditions=FAR)
    for tier in (1, 2, 3):
        await create_reward(client, slug=f"talk-{tier}", sort_order=20 + tier, series="talk", tier=tier, conditions=FAR)
    await create_reward(client, slug="owl", sort_order=1, conditions=REACTION, is_secret=True, hint="Stay up late")


async def _page(client: Any, headers: dict[str, str] = BOT, **query: str) -> dict[str, Any]:
    response = await client.get(f"/v1/users/{USER}/rewards", params=query, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def _walk(client: Any, **query: Any) -> list[dict[str, Any]]:
    """Every page, following next_cursor; the pages' rewards in the order answered."""
    rewards, cursor = [], None
    while True:
        page = await _page(client, **query, **({"cursor": cursor} if cursor else {}))
        rewards += page["rewards"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rewards


def _slugs(rewards: list[dict[str, Any]]) -> list[str]:
    return [reward["slug"] for reward in rewards]


async def test_without_a_limit_the_answer_is_the_whole_list_and_no_cursor(client):
    await _catalogue(client)
    whole = await _page(client)
    assert _slugs(whole["rewards"]) == [
        "first", "cheer", "wave", "far-away", "talk-1", "talk-2", "talk-3", "late"
    ]  # fmt: skip
    assert whole["next_cursor"] is None


@pytest.mark.parametrize("limit", ["1", "2", "3", "8", "100"])
async def test_walking_every_page_finds_each_reward_exactly_once_in_display_order(client, limit):
    await _catalogue(client)
    whole = await _page(client)
    walked = await _walk(client, limit=limit)
    assert walked == whole["rewards"]


async def test_a_page_holds_at_most_limit_rewards_and_the_last_page_no_cursor(client):
    await _catalogue(client)
    first = await _page(client, limit="3")
    assert _slugs(first["rewards"]) == ["first", "cheer", "wave"]
    second = await _page(client, limit="3", cursor=first["next_cursor"])
    assert _slugs(second["rewards"]) == ["far-away", "talk-1", "talk-2"]
    last = await _page(client, limit="3", cursor=second["next_cursor"])
    assert (_slugs(last["rewards"]), last["next_cursor"]) == (["talk-3", "late"], None)


async def test_a_reward_added_before_the_cursor_is_not_answered_twice_and_one_after_it_shows(client):
    await _catalogue(client)
    first = await _page(client, limit="3")
    await create_reward(client, slug="aaa-early", sort_order=-10, conditions=REACTION)
    await create_reward(client, slug="zzz-latest", sort_order=99, conditions=REACTION)
    rest = await _walk_from(client, first["next_cursor"], limit="3")
    assert _slugs(rest) == ["far-away", "talk-1", "talk-2", "talk-3", "late", "zzz-latest"]


async def _walk_from(client: Any, cursor: str, **query: Any) -> list[dict[str, Any]]:
    rewards: list[dict[str, Any]] = []
    while cursor:
        page = await _page(client, **query, cursor=cursor)
        rewards += page["rewards"]
        cursor = page["next_cursor"]
    return rewards


async def test_filters_run_over_the_whole_list_and_page_alike(client):
    await _catalogue(client)
    await send_event(client, USER, "r1", "reaction")
    assert (await claim(client, USER, "wave"))[0] == 200
    unlocked = await _walk(client, status="unlocked", limit="1")
    assert _slugs(unlocked) == ["first", "owl", "cheer", "late"]
    assert _slugs(await _walk(client, status="claimed,unlocked", limit="2")) == [
        "first", "owl", "cheer", "wave", "late"
    ]  # fmt: skip
    assert _slugs(await _walk(client, status="locked", limit="2")) == ["far-away", "talk-1", "talk-2", "talk-3"]
    assert _slugs(await _walk(client, type="badge", limit="1")) == ["cheer"]
    assert _slugs(await _walk(client, series="talk", limit="2")) == ["talk-1", "talk-2", "talk-3"]
    assert _slugs(await _walk(client, series="talk", tiers="collapsed", limit="2")) == ["talk-1"]


async def test_counts_are_the_whole_lists_before_filters_and_paging(client, clock):
    await _catalogue(client)
    assert (await _page(client, limit="1"))["counts"] == {"locked": 8, "unlocked": 0, "claimed": 0, "expired": 0}
    await send_event(client, USER, "r1", "reaction")  # unlocks first, cheer, wave, late and the secret owl
    assert (await claim(client, USER, "wave"))[0] == 200
    clock.advance(hours=2)  # late's one-hour window passed: expired at read
    counts = (await _page(client, status="claimed", limit="1"))["counts"]
    assert counts == {"locked": 4, "unlocked": 3, "claimed": 1, "expired": 1}
    assert counts == _counted(await _page(client))


def _counted(whole: dict[str, Any]) -> dict[str, int]:
    counts = dict.fromkeys(("locked", "unlocked", "claimed", "expired"), 0)
    for reward in whole["rewards"]:
        counts[reward["status"]] += 1
    return counts


async def test_a_locked_secret_reward_is_not_counted_and_a_deactivated_rewards_state_is_not_either(client):
    await _catalogue(client)
    assert (await _page(client))["counts"]["locked"] == 8  # nine rewards, the secret one not among them
    await send_event(client, USER, "r1", "reaction")
    response = await client.patch("/v1/rewards/cheer", json={"is_active": False}, headers=ADMIN)
    assert response.status == 200
    assert (await _page(client))["counts"] == {"locked": 4, "unlocked": 4, "claimed": 0, "expired": 0}


async def test_an_admin_asking_for_secret_rewards_counts_them_locked(client):
    await _catalogue(client)
    counts = (await _page(client, headers=ADMIN, include_secret="true"))["counts"]
    assert counts == {"locked": 9, "unlocked": 0, "claimed": 0, "expired": 0}


async def test_hints_come_with_the_first_page_only(client):
    await _catalogue(client)
    first = await _page(client, limit="2")
    assert [hint["hint"] for hint in first["hints"]] == ["Stay up late"]
    assert (await _page(client, limit="2", cursor=first["next_cursor"]))["hints"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"cursor": "bm90LW91cnM"}, "cursor"),
        ({"cursor": "has spaces"}, "cursor"),
        ({"status": "pending"}, "status"),
        ({"type": "gems"}, "type"),
        ({"series": "Not A Slug"}, "series"),
    ],
)
async def test_a_bad_page_or_filter_is_a_422_naming_the_parameter_as_written(client, query, field):
    await _catalogue(client)
    response = await client.get(f"/v1/users/{USER}/rewards", params=query, headers=BOT)
    error = await refused(response, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == [field]


async def test_one_reward_is_the_view_the_list_gives(client):
    await _catalogue(client)
    await send_event(client, USER, "r1", "reaction")
    whole = {reward["slug"]: reward for reward in (await _page(client, lang="es"))["rewards"]}
    for slug in ("first", "far-away", "talk-2"):
        response = await client.get(f"/v1/users/{USER}/rewards/{slug}", params={"lang": "es"}, headers=BOT)
        assert response.status == 200
        assert await response.json() == whole[slug]


@pytest.mark.parametrize("slug", ["no-such-reward", "owl"])
async def test_one_reward_the_bot_may_not_see_is_a_404_like_an_unknown_one(client, slug):
    await _catalogue(client)
    response = await client.get(f"/v1/users/{USER}/rewards/{slug}", headers=BOT)
    error = await refused(response, 404, "reward_not_found")
    assert error["message"] == f"No active reward with slug {slug!r}."


async def test_one_secret_reward_shows_once_unlocked_and_to_admins_always(client):
    await _catalogue(client)
    assert (await client.get(f"/v1/users/{USER}/rewards/owl", headers=ADMIN)).status == 200
    await send_event(client, USER, "r1", "reaction")
    response = await client.get(f"/v1/users/{USER}/rewards/owl", headers=BOT)
    assert (response.status, (await response.json())["status"]) == (200, "unlocked")


async def test_one_deactivated_reward_is_a_404(client):
    await _catalogue(client)
    await client.patch("/v1/rewards/wave", json={"is_active": False}, headers=ADMIN)
    await refused(await client.get(f"/v1/users/{USER}/rewards/wave", headers=BOT), 404, "reward_not_found")


async def test_reading_one_reward_stores_what_expired(client, clock):
    await _catalogue(client)
    await send_event(client, USER, "r1", "reaction")
    clock.advance(hours=2)
    response = await client.get(f"/v1/users/{USER}/rewards/first", headers=BOT)
    assert (await response.json())["status"] == "unlocked"  # a 72-hour window: still open
    assert (await stored_one(collections.user_rewards(), {"user_id": USER, "reward_slug": "late"}))[
        "status"
    ] == "expired"
