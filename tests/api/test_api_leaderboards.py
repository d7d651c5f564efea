"""Leaderboards: admins declare them, events feed the current run, the bot reads the top and one user's rank."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from service.db import collections
from service.http.keys import RUNTIME
from service.usecases.closings import close_runs
from tests.support.api import (
    AWARDED,
    board_with_a_prize,
    claim,
    create_reward,
    declare_board,
    declare_counter,
    refused,
    send_event,
    set_facts,
    user_rewards,
)
from tests.support.environment import ADMIN, BOT
from tests.support.feed import feed_page, follow_to_the_end, relay_all

PRIZE = AWARDED


async def points(client: Any, user_id: int, event_id: str, amount: int) -> None:
    await send_event(client, user_id, event_id, "points", amount=amount)


async def top(client: Any, slug: str = "daily-points", run: str | None = None, **query: Any) -> dict[str, Any]:
    path = f"/v1/leaderboards/{slug}/top" if run is None else f"/v1/leaderboards/{slug}/runs/{run}/top"
    response = await client.get(path, params=query, headers=BOT)
    assert response.status == 200, await response.text()
    return await response.json()


def ranking(standings: dict[str, Any]) -> list[tuple[int, int, int]]:
    return [(entry["rank"], entry["user_id"], entry["score"]) for entry in standings["entries"]]


async def rank_of(client: Any, user_id: int, slug: str = "daily-points", **query: Any) -> dict[str, Any]:
    response = await client.get(f"/v1/leaderboards/{slug}/users/{user_id}", params=query, headers=BOT)
    assert response.status == 200, await response.text()
    return await response.json()


async def close(client: Any) -> Any:
    return await close_runs(client.app[RUNTIME])


def after_the_run(clock: Any, board: dict[str, Any], **delta: float) -> None:
    """Move the clock to this long after the board's current run ends."""
    clock.now = datetime.fromisoformat(board["current_run"]["ends_at"]) + timedelta(**delta)


# --- declaring ---


async def test_a_declared_board_shows_its_current_run_to_both_tokens(client, clock):
    declared = await declare_board(client)
    today = clock().date().isoformat()
    assert declared["current_run"]["key"] == today
    for token in (BOT, ADMIN):
        listed = await (await client.get("/v1/leaderboards", headers=token)).json()
        assert [board["slug"] for board in listed["leaderboards"]] == ["daily-points"]


async def test_only_an_admin_declares_a_board(client):
    body = {"slug": "b", "name": "B", "ranks": "total_points", "period": "daily"}
    await refused(await client.post("/v1/leaderboards", json=body, headers=BOT), 403, "forbidden")


@pytest.mark.parametrize(
    ("fields", "status", "code", "field"),
    [
        ({"ranks": "messages_sent"}, 422, "unknown_counter", "ranks"),
        ({"ranks": "level"}, 422, "unknown_counter", "ranks"),  # set, not added: nothing to rank
        ({"period": "season"}, 422, "validation_error", "starts_at"),
        (
            {"period": "all_time", "prizes": [{"from_rank": 1, "to_rank": 1, "reward": "x"}]},
            422,
            "validation_error",
            "prizes",
        ),
        ({"prizes": [{"from_rank": 2, "to_rank": 1, "reward": "x"}]}, 422, "validation_error", "prizes[0].to_rank"),
        ({"prizes": [{"from_rank": 1, "to_rank": 1, "reward": "nowhere"}]}, 422, "unknown_reward", "prizes[0].reward"),
    ],
)
async def test_a_board_that_could_not_work_is_refused_and_nothing_is_stored(client, fields, status, code, field):
    body = {"slug": "b", "name": "B", "ranks": "total_points", "period": "daily", **fields}
    error = await refused(await client.post("/v1/leaderboards", json=body, headers=ADMIN), status, code)
    assert field in [detail["field"] for detail in error["details"]]
    assert await collections.leaderboards().count_documents({}) == 0


async def test_a_value_counter_cannot_be_ranked(client):
    await declare_counter(client, "mood", kind="value")
    body = {"slug": "b", "name": "B", "ranks": "mood", "period": "daily"}
    await refused(await client.post("/v1/leaderboards", json=body, headers=ADMIN), 422, "wrong_counter_kind")


