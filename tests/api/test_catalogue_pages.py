"""The catalogue by the page: the bot's active, public rewards and an admin's every reward, walked with a cursor."""

from typing import Any

import pytest

from tests.support.api import create_reward, refused
from tests.support.environment import ADMIN, BOT


async def _catalogue(client: Any) -> None:
    for number, sort_order in enumerate([4, -1, 4, 0, 9, 4]):
        await create_reward(client, slug=f"r-{number}", sort_order=sort_order)
    await create_reward(client, slug="hidden", sort_order=0, is_secret=True)
    await create_reward(client, slug="retired", sort_order=2)
    assert (await client.delete("/v1/rewards/retired", headers=ADMIN)).status == 200


async def _list(client: Any, headers: dict[str, str], **query: str) -> dict[str, Any]:
    response = await client.get("/v1/rewards", params=query, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def _walk(client: Any, headers: dict[str, str], **query: str) -> list[str]:
    slugs: list[str] = []
    cursor = None
    while True:
        page = await _list(client, headers, **query, **({"cursor": cursor} if cursor else {}))
        slugs += [reward["slug"] for reward in page["rewards"]]
        if (cursor := page["next_cursor"]) is None:
            return slugs


@pytest.mark.parametrize("limit", ["1", "2", "5", "100"])
async def test_the_bots_pages_hold_every_public_active_reward_once_in_display_order(client, limit):
    await _catalogue(client)
    whole = [reward["slug"] for reward in (await _list(client, BOT))["rewards"]]
    assert whole == ["r-1", "r-3", "r-0", "r-2", "r-5", "r-4"]
    assert await _walk(client, BOT, limit=limit) == whole


@pytest.mark.parametrize("limit", ["1", "3", "100"])
async def test_an_admins_pages_hold_every_reward_once_in_display_order(client, limit):
    await _catalogue(client)
    whole = [reward["slug"] for reward in (await _list(client, ADMIN, all="true"))["rewards"]]
    assert whole == ["r-1", "hidden", "r-3", "retired", "r-0", "r-2", "r-5", "r-4"]
    assert await _walk(client, ADMIN, all="true", limit=limit) == whole


async def test_the_last_page_and_the_whole_list_have_no_cursor(client):
    await _catalogue(client)
    assert (await _list(client, BOT))["next_cursor"] is None
    assert (await _list(client, BOT, limit="6"))["next_cursor"] is None
    assert (await _list(client, BOT, limit="5"))["next_cursor"] is not None


async def test_a_cursor_from_another_service_is_refused(client):
    response = await client.get("/v1/rewards", params={"cursor": "c29tZXRoaW5n"}, headers=BOT)
    error = await refused(response, 422, "validation_error")
    assert error["details"][0]["field"] == "cursor"
