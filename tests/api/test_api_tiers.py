"""Tiers: bronze, silver and gold of one metric; collapsed, the user sees where they stand and what comes next."""

from tests.support.api import claim, create_reward, refused, set_facts, user_rewards
from tests.support.environment import ADMIN

USER = 51


def points(value: int) -> list[dict]:
    return [{"condition_type": "total_points", "value": value}]


async def _series(client) -> None:
    for slug, tier, value in (("bronze", 1, 10), ("silver", 2, 20), ("gold", 5, 30)):  # a gap between 2 and 5
        await create_reward(client, slug=slug, series="chatter", tier=tier, conditions=points(value), sort_order=tier)
    await create_reward(client, slug="standalone", conditions=points(10), sort_order=9)


async def test_collapsed_shows_the_lowest_tier_alone_while_none_is_claimed(client):
    await _series(client)
    listed = await user_rewards(client, USER, tiers="collapsed")
    assert list(listed) == ["bronze", "standalone"]


async def test_collapsed_shows_the_highest_claimed_tier_and_the_next_one_above_it(client):
    await _series(client)
    await set_facts(client, USER, total_points=25)
    await claim(client, USER, "bronze")
    assert list(await user_rewards(client, USER, tiers="collapsed")) == ["bronze", "silver", "standalone"]
    await claim(client, USER, "silver")
    collapsed = await user_rewards(client, USER, tiers="collapsed")
    assert list(collapsed) == ["silver", "gold", "standalone"]
    assert (collapsed["gold"]["tier"], collapsed["gold"]["progress"][0]["current"]) == (5, 25)


async def test_without_the_parameter_every_tier_is_listed(client):
    await _series(client)
    assert list(await user_rewards(client, USER)) == ["bronze", "silver", "gold", "standalone"]


async def test_two_rewards_of_one_series_may_not_share_a_tier(client):
    await _series(client)
    response = await client.post(
        "/v1/rewards",
        json={
            "slug": "other-silver",
            "name": "Other",
            "reward_type": "besitos",
            "reward_value": {"amount": 1},
            "series": "chatter",
            "tier": 2,
            "conditions": points(5),
        },
        headers=ADMIN,
    )
    await refused(response, 409, "tier_taken")
    moved = await client.patch("/v1/rewards/gold", json={"tier": 1}, headers=ADMIN)
    await refused(moved, 409, "tier_taken")


async def test_a_series_needs_its_tier_and_a_tier_its_series(client):
    for fields in ({"series": "chatter"}, {"tier": 1}):
        response = await client.post(
            "/v1/rewards",
            json={
                "slug": "half",
                "name": "Half",
                "reward_type": "besitos",
                "reward_value": {"amount": 1},
                "conditions": [],
                **fields,
            },
            headers=ADMIN,
        )
        await refused(response, 422, "validation_error")
