"""The client against the real service for leaderboards: the bot reads boards, tops and ranks; admins declare
boards, change them and take cheaters out of runs; each refusal is raised as its own class."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from rewards_client import (
    Forbidden,
    LeaderboardNotFound,
    LeaderboardTaken,
    NotFound,
    PrizeNotAwarded,
    RewardsClient,
    RunNotFound,
)
from rewards_contract.leaderboards import MAX_AROUND, MAX_TOP, BoardPeriod, LeaderboardView, Standings

from service.db import collections
from service.http.keys import RUNTIME
from service.usecases.closings import close_runs
from tests.support.client_server import SHORT_TIMEOUT, RunningService
from tests.support.environment import ADMIN_TOKEN
from tests.support.factories import reward_payload
from tests.support.feed import relay_all

USER = 7007
SLUG = "daily-points"
BOARD = {"slug": SLUG, "name": "Daily points", "ranks": "total_points", "period": "daily"}
AWARDED = [{"condition_type": "awarded"}]
LOSSES = ["503", "no_answer", "dropped", "database_unavailable"]


async def points(bot: RewardsClient, user_id: int, amount: int, event_id: str | None = None) -> None:
    await bot.send_event(user_id, "points", event_id=event_id or f"points-{user_id}-{amount}", amount=amount)


def ranking(standings: Standings) -> list[tuple[int, int, int]]:
    return [(entry.rank, entry.user_id, entry.score) for entry in standings.entries]


def current_key(board: LeaderboardView) -> str:
    assert board.current_run is not None
    return board.current_run.key


async def closed(service: RunningService, board: LeaderboardView) -> None:
    """Move the clock past the board's current run (and its grace period) and run one pass of the closing job."""
    assert board.current_run is not None
    assert board.current_run.ends_at is not None
    service.clock.now = board.current_run.ends_at + timedelta(minutes=2)
    await close_runs(service.app[RUNTIME])


# --- reading ---------------------------------------------------------------------------------------


async def test_admin_declares_a_board_and_the_bot_reads_it_with_its_current_run(service, admin, bot):
    declared = await admin.declare_leaderboard(BOARD)
    assert (declared.slug, declared.ranks, declared.period) == (SLUG, "total_points", BoardPeriod.DAILY)
    assert current_key(declared) == service.clock().date().isoformat()

    assert [board.slug for board in (await bot.list_leaderboards()).leaderboards] == [SLUG]
    read = await bot.leaderboard(SLUG)
    assert (read.name, read.current_run) == ("Daily points", declared.current_run)
    assert [run.key for run in (await bot.leaderboard_runs(SLUG)).runs] == [current_key(declared)]


async def test_the_top_ranks_what_events_added_best_first(service, admin, bot):
    await admin.declare_leaderboard(BOARD)
    for user_id, amount in ((1, 30), (2, 50), (3, 10)):
        await points(bot, user_id, amount)
    top = await bot.top(SLUG)
    assert (top.board, ranking(top)) == (SLUG, [(1, 2, 50), (2, 1, 30), (3, 3, 10)])
    assert ranking(await bot.top(SLUG, limit=2)) == [(1, 2, 50), (2, 1, 30)]


async def test_a_users_rank_comes_with_the_users_around_them_or_alone(service, admin, bot):
    await admin.declare_leaderboard(BOARD)
    for user_id in range(1, 6):
        await points(bot, user_id, user_id * 10)
    mine = await bot.rank(SLUG, 3, around=1)
    assert (mine.user_id, mine.rank, mine.score) == (3, 3, 30)
    assert [(r.rank, r.user_id) for r in mine.above] == [(2, 4)]
    assert [(r.rank, r.user_id) for r in mine.below] == [(4, 2)]
    alone = await bot.rank(SLUG, 3, around=0)
    assert (alone.rank, alone.above, alone.below) == (3, [], [])
    nobody = await bot.rank(SLUG, USER)
    assert (nobody.rank, nobody.score, nobody.above) == (None, 0, [])