async def test_a_prize_must_be_a_reward_no_event_unlocks(client):
    # A reward with conditions (or none) would unlock for every user who meets them on their next event.
    await create_reward(client, slug="earned", conditions=[{"condition_type": "total_points", "value": 10}])
    error = await refused(
        await client.post(
            "/v1/leaderboards",
            json={
                "slug": "b",
                "name": "B",
                "ranks": "total_points",
                "period": "daily",
                "prizes": [{"from_rank": 1, "to_rank": 1, "reward": "earned"}],
            },
            headers=ADMIN,
        ),
        422,
        "prize_not_awarded",
    )
    assert error["details"][0]["field"] == "prizes[0].reward"


async def test_awarded_is_a_rewards_only_condition(client):
    response = await client.post(
        "/v1/rewards",
        json={
            "slug": "mixed",
            "name": "Mixed",
            "reward_type": "badge",
            "reward_value": {"badge_name": "M", "emoji": "🏅"},
            "conditions": [{"condition_type": "awarded"}, {"condition_type": "total_points", "value": 5}],
        },
        headers=ADMIN,
    )
    error = await refused(response, 422, "validation_error")
    assert error["details"][0]["field"] == "conditions[0]"


async def test_an_awarded_reward_never_unlocks_through_events(client):
    await create_reward(client, slug="trophy", conditions=PRIZE)
    await points(client, 7, "e1", 1000)
    await set_facts(client, 7, total_points=5000, level=50)
    assert (await user_rewards(client, 7))["trophy"]["status"] == "locked"


# --- scores and standings ---


async def test_the_top_ranks_by_what_events_added_and_ties_go_to_who_reached_it_first(client, clock):
    await declare_board(client)
    await points(client, 1, "a", 50)
    clock.advance(seconds=1)
    await points(client, 2, "b", 30)
    clock.advance(seconds=1)
    await points(client, 3, "c", 50)  # ties with user 1, later
    clock.advance(seconds=1)
    await points(client, 2, "d", 5)
    standings = await top(client)
    assert ranking(standings) == [(1, 1, 50), (2, 3, 50), (3, 2, 35)]
    assert ranking(await top(client, limit=2)) == [(1, 1, 50), (2, 3, 50)]


async def test_facts_set_directly_do_not_score(client):
    await declare_board(client)
    await set_facts(client, 1, total_points=900)
    assert ranking(await top(client)) == []


async def test_a_replayed_event_scores_once(client):
    await declare_board(client)
    await points(client, 1, "same", 40)
    await points(client, 1, "same", 40)
    await points(client, 1, "other", 2)
    assert ranking(await top(client)) == [(1, 1, 42)]


async def test_concurrent_events_of_one_user_all_score(client):
    await declare_board(client)
    await asyncio.gather(*(points(client, 1, f"e{n}", 3) for n in range(20)))
    assert ranking(await top(client)) == [(1, 1, 60)]


async def test_a_users_rank_comes_with_the_users_around_them(client, clock):
    await declare_board(client)
    for user_id in range(1, 8):
        await points(client, user_id, f"e{user_id}", user_id * 10)
        clock.advance(seconds=1)
    mine = await rank_of(client, 4, around=2)
    assert (mine["rank"], mine["score"]) == (4, 40)
    assert [(r["rank"], r["user_id"]) for r in mine["above"]] == [(2, 6), (3, 5)]
    assert [(r["rank"], r["user_id"]) for r in mine["below"]] == [(5, 3), (6, 2)]
    first = await rank_of(client, 7, around=2)
    assert (first["rank"], first["above"]) == (1, [])
    nobody = await rank_of(client, 99)
    assert (nobody["rank"], nobody["score"], nobody["below"]) == (None, 0, [])


async def test_a_new_run_starts_from_nothing_and_the_last_one_can_still_be_read(client, clock):
    board = await declare_board(client)
    yesterday = board["current_run"]["key"]
    await points(client, 1, "a", 10)
    clock.advance(days=1)
    await points(client, 1, "b", 3)
    await points(client, 2, "c", 4)
    assert ranking(await top(client)) == [(1, 2, 4), (2, 1, 3)]
    assert ranking(await top(client, run=yesterday)) == [(1, 1, 10)]


