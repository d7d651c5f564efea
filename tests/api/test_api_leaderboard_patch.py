"""Changing a board's prizes: the whole board is checked as it would be, and a refusal names the field."""

from tests.support.api import AWARDED, create_reward, declare_board, refused
from tests.support.environment import ADMIN

CHAMPION = [{"from_rank": 1, "to_rank": 1, "reward": "champion"}]


async def test_new_prizes_replace_the_stored_ones(client):
    await create_reward(client, slug="champion", conditions=AWARDED)
    await declare_board(client)
    response = await client.patch("/v1/leaderboards/daily-points", json={"prizes": CHAMPION}, headers=ADMIN)
    assert response.status == 200, await response.text()
    stored = await (await client.get("/v1/leaderboards/daily-points", headers=ADMIN)).json()
    assert stored["prizes"] == CHAMPION


async def test_an_all_time_board_is_refused_prizes_naming_the_field(client):
    await create_reward(client, slug="champion", conditions=AWARDED)
    await declare_board(client, "forever", period="all_time")
    response = await client.patch("/v1/leaderboards/forever", json={"prizes": CHAMPION}, headers=ADMIN)
    error = await refused(response, 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == ["prizes"]
    assert (await (await client.get("/v1/leaderboards/forever", headers=ADMIN)).json())["prizes"] == []