async def test_a_past_run_is_read_by_its_key_and_listed_once_closed(service, admin, bot):
    declared = await admin.declare_leaderboard(BOARD)
    yesterday = current_key(declared)
    await points(bot, 1, 10)
    await closed(service, declared)
    await points(bot, 2, 4)

    assert ranking(await bot.top(SLUG)) == [(1, 2, 4)]
    past = await bot.top(SLUG, run=yesterday)
    assert (past.run.key, past.run.closed, ranking(past)) == (yesterday, True, [(1, 1, 10)])
    assert ((await bot.rank(SLUG, 1, run=yesterday)).rank, (await bot.rank(SLUG, 1)).rank) == (1, None)
    today = current_key(await bot.leaderboard(SLUG))
    assert [(run.key, run.closed) for run in (await bot.leaderboard_runs(SLUG)).runs] == [
        (today, False),
        (yesterday, True),
    ]


async def test_a_prize_arrives_as_an_unlock_in_the_feed_and_is_claimed_as_usual(service, admin, bot):
    await admin.create_reward(reward_payload(slug="champion", conditions=AWARDED, reward_value={"amount": 500}))
    declared = await admin.declare_leaderboard(
        {**BOARD, "prizes": [{"from_rank": 1, "to_rank": 1, "reward": "champion"}]}
    )
    await points(bot, USER, 10)
    await points(bot, USER + 1, 5)
    await closed(service, declared)
    await relay_all(service.clock)

    listed = [entry async for entry in bot.feed(follow=False)]
    assert sorted(entry.type for entry in listed) == ["leaderboard_closed", "reward_unlocked"]
    entries = {entry.type: entry for entry in listed}
    assert (entries["reward_unlocked"].user_id, entries["reward_unlocked"].reward_slug) == (USER, "champion")
    closing = entries["leaderboard_closed"]  # the community's entry: no user, no reward
    assert (closing.user_id, closing.reward_slug, closing.data["board"]) == (None, None, SLUG)
    grant = await bot.claim(USER, "champion")
    assert (grant.reward, grant.reward_value) == ("champion", {"amount": 500})


async def test_the_bot_sees_a_secret_prize_by_its_hints_id(service, admin, bot):
    await admin.create_reward(reward_payload(slug="crown", conditions=AWARDED, is_secret=True, hint="Be the best"))
    await admin.declare_leaderboard({**BOARD, "prizes": [{"from_rank": 1, "to_rank": 1, "reward": "crown"}]})
    [prize] = (await bot.leaderboard(SLUG)).prizes
    assert prize.reward.startswith("h_")
    assert [p.reward for p in (await admin.leaderboard(SLUG)).prizes] == ["crown"]


async def test_a_season_not_open_yet_has_no_current_run_to_rank(service, admin, bot):
    starts = datetime(2999, 1, 1, tzinfo=UTC)
    season = {**BOARD, "period": "season", "starts_at": starts, "ends_at": starts + timedelta(days=30)}
    declared = await admin.declare_leaderboard(season)
    assert declared.current_run is None
    with pytest.raises(RunNotFound):
        await bot.top(SLUG)


# --- managing --------------------------------------------------------------------------------------


async def test_admin_changes_a_boards_texts_and_prizes(service, admin, bot):
    await admin.declare_leaderboard(BOARD)
    await admin.create_reward(reward_payload(slug="champion", conditions=AWARDED))
    prizes = [{"from_rank": 1, "to_rank": 3, "reward": "champion"}]
    patched = await admin.patch_leaderboard(SLUG, name="Points of the day", prizes=prizes)
    assert (patched.name, patched.ranks) == ("Points of the day", "total_points")
    assert [(p.from_rank, p.to_rank, p.reward) for p in patched.prizes] == [(1, 3, "champion")]
    assert (await bot.leaderboard(SLUG)).name == "Points of the day"


async def test_a_patch_is_checked_before_sending(service, admin):
    with pytest.raises(ValidationError):
        await admin.patch_leaderboard(SLUG)  # nothing to change
    with pytest.raises(ValidationError):
        await admin.patch_leaderboard(SLUG, ranks="messages_sent")  # what a board ranks never changes
    assert service.faults.count("PATCH", f"/v1/leaderboards/{SLUG}") == 0


async def test_a_prize_that_events_could_unlock_raises_prize_not_awarded(service, admin):
    await admin.declare_leaderboard(BOARD)
    await admin.create_reward(
        reward_payload(slug="earned", conditions=[{"condition_type": "total_points", "value": 5}])
    )
    with pytest.raises(PrizeNotAwarded) as caught:
        await admin.patch_leaderboard(SLUG, prizes=[{"from_rank": 1, "to_rank": 1, "reward": "earned"}])
    assert [d["field"] for d in caught.value.details or []] == ["prizes[0].reward"]