async def test_a_run_the_board_does_not_have_is_404(client):
    await declare_board(client)
    response = await client.get("/v1/leaderboards/daily-points/runs/2026-W01/top", headers=BOT)
    await refused(response, 404, "run_not_found")
    response = await client.get("/v1/leaderboards/nowhere/top", headers=BOT)
    await refused(response, 404, "leaderboard_not_found")


async def test_a_counter_board_ranks_count_events(client):
    await declare_counter(client, "messages_sent")
    await declare_board(client, "chatters", ranks="messages_sent", period="weekly")
    await send_event(client, 1, "m1", "counter", counter="messages_sent", amount=3)
    await send_event(client, 2, "m2", "counter", counter="messages_sent", amount=5)
    assert ranking(await top(client, "chatters")) == [(1, 2, 5), (2, 1, 3)]


# --- moderation ---


async def test_a_removed_user_leaves_the_run_and_the_others_move_up(client, clock):
    board = await declare_board(client)
    run = board["current_run"]["key"]
    for user_id, amount in ((1, 90), (2, 50), (3, 20)):
        await points(client, user_id, f"e{user_id}", amount)
    response = await client.post(
        f"/v1/leaderboards/daily-points/runs/{run}/removals", json={"user_id": 1, "reason": "bots"}, headers=ADMIN
    )
    assert response.status == 201
    assert (await response.json())["after_closing"] is False
    await points(client, 1, "again", 500)  # their later events leave them out too
    assert ranking(await top(client)) == [(1, 2, 50), (2, 3, 20)]
    assert (await rank_of(client, 1))["rank"] is None


async def test_only_an_admin_removes_a_user(client):
    board = await declare_board(client)
    response = await client.post(
        f"/v1/leaderboards/daily-points/runs/{board['current_run']['key']}/removals",
        json={"user_id": 1, "reason": "x"},
        headers=BOT,
    )
    await refused(response, 403, "forbidden")


# --- closing and prizes ---


async def prized_board(client: Any) -> dict[str, Any]:
    await create_reward(client, slug="champion", conditions=PRIZE, reward_type="besitos", reward_value={"amount": 500})
    await create_reward(client, slug="podium", conditions=PRIZE, reward_type="besitos", reward_value={"amount": 100})
    return await declare_board(
        client,
        prizes=[
            {"from_rank": 1, "to_rank": 1, "reward": "champion"},
            {"from_rank": 2, "to_rank": 3, "reward": "podium"},
        ],
    )


async def test_a_closed_run_unlocks_its_prizes_for_the_ranks_once(client, clock):
    board = await prized_board(client)
    for user_id, amount in ((1, 90), (2, 50), (3, 20), (4, 10)):
        await points(client, user_id, f"e{user_id}", amount)
    after_the_run(clock, board, seconds=30)
    assert (await close(client)).closed == 0  # within the grace period: late events may still land
    after_the_run(clock, board, minutes=2)
    done = await close(client)
    assert (done.closed, done.given) == (1, 3)
    assert (await user_rewards(client, 1))["champion"]["status"] == "unlocked"
    assert [(await user_rewards(client, u))["podium"]["status"] for u in (2, 3, 4)] == [
        "unlocked",
        "unlocked",
        "locked",
    ]
    again = await close(client)
    assert (again.closed, again.given) == (0, 0)
    assert await collections.user_rewards().count_documents({"unlocked_by": {"$regex": "^leaderboard:"}}) == 3
    past = await top(client, run=board["current_run"]["key"])
    assert past["run"]["closed"] is True
    assert (await claim(client, 1, "champion"))[0] == 200


async def a_run_closed_twice_at_once(client: Any, clock: Any) -> dict[str, Any]:
    """Users 1 and 2 score 90 and 50 on the prized board; its run ends, and two closings run at once."""
    board = await prized_board(client)
    for user_id, amount in ((1, 90), (2, 50)):
        await points(client, user_id, f"e{user_id}", amount)
    after_the_run(clock, board, minutes=2)
    runtime = client.app[RUNTIME]
    await asyncio.gather(close_runs(runtime), close_runs(runtime))
    return board


