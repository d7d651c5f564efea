"""Reward rarity: shares of users with facts, computed by one instance per interval, served from a stored board."""

import asyncio
import contextlib
from datetime import timedelta

from service.caches.rarity import RarityHolder
from service.db import collections
from service.engine.rarity import RarityBoard
from service.http.app import init_app
from service.http.keys import RUNTIME
from service.jobs import rarity_refresh
from service.jobs.rarity_refresh import refresh_rarity, run_rarity_refresher
from service.operations.expiry import sweep
from service.operations.rarity import (
    claim_refresh,
    compute_rarity,
    load_rarity_board,
    share,
    start_rarity_board,
)
from tests.support.api import claim, create_reward, set_facts
from tests.support.environment import FakeClock, drop_database, make_settings
from tests.support.stored import stored_one

INTERVAL = timedelta(seconds=300)
POINTS_10 = [{"condition_type": "total_points", "value": 10}]


async def build_history(client, clock: FakeClock) -> None:
    """Six users with facts; rewards unlocked, claimed (one twice), expired, and one nobody reached."""
    await create_reward(client, slug="pts", conditions=POINTS_10)
    await create_reward(client, slug="again", conditions=POINTS_10, is_repeatable=True)
    await create_reward(client, slug="flash", conditions=POINTS_10, claim_window_hours=1)
    await create_reward(client, slug="unreached", conditions=[{"condition_type": "total_points", "value": 1000}])
    for user in (1, 2, 3, 4):
        await set_facts(client, user, total_points=10)
    for user in (5, 6):
        await set_facts(client, user, total_points=5)
    for user in (1, 2):
        assert (await claim(client, user, "pts"))[0] == 200
    assert (await claim(client, 1, "flash"))[0] == 200
    assert (await claim(client, 1, "again"))[0] == 200
    await set_facts(client, 1, total_points=11)  # the repeatable reward unlocks again...
    assert (await claim(client, 1, "again"))[0] == 200  # ...and one user claiming twice is still one user
    clock.advance(hours=2)  # flash's window closes for users 2, 3 and 4: they unlocked it but never claimed
    assert (await sweep(clock())).expired == 3


async def counted_from_the_data(slug: str) -> tuple[int, int, int]:
    """(unlocked users, claimed users, users with facts), counted document by document."""
    states = await collections.user_rewards().find({"reward_slug": slug}).to_list(None)
    unlocked = {s["user_id"] for s in states if s.get("unlocked_at") is not None}
    claimed = {s["user_id"] for s in states if s.get("claim_count", 0) > 0}
    return len(unlocked), len(claimed), await collections.user_facts().count_documents({})


async def test_shares_are_the_counts_of_users_with_facts_who_unlocked_and_claimed(client, clock):
    await build_history(client, clock)

    await refresh_rarity(
        clock.advance(seconds=INTERVAL.total_seconds()), INTERVAL.total_seconds(), client.app[RUNTIME].rarity
    )

    board = client.app[RUNTIME].rarity.board
    assert board.as_of == clock()
    expected = {"pts": (4, 2), "again": (4, 1), "flash": (4, 1), "unreached": (0, 0)}
    for slug, (unlocked, claimed) in expected.items():
        assert await counted_from_the_data(slug) == (unlocked, claimed, 6)
        assert board.for_slug(slug) == {"unlocked_share": unlocked / 6, "claimed_share": claimed / 6, "as_of": clock()}


async def test_stored_figures_name_the_counts_for_analysts(client, clock):
    await build_history(client, clock)

    await compute_rarity(clock())

    stored = await stored_one(collections.reward_rarity(), {"_id": "flash"})
    assert stored == {
        "_id": "flash",
        "unlocked_users": 4,
        "claimed_users": 1,
        "users_with_facts": 6,
        "unlocked_share": 4 / 6,
        "claimed_share": 1 / 6,
        "as_of": clock(),
    }


async def test_a_reward_nobody_has_seen_has_shares_zero_as_of_the_board(client, clock):
    await build_history(client, clock)
    await compute_rarity(clock())

    board = await load_rarity_board()

    assert board is not None
    assert board.for_slug("never-unlocked") == {"unlocked_share": 0.0, "claimed_share": 0.0, "as_of": clock()}


