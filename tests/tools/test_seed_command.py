"""`rewards-seed`: prints the plan and the summary line; exit status 1 and no write on any problem."""

import socket
from pathlib import Path

import pytest
import yaml
from rewards_scripts.seed import parse_args, run, run_on

from service.db import collections
from service.db.connection import Database
from service.settings import DatabaseSettings
from tests.support.environment import make_settings
from tests.support.factories import reward_payload
from tests.support.reward_files import points_goal, write_goals, write_rewards
from tests.support.stored import stored_one


async def test_seed_prints_plan_and_summary(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write_rewards(tmp_path / "r.yaml", reward_payload(slug="a"))

    status = await run(parse_args([str(file)]))

    assert status == 0
    assert capsys.readouterr().out.splitlines() == ["create a", "created 1, updated 0, unchanged 0, deactivated 0"]
    assert await collections.rewards().count_documents({}) == 1


async def test_second_run_says_nothing_changed(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write_rewards(tmp_path / "r.yaml", reward_payload(slug="a"))
    await run(parse_args([str(file)]))
    capsys.readouterr()

    await run(parse_args([str(file)]))

    assert capsys.readouterr().out.splitlines()[-1] == "created 0, updated 0, unchanged 1, deactivated 0"


async def test_dry_run_prints_the_plan_and_writes_nothing(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "r.yaml"
    await run(parse_args([str(write_rewards(file, reward_payload(slug="a"), reward_payload(slug="b")))]))
    write_rewards(file, reward_payload(slug="a", name="Renamed"), reward_payload(slug="c"))
    capsys.readouterr()

    status = await run(parse_args(["--dry-run", "--prune", str(file)]))

    assert status == 0
    assert capsys.readouterr().out.splitlines() == [
        "update a: name",
        "create c",
        "deactivate b",
        "dry run, nothing written: created 1, updated 1, unchanged 0, deactivated 1",
    ]
    assert await collections.rewards().count_documents({"slug": "c"}) == 0
    assert (await stored_one(collections.rewards(), {"slug": "a"}))["name"] == reward_payload()["name"]


async def test_dry_run_lists_the_leaderboards_after_the_rewards_and_prune_deactivates_boards(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "b.yaml"
    prize = reward_payload(slug="crown", conditions=[{"condition_type": "awarded"}])
    board = {"slug": "weekly-points", "name": "Weekly points", "ranks": "total_points", "period": "weekly"}
    data = {"rewards": [prize], "leaderboards": [board, {**board, "slug": "daily-points", "period": "daily"}]}
    file.write_text(yaml.safe_dump(data), encoding="utf-8")
    await run(parse_args([str(file)]))
    prized = {**board, "prizes": [{"from_rank": 1, "to_rank": 1, "reward": "crown"}]}
    file.write_text(yaml.safe_dump({"rewards": [prize], "leaderboards": [prized]}), encoding="utf-8")
    capsys.readouterr()

    status = await run(parse_args(["--dry-run", "--prune", str(file)]))

    assert status == 0
    assert capsys.readouterr().out.splitlines() == [
        "unchanged crown",
        "update leaderboard weekly-points: prizes",
        "deactivate leaderboard daily-points",
        (
            "dry run, nothing written: created 0, updated 0, unchanged 1, deactivated 0; "
            "leaderboards: created 0, updated 1, unchanged 0, deactivated 1"
        ),
    ]
    assert (await stored_one(collections.leaderboards(), {"slug": "daily-points"}))["is_active"] is True
    assert (await stored_one(collections.leaderboards(), {"slug": "weekly-points"}))["prizes"] == []


async def test_goals_are_listed_last_declared_over_the_shards_given_and_pruned_like_boards(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write_goals(tmp_path / "g.yaml", points_goal(), points_goal(slug="more-points"))
    await run(parse_args([str(file)]), goal_shards=3)
    write_goals(file, points_goal(name="Points, together"))
    capsys.readouterr()

    status = await run(parse_args(["--dry-run", "--prune", str(file)]))

    assert status == 0
    assert capsys.readouterr().out.splitlines() == [
        "unchanged hero",
        "update goal points-together: name",
        "deactivate goal more-points",
        (
            "dry run, nothing written: created 0, updated 0, unchanged 1, deactivated 0; "
            "goals: created 0, updated 1, unchanged 0, deactivated 1"
        ),
    ]
    stored = await stored_one(collections.goals(), {"slug": "points-together"})
    assert (stored["name"], stored["shards"]) == ("Points together", 3)
    assert (await stored_one(collections.goals(), {"slug": "more-points"}))["is_active"] is True


async def test_invalid_files_exit_1_list_every_problem_and_write_nothing(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_rewards(tmp_path / "good.yaml", reward_payload(slug="a"))
    bad = write_rewards(tmp_path / "bad.yaml", reward_payload(slug="a"), reward_payload(slug="b", reward_type="gold"))

    status = await run(parse_args([str(good), str(bad)]))

    assert status == 1
    errors = capsys.readouterr().err
    assert f"{bad}: item 0 (slug 'a'): field 'slug': duplicate slug" in errors
    assert f"{bad}: item 1 (slug 'b'): field 'reward_type':" in errors
    assert "2 problem(s); nothing written" in errors
    assert await collections.rewards().count_documents({}) == 0


async def test_command_opens_the_configured_database_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write_rewards(tmp_path / "r.yaml", reward_payload(slug="a"))

    status = await run_on(make_settings(), parse_args(["--dry-run", str(file)]))

    assert status == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("created 1, updated 0, unchanged 0, deactivated 0")


async def test_check_lists_stored_rewards_that_break_the_intake_rules(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stored before the rules, they still load: --check is how an admin finds them."""
    await run(parse_args([str(write_rewards(tmp_path / "r.yaml", reward_payload(slug="a"), reward_payload(slug="b")))]))
    condition = {"condition_type": "streak_length", "value": 7, "group": 0, "sort_order": 0}
    await collections.rewards().update_one(
        {"slug": "b"}, {"$set": {"conditions": [condition, condition], "reward_value": {"amount": 10**13}}}
    )
    capsys.readouterr()

    status = await run(parse_args(["--check"]))

    assert status == 1
    assert capsys.readouterr().out.splitlines() == [
        "b: conditions[1]: repeats conditions[0] (same type, parameters and group); remove one of them",
        (
            "b: reward_value.amount: must be at most 1,000,000,000,000 besitos, the most an event can report spent "
            "(got 10,000,000,000,000)"
        ),
        "1 stored reward(s) break a rule new definitions must meet",
    ]


async def test_check_of_a_clean_catalogue_exits_0(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await run(parse_args([str(write_rewards(tmp_path / "r.yaml", reward_payload(slug="a")))]))
    capsys.readouterr()
    assert await run(parse_args(["--check"])) == 0
    assert capsys.readouterr().out.splitlines() == ["every stored reward meets the rules new definitions must meet"]


def test_paths_or_check_but_not_both(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["--check", "r.yaml"]):
        with pytest.raises(SystemExit):
            parse_args(argv)
    assert "--check" in capsys.readouterr().err


async def test_a_database_that_does_not_answer_ends_the_tool_with_one_sentence(tmp_path: Path) -> None:
    """As the service does: the URL masked, the deadline named, no traceback."""
    file = write_rewards(tmp_path / "r.yaml", reward_payload(slug="a"))
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    away = DatabaseSettings(mongodb_url=f"mongodb://seed:secret@127.0.0.1:{port}", db_timeout_seconds=0.3)

    with pytest.raises(SystemExit) as ended:
        await run_on(away, parse_args(["--dry-run", str(file)]))

    message = str(ended.value)
    assert message.startswith("Cannot start: the MongoDB server at")
    assert "secret" not in message
    assert "\n" not in message