async def test_two_instances_closing_one_run_give_one_set_of_prizes(client, clock):
    await a_run_closed_twice_at_once(client, clock)
    await close_runs(client.app[RUNTIME])
    assert await collections.board_closings().count_documents({}) == 1
    unlocked = (
        await collections.user_rewards().find({"status": "unlocked"}, {"user_id": 1, "reward_slug": 1}).to_list(None)
    )
    assert sorted((doc["user_id"], doc["reward_slug"]) for doc in unlocked) == [(1, "champion"), (2, "podium")]


async def test_a_winner_of_two_runs_gets_the_prize_twice(client, clock):
    board = await prized_board(client)
    await points(client, 1, "day1", 10)
    after_the_run(clock, board, minutes=2)
    await close(client)
    assert (await claim(client, 1, "champion"))[0] == 200
    await points(client, 1, "day2", 10)
    clock.advance(days=1)
    await close(client)
    assert (await user_rewards(client, 1))["champion"]["status"] == "unlocked"
    assert (await claim(client, 1, "champion"))[0] == 200
    assert await collections.grants().count_documents({"user_id": 1, "reward_slug": "champion"}) == 2


async def test_a_second_prize_waits_until_the_first_is_claimed(client, clock):
    board = await prized_board(client)
    await points(client, 1, "day1", 10)
    after_the_run(clock, board, minutes=2)
    await close(client)
    await points(client, 1, "day2", 10)
    clock.advance(days=1)
    waiting = await close(client)
    assert (waiting.closed, waiting.given, waiting.waiting) == (1, 0, 1)
    assert (await claim(client, 1, "champion"))[0] == 200
    done = await close(client)
    assert done.given == 1
    assert (await user_rewards(client, 1))["champion"]["status"] == "unlocked"


async def test_a_removal_after_closing_keeps_the_prizes_given(client, clock):
    board = await prized_board(client)
    run = board["current_run"]["key"]
    await points(client, 1, "a", 90)
    await points(client, 2, "b", 50)
    after_the_run(clock, board, minutes=2)
    await close(client)
    response = await client.post(
        f"/v1/leaderboards/daily-points/runs/{run}/removals", json={"user_id": 1, "reason": "bots"}, headers=ADMIN
    )
    assert (await response.json())["after_closing"] is True
    assert ranking(await top(client, run=run)) == [(1, 2, 50)]
    assert (await user_rewards(client, 1))["champion"]["status"] == "unlocked"


async def test_the_bot_sees_a_secret_prize_by_its_hints_id_and_the_admin_by_its_slug(client):
    await board_with_a_prize(client, "daily-points", "crown", is_secret=True, hint="Be the best")
    as_bot = await (await client.get("/v1/leaderboards/daily-points", headers=BOT)).json()
    as_admin = await (await client.get("/v1/leaderboards/daily-points", headers=ADMIN)).json()
    assert as_bot["prizes"][0]["reward"].startswith("h_")
    assert as_admin["prizes"][0]["reward"] == "crown"


async def test_the_feed_announces_each_closing_once_without_naming_the_prizes(client, clock):
    board = await a_run_closed_twice_at_once(client, clock)
    await relay_all(clock)
    await close_runs(client.app[RUNTIME])
    await relay_all(clock)
    entries, _ = await follow_to_the_end(client)
    [closed] = [entry for entry in entries if entry["type"] == "leaderboard_closed"]
    assert (closed["user_id"], closed["reward_slug"]) == (None, None)
    assert closed["data"]["board"] == "daily-points"
    assert closed["data"]["run"] == board["current_run"]["key"]
    assert [(p["rank"], p["user_id"], p["score"]) for p in closed["data"]["standings"]] == [(1, 1, 90), (2, 2, 50)]
    assert "champion" not in str(closed["data"])  # each winner's prize comes as their own unlock
    unlocked = sorted((e["user_id"], e["reward_slug"]) for e in entries if e["type"] == "reward_unlocked")
    assert (1, "champion") in unlocked
    assert (2, "podium") in unlocked
    only_closings = await feed_page(client, types="leaderboard_closed")
    assert [entry["type"] for entry in only_closings["entries"]] == ["leaderboard_closed"]
