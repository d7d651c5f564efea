"""rewards-reevaluate: a new reward reaches users who already qualify, once, resumably, and dry runs write nothing."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rewards_contract.enums import CounterKind
from rewards_contract.events import CounterEvent
from rewards_scripts.reevaluate import parse_args, run, write_checkpoint

from documents.clock import utc_now
from service.db import collections
from service.engine.activity import EventMark, FactsChange, event_change
from service.engine.catalogue import ActiveRewards
from service.usecases.catalogue import create_reward
from service.usecases.events import record_activity
from tests.support.factories import definition
from tests.support.usecases import context_at

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DATABASE = "test-database"
POINTS = {1: 150, 2: 50, 3: 300, 4: 100, 5: 10}  # users 1, 3 and 4 qualify for 100 points


@pytest.fixture
async def users(database) -> None:
    """Five users with facts, recorded while the catalogue was still empty."""
    for user_id, points in POINTS.items():
        await record_activity(
            user_id, FactsChange(assignments={"total_points": points}), ActiveRewards.of([]), context_at(NOW)
        )
    await create_reward(
        context_at(NOW),
        definition(slug="points-100", conditions=[{"condition_type": "total_points", "value": 100}]),
    )


def _args(tmp_path: Path, *extra: str):
    return parse_args(["--batch-size", "2", "--checkpoint", str(tmp_path / "checkpoint.json"), *extra])


async def _unlocked_users() -> list[int]:
    documents = await collections.user_rewards().find({}, {"user_id": 1}).to_list(length=None)
    return sorted(document["user_id"] for document in documents)


async def test_reevaluation_unlocks_a_new_reward_for_users_already_eligible(users, tmp_path, capsys):
    assert await run(_args(tmp_path), DATABASE) == 0
    assert await _unlocked_users() == [1, 3, 4]
    assert "points-100: unlocked for 3 user(s)" in capsys.readouterr().out


async def test_a_second_reevaluation_unlocks_nothing_more(users, tmp_path, capsys):
    await run(_args(tmp_path), DATABASE)
    capsys.readouterr()
    await run(_args(tmp_path), DATABASE)
    assert await _unlocked_users() == [1, 3, 4]
    assert "0 unlock(s)" in capsys.readouterr().out


async def test_a_dry_run_reports_who_would_unlock_and_writes_nothing(users, tmp_path, capsys):
    await run(_args(tmp_path, "--dry-run"), DATABASE)
    assert await _unlocked_users() == []
    assert "points-100: would unlock for 3 user(s)" in capsys.readouterr().out
    assert not (tmp_path / "checkpoint.json").exists()


async def test_resume_continues_after_the_last_user_of_the_checkpoint(users, tmp_path):
    checkpoint = {
        "database": DATABASE,
        "marker": "reevaluate:interrupted",
        "last_user_id": 3,
        "users": 3,
        "unlocks": {"points-100": 2},
        "finished": False,
    }
    write_checkpoint(tmp_path / "checkpoint.json", checkpoint)
    await run(_args(tmp_path, "--resume"), DATABASE)
    assert await _unlocked_users() == [4]
    assert json.loads((tmp_path / "checkpoint.json").read_text())["finished"] is True


async def test_the_checkpoint_records_the_last_user_of_every_finished_batch(users, tmp_path):
    await run(_args(tmp_path), DATABASE)
    stored = json.loads((tmp_path / "checkpoint.json").read_text())
    assert (stored["last_user_id"], stored["users"], stored["unlocks"]) == (5, 5, {"points-100": 3})


async def test_resume_without_an_interrupted_run_starts_from_the_first_user(users, tmp_path):
    await run(_args(tmp_path, "--resume"), DATABASE)
    assert await _unlocked_users() == [1, 3, 4]


async def test_reevaluation_unlocks_a_season_that_has_opened_for_everybody_who_qualifies(database, tmp_path):
    """The facts were recorded before the season; the run, on the real clock, finds it open."""
    for user_id, points in POINTS.items():
        await record_activity(
            user_id, FactsChange(assignments={"total_points": points}), ActiveRewards.of([]), context_at(NOW)
        )
    hundred_points = [{"condition_type": "total_points", "value": 100}]
    real_now = utc_now()
    await create_reward(
        context_at(NOW),
        definition(
            slug="open-season",
            conditions=hundred_points,
            available_from=real_now - timedelta(minutes=1),
            available_until=real_now + timedelta(days=1),
        ),
    )
    await create_reward(
        context_at(NOW),
        definition(slug="next-season", conditions=hundred_points, available_from=real_now + timedelta(days=1)),
    )
    await create_reward(
        context_at(NOW),
        definition(slug="last-season", conditions=hundred_points, available_until=real_now - timedelta(minutes=1)),
    )

    assert await run(_args(tmp_path), DATABASE) == 0

    documents = await collections.user_rewards().find({}, {"user_id": 1, "reward_slug": 1}).to_list(length=None)
    assert sorted((d["reward_slug"], d["user_id"]) for d in documents) == [
        ("open-season", 1),
        ("open-season", 3),
        ("open-season", 4),
    ]


async def test_reevaluation_reads_declared_counters_and_chains_too(database, tmp_path, capsys):
    from rewards_contract.counters import CounterDefinition

    from service.usecases.counters import declare_counter

    await declare_counter(
        context_at(NOW), CounterDefinition(name="messages_sent", kind="count", display_name="Messages")
    )
    for user_id, sent in ((1, 120), (2, 80)):
        event = CounterEvent(event_id=f"m-{user_id}", type="counter", counter="messages_sent", amount=sent)
        change = event_change(event, {"messages_sent": CounterKind.COUNT})
        await record_activity(user_id, change, ActiveRewards.of([]), context_at(NOW), EventMark.of(event))
    await create_reward(
        context_at(NOW),
        definition(
            slug="chatter",
            conditions=[{"condition_type": "counter_at_least", "counter": "messages_sent", "value": 100}],
        ),
    )
    await create_reward(
        context_at(NOW),
        definition(slug="after-chatter", conditions=[{"condition_type": "reward_claimed", "reward": "chatter"}]),
    )
    assert await run(_args(tmp_path), DATABASE) == 0
    documents = await collections.user_rewards().find({}, {"user_id": 1, "reward_slug": 1}).to_list(None)
    # Only user 1 counted 100 messages; nobody has claimed "chatter" yet, so nothing after it unlocks.
    assert [(d["user_id"], d["reward_slug"]) for d in documents] == [(1, "chatter")]
