"""Seed files declare leaderboards with the API's checks: new ones declared, changed ones updated, unchanged ones left."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from rewards_contract.leaderboards import MAX_LEADERBOARDS, LeaderboardDefinition

from service.db import collections
from service.db.connection import Database
from service.operations import leaderboards
from service.operations.catalog_version import current_catalog_version
from service.operations.rewards import load_active_rewards
from service.usecases.seeding import InvalidRewardFiles, apply_seed_plan, read_seed_plan, seed_catalog
from tests.support.factories import reward_payload
from tests.support.stored import stored_one

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
MESSAGES = {"name": "messages_sent", "kind": "count", "display_name": "Messages sent"}
PRIZE = reward_payload(slug="chatter-of-the-week", conditions=[{"condition_type": "awarded"}])


def weekly(slug: str = "weekly-chatters", **fields: Any) -> dict[str, Any]:
    """A weekly board of messages_sent whose winner gets the prize."""
    board = {
        "slug": slug,
        "name": "Top chatters of the week",
        "ranks": "messages_sent",
        "period": "weekly",
        "prizes": [{"from_rank": 1, "to_rank": 1, "reward": "chatter-of-the-week"}],
    }
    return board | fields


def write(path: Path, boards: list[dict[str, Any]], rewards: list[dict[str, Any]] | None = None) -> Path:
    """A seed file declaring the counter, the prize (or `rewards`) and these boards."""
    data = {"counters": [MESSAGES], "rewards": [PRIZE] if rewards is None else rewards, "leaderboards": boards}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


async def stored_board(slug: str = "weekly-chatters") -> dict[str, Any]:
    return await stored_one(collections.leaderboards(), {"slug": slug})


async def problems_of(paths: list[Path], *, prune: bool = False) -> list[str]:
    with pytest.raises(InvalidRewardFiles) as refused:
        await read_seed_plan(paths, prune=prune)
    return [str(problem) for problem in refused.value.problems]


async def test_a_file_declares_a_board_with_its_counter_and_prize(database: Database, tmp_path: Path) -> None:
    plan = await seed_catalog([write(tmp_path / "b.yaml", [weekly()])], T0)

    assert [change.describe() for change in plan.all_changes] == [
        "create counter messages_sent",
        "create chatter-of-the-week",
        "create leaderboard weekly-chatters",
    ]
    assert plan.summary.endswith("; leaderboards: created 1, updated 0, unchanged 0, deactivated 0")
    board = await stored_board()
    assert (board["ranks"], board["period"], board["created_at"]) == ("messages_sent", "weekly", T0)
    assert board["prizes"] == [{"from_rank": 1, "to_rank": 1, "reward": "chatter-of-the-week"}]
    assert "weekly-chatters" in (await load_active_rewards()).boards_by_slug  # events feed it
    assert await current_catalog_version() == 1  # the counter, the prize and the board: one change


async def test_a_second_run_with_the_same_board_writes_nothing(database: Database, tmp_path: Path) -> None:
    season = weekly("winter", period="season", starts_at="2026-12-01T00:00:00Z", ends_at="2027-01-01T00:00:00Z")
    file = write(tmp_path / "b.yaml", [weekly(), season])
    await seed_catalog([file], T0)

    again = await seed_catalog([file], T1)

    assert again.board_writes == []
    assert again.summary.endswith("; leaderboards: created 0, updated 0, unchanged 2, deactivated 0")
    assert (await stored_board())["updated_at"] == T0
    assert (await stored_board("winter"))["starts_at"] == datetime(2026, 12, 1, tzinfo=UTC)
    assert await current_catalog_version() == 1


async def test_changed_texts_and_prizes_update_the_board_and_keep_its_creation(
    database: Database, tmp_path: Path
) -> None:
    file = write(tmp_path / "b.yaml", [weekly()])
    await seed_catalog([file], T0)
    podium = [{"from_rank": 1, "to_rank": 3, "reward": "chatter-of-the-week"}]
    spanish = {"es": {"name": "Los que más hablan de la semana"}}

    write(file, [weekly(name="Chattiest of the week", translations=spanish, prizes=podium)])
    plan = await seed_catalog([file], T1)

    assert [change.describe() for change in plan.board_changes] == [
        "update leaderboard weekly-chatters: name, prizes, translations"
    ]
    board = await stored_board()
    assert (board["name"], board["prizes"], board["translations"]["es"]["name"]) == (
        "Chattiest of the week",
        podium,
        "Los que más hablan de la semana",
    )
    assert (board["created_at"], board["updated_at"]) == (T0, T1)
    assert await current_catalog_version() == 2


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"ranks": "total_points"}, "leaderboards.ranks"),
        ({"period": "daily"}, "leaderboards.period"),
    ],
)
async def test_what_a_board_ranks_and_its_runs_never_change(
    database: Database, tmp_path: Path, changed: dict[str, Any], field: str
) -> None:
    file = write(tmp_path / "b.yaml", [weekly()])
    await seed_catalog([file], T0)

    (problem,) = await problems_of([write(file, [weekly(**changed)])])

    assert problem.startswith(f"{file}: item 0: field '{field}': leaderboard 'weekly-chatters' is stored with")
    assert "never change" in problem
    assert (await stored_board())["ranks"] == "messages_sent"
    assert await current_catalog_version() == 1


async def test_season_bounds_never_change(database: Database, tmp_path: Path) -> None:
    bounds = {"period": "season", "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z"}
    file = write(tmp_path / "b.yaml", [weekly(**bounds)])
    await seed_catalog([file], T0)

    (problem,) = await problems_of([write(file, [weekly(**{**bounds, "ends_at": "2027-01-08T00:00:00Z"})])])

    assert "field 'leaderboards.ends_at': leaderboard 'weekly-chatters' is stored with ends_at 2027-01-01" in problem


@pytest.mark.parametrize(
    ("prize", "code"),
    [
        (reward_payload(slug="chatter-of-the-week"), "prize_not_awarded"),  # a streak would unlock it for anyone
        (reward_payload(slug="another-reward"), "unknown_reward"),
    ],
)
async def test_a_bad_prize_is_refused_naming_the_file_and_field_and_nothing_is_written(
    database: Database, tmp_path: Path, prize: dict[str, Any], code: str
) -> None:
    file = write(tmp_path / "b.yaml", [weekly()], rewards=[prize])

    (problem,) = await problems_of([file])

    assert problem.startswith(f"{file}: item 0: field 'leaderboards.prizes[0].reward': leaderboard 'weekly-chatters'")
    assert code in problem
    assert await collections.rewards().count_documents({}) == 0
    assert await collections.leaderboards().count_documents({}) == 0


async def test_a_prize_stored_earlier_counts_and_a_changed_prize_is_checked_again(
    database: Database, tmp_path: Path
) -> None:
    await seed_catalog([write(tmp_path / "prize.yaml", [])], T0)  # the counter and the prize, stored
    board = write(tmp_path / "board.yaml", [weekly()], rewards=[])
    assert (await seed_catalog([board], T0)).board_writes != []

    earned = reward_payload(slug="earned")
    write(board, [weekly(prizes=[{"from_rank": 1, "to_rank": 1, "reward": "earned"}])], rewards=[earned])
    (problem,) = await problems_of([board])

    assert "field 'leaderboards.prizes[0].reward'" in problem
    assert "prize_not_awarded" in problem


@pytest.mark.parametrize(
    ("ranks", "code"),
    [("level", "unknown_counter"), ("nowhere", "unknown_counter"), ("reputation", "wrong_counter_kind")],
)
async def test_a_board_ranks_what_events_add_to(database: Database, tmp_path: Path, ranks: str, code: str) -> None:
    reputation = {"name": "reputation", "kind": "value", "display_name": "Reputation"}
    file = write(tmp_path / "b.yaml", [weekly(ranks=ranks)])
    file.write_text(yaml.safe_dump({**yaml.safe_load(file.read_text()), "counters": [MESSAGES, reputation]}))

    (problem,) = await problems_of([file])

    assert f"field 'leaderboards.ranks': leaderboard 'weekly-chatters': {code}" in problem


async def test_an_all_time_board_takes_no_prize(database: Database, tmp_path: Path) -> None:
    (problem,) = await problems_of([write(tmp_path / "b.yaml", [weekly(period="all_time")])])

    assert "field 'leaderboards.prizes': leaderboard 'weekly-chatters': " in problem


async def test_a_slug_declared_twice_is_a_problem(database: Database, tmp_path: Path) -> None:
    (problem,) = await problems_of([write(tmp_path / "b.yaml", [weekly(), weekly()])])

    assert problem.startswith(f"{tmp_path / 'b.yaml'}: item 1: field 'leaderboards.slug': leaderboard")
    assert "declared twice" in problem


async def test_no_more_boards_than_the_limit(database: Database, tmp_path: Path) -> None:
    boards = [weekly(f"board-{n}") for n in range(MAX_LEADERBOARDS + 1)]

    (problem,) = await problems_of([write(tmp_path / "b.yaml", boards)])

    assert f"item {MAX_LEADERBOARDS}: field 'leaderboards': leaderboard 'board-{MAX_LEADERBOARDS}'" in problem
    assert "too_many_leaderboards" in problem


async def test_prune_deactivates_boards_missing_from_the_files_and_keeps_them(
    database: Database, tmp_path: Path
) -> None:
    file = write(tmp_path / "b.yaml", [weekly(), weekly("daily-chatters", period="daily")])
    await seed_catalog([file], T0)
    write(file, [weekly()])
    assert (await seed_catalog([file], T1)).board_writes == []  # without prune, left alone

    plan = await seed_catalog([file], T1, prune=True)

    assert [change.describe() for change in plan.board_changes] == [
        "unchanged leaderboard weekly-chatters",
        "deactivate leaderboard daily-chatters",
    ]
    daily = await stored_board("daily-chatters")
    assert (daily["is_active"], daily["updated_at"]) == (False, T1)
    assert (await stored_board())["is_active"] is True


async def test_a_board_declared_between_the_plan_and_its_write_takes_the_files_texts(
    database: Database, tmp_path: Path
) -> None:
    """Another instance seeding at start-up declared it first: this one updates it instead of failing."""
    plan = await read_seed_plan([write(tmp_path / "b.yaml", [weekly()])], prune=False)
    await leaderboards.insert_board(LeaderboardDefinition.model_validate(weekly(name="Theirs", prizes=[])), T0)

    await apply_seed_plan(plan, T1)

    board = await stored_board()
    assert (board["name"], board["prizes"][0]["reward"]) == ("Top chatters of the week", "chatter-of-the-week")
    assert (board["created_at"], board["updated_at"]) == (T0, T1)
