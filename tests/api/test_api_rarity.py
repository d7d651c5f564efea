"""Rarity through the real app: every reward in the catalogue and the user's list says how rare it is."""

from datetime import datetime, timedelta

from service.http.keys import RUNTIME, SETTINGS
from service.jobs.rarity_refresh import refresh_rarity
from tests.support.api import claim, create_reward, set_facts, user_rewards
from tests.support.environment import BOT

POINTS_10 = [{"condition_type": "total_points", "value": 10}]


async def _refresh(client, clock) -> None:
    """What the background refresher does once its interval has passed."""
    app = client.server.app
    clock.advance(seconds=app[SETTINGS].rarity_seconds + 1)
    await refresh_rarity(clock(), app[SETTINGS].rarity_seconds, app[RUNTIME].rarity)


async def test_catalogue_and_user_lists_carry_the_shares_of_the_latest_computation(client, clock):
    await create_reward(client, slug="common", conditions=POINTS_10)
    await create_reward(client, slug="never", conditions=[{"condition_type": "total_points", "value": 999}])
    for user in (1, 2, 3, 4):
        await set_facts(client, user, total_points=10 if user <= 2 else 1)  # users 1, 2 unlock "common"
    assert (await claim(client, 1, "common"))[0] == 200

    before = (await user_rewards(client, 1))["common"]["rarity"]
    assert (before["unlocked_share"], before["claimed_share"]) == (0, 0)  # computed before anyone played

    await _refresh(client, clock)
    catalogue = {r["slug"]: r for r in (await (await client.get("/v1/rewards", headers=BOT)).json())["rewards"]}
    common = catalogue["common"]["rarity"]
    assert (common["unlocked_share"], common["claimed_share"]) == (0.5, 0.25)  # 2 and 1 of 4 users with facts
    assert datetime.fromisoformat(common["as_of"]) == clock.now
    never = catalogue["never"]["rarity"]
    assert (never["unlocked_share"], never["claimed_share"]) == (0, 0)
    mine = (await user_rewards(client, 3))["common"]["rarity"]
    assert mine == common  # every reader sees the same stored figures


async def test_the_figures_do_not_move_between_computations(client, clock):
    await create_reward(client, slug="common", conditions=POINTS_10)
    await set_facts(client, 1, total_points=10)
    await _refresh(client, clock)
    first = (await user_rewards(client, 1))["common"]["rarity"]
    await set_facts(client, 2, total_points=10)  # a new unlock: counted at the next computation only
    clock.advance(seconds=1)
    assert (await user_rewards(client, 2))["common"]["rarity"] == first
    await _refresh(client, clock)
    assert (await user_rewards(client, 2))["common"]["rarity"]["unlocked_share"] == 1
    assert timedelta(0) < clock.now - datetime.fromisoformat(first["as_of"])