async def test_start_up_computes_the_first_board_so_as_of_is_a_real_time(client, clock):
    board = client.app[RUNTIME].rarity.board

    assert board.as_of == clock()
    assert board.for_slug("anything") == {"unlocked_share": 0.0, "claimed_share": 0.0, "as_of": clock()}


async def test_a_reward_that_lost_every_user_state_is_zeroed(client, clock):
    await build_history(client, clock)
    await compute_rarity(clock())
    await collections.user_rewards().delete_many({"reward_slug": "pts"})

    await compute_rarity(clock.advance(seconds=1))

    stored = await stored_one(collections.reward_rarity(), {"_id": "pts"})
    assert (stored["unlocked_users"], stored["claimed_users"], stored["unlocked_share"]) == (0, 0, 0.0)
    assert stored["as_of"] == clock()


async def test_the_marker_lets_one_instance_compute_per_interval(database, clock):
    assert await claim_refresh(clock(), INTERVAL)
    assert not await claim_refresh(clock.advance(seconds=1), INTERVAL)  # another instance, just after
    assert not await claim_refresh(clock.advance(seconds=298), INTERVAL)
    assert await claim_refresh(clock.advance(seconds=1), INTERVAL)  # 300 s after the first


async def test_a_second_instance_loads_the_stored_board_instead_of_recomputing(client, clock):
    await build_history(client, clock)
    await compute_rarity(clock())  # the first instance's figures
    await set_facts(client, 7, total_points=10)  # new data a recomputation would count

    second = await start_rarity_board(clock.advance(seconds=INTERVAL.total_seconds() * 2))

    assert second == await load_rarity_board()
    assert second.for_slug("pts") == {
        "unlocked_share": 4 / 6,
        "claimed_share": 2 / 6,
        "as_of": clock.now - 2 * INTERVAL,
    }


async def test_a_refresh_inside_the_interval_reloads_what_another_instance_stored(client, clock):
    holder = RarityHolder(client.app[RUNTIME].rarity.board)
    await build_history(client, clock)
    assert await claim_refresh(clock(), INTERVAL)  # "another instance" wins and computes
    await compute_rarity(clock())

    await refresh_rarity(clock.advance(seconds=1), INTERVAL.total_seconds(), holder)

    assert holder.board == await load_rarity_board()
    assert holder.board.for_slug("pts")["claimed_share"] == 2 / 6


async def test_the_refresher_survives_a_failed_step_and_swaps_in_the_new_board(database, clock, monkeypatch):
    holder = RarityHolder(await start_rarity_board(clock()))
    clock.advance(seconds=1)
    steps = []
    refreshed = asyncio.Event()

    async def fails_once(*args):
        steps.append(args)
        if len(steps) == 1:
            raise RuntimeError("database unavailable")
        await refresh_rarity(*args)
        refreshed.set()

    monkeypatch.setattr(rarity_refresh, "refresh_rarity", fails_once)
    task = asyncio.create_task(run_rarity_refresher(1.0 / 1000, clock, holder))
    try:
        async with asyncio.timeout(5):
            await refreshed.wait()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert len(steps) >= 2
    assert holder.board.as_of == clock()


async def test_the_app_refreshes_its_board_at_the_interval_of_its_settings(aiohttp_client, clock, monkeypatch):
    started: list[tuple[float, RarityHolder]] = []

    def record_the_refresher(interval_seconds: float, _clock, holder: RarityHolder, **_options):
        started.append((interval_seconds, holder))
        return asyncio.sleep(3600)  # stands in for the loop until the app stops

    monkeypatch.setattr(rarity_refresh, "run_rarity_refresher", record_the_refresher)
    settings = make_settings(rarity_seconds=42.5)
    client = await aiohttp_client(init_app(settings, clock=clock))
    try:
        assert started == [(42.5, client.app[RUNTIME].rarity)]
    finally:
        await client.close()
        await drop_database(settings)


def test_shares_are_zero_without_users_and_never_above_one():
    assert share(0, 0) == 0.0
    assert share(3, 0) == 0.0
    assert share(1, 4) == 0.25
    assert share(5, 4) == 1.0


def test_a_board_answers_plain_values():
    board = RarityBoard(as_of=FakeClock()(), shares={"pts": (0.5, 0.25)})
    assert board.for_slug("pts") == {"unlocked_share": 0.5, "claimed_share": 0.25, "as_of": board.as_of}