async def test_admin_takes_a_user_out_of_a_run_and_the_others_move_up(service, admin, bot):
    run = current_key(await admin.declare_leaderboard(BOARD))
    for user_id, amount in ((1, 90), (2, 50), (3, 20)):
        await points(bot, user_id, amount)
    removal = await admin.remove_from_run(SLUG, run, 1, "bots")
    assert (removal.board, removal.run, removal.user_id, removal.reason) == (SLUG, run, 1, "bots")
    assert removal.after_closing is False
    assert ranking(await bot.top(SLUG)) == [(1, 2, 50), (2, 3, 20)]
    assert (await bot.rank(SLUG, 1)).rank is None
    with pytest.raises(Forbidden):
        await bot.remove_from_run(SLUG, run, 2, "the bot may not")


@pytest.mark.parametrize("how", LOSSES)
async def test_a_removal_whose_answer_was_lost_is_sent_again_and_takes_the_user_out_once(service, admin, bot, how):
    run = current_key(await admin.declare_leaderboard(BOARD))
    await points(bot, 1, 90)
    await points(bot, 2, 50)
    removals = f"/v1/leaderboards/{SLUG}/runs/{run}/removals"
    service.faults.spoil("POST", removals, how, retry_after="0.05")
    async with service.client(ADMIN_TOKEN, timeout=SHORT_TIMEOUT) as impatient:
        removal = await impatient.remove_from_run(SLUG, run, 1, "bots")

    assert service.faults.count("POST", removals) == 2
    assert (removal.user_id, removal.reason) == (1, "bots")
    assert ranking(await bot.top(SLUG)) == [(1, 2, 50)]
    assert await collections.board_scores().count_documents({"board": SLUG, "user_id": 1}) == 1


# --- refusals --------------------------------------------------------------------------------------


async def test_an_unknown_board_raises_leaderboard_not_found_and_is_not_retried(service, bot):
    with pytest.raises(LeaderboardNotFound) as caught:
        await bot.top("nowhere")
    assert (caught.value.status, caught.value.code) == (404, "leaderboard_not_found")
    assert isinstance(caught.value, NotFound)
    assert service.faults.count("GET", "/v1/leaderboards/nowhere/top") == 1
    for read in (bot.leaderboard("nowhere"), bot.leaderboard_runs("nowhere"), bot.rank("nowhere", USER)):
        with pytest.raises(LeaderboardNotFound):
            await read


async def test_a_run_the_board_does_not_have_raises_run_not_found(service, admin, bot):
    await admin.declare_leaderboard(BOARD)
    with pytest.raises(RunNotFound) as caught:
        await bot.top(SLUG, run="2026-W01")  # a week's key, of a daily board
    assert (caught.value.status, caught.value.code) == (404, "run_not_found")
    with pytest.raises(RunNotFound):
        await bot.rank(SLUG, USER, run="2026-W01")
    with pytest.raises(RunNotFound):
        await admin.remove_from_run(SLUG, "2026-W01", USER, "no such run")


async def test_declaring_a_taken_slug_raises_leaderboard_taken(service, admin):
    await admin.declare_leaderboard(BOARD)
    with pytest.raises(LeaderboardTaken) as caught:
        await admin.declare_leaderboard({**BOARD, "period": "weekly"})
    assert caught.value.status == 409
    assert service.faults.count("POST", "/v1/leaderboards") == 2  # a refusal is never retried


@pytest.mark.parametrize(
    "call",
    [
        lambda bot: bot.top(SLUG, limit=MAX_TOP + 1),
        lambda bot: bot.top(SLUG, limit=0),
        lambda bot: bot.rank(SLUG, USER, around=MAX_AROUND + 1),
        lambda bot: bot.declare_leaderboard({**BOARD, "period": "season"}),  # a season needs its bounds
        lambda bot: bot.remove_from_run(SLUG, "2026-12-07", USER, ""),  # a removal needs a reason
    ],
    ids=["limit-too-large", "limit-zero", "around-too-large", "season-without-bounds", "removal-without-reason"],
)
async def test_what_the_service_would_refuse_is_refused_before_sending(service, bot, call: Any):
    with pytest.raises(ValidationError):
        await call(bot)
    assert [seen.path for seen in service.faults.seen] == []
