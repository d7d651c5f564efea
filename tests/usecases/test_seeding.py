"""Seeding upserts by slug, is idempotent, prunes by deactivating, and writes nothing when a file is invalid."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from documents import Reward
from service.db import collections
from service.db.connection import Database
from service.engine.seed_plan import Action, plan_seed, stored_definition
from service.operations.catalog_version import current_catalog_version
from service.usecases.seeding import InvalidRewardFiles, read_seed_plan, seed_catalog
from tests.support.factories import definition, reward_payload
from tests.support.reward_files import write_rewards

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)


async def stored(slug: str) -> dict:
    document = await collections.rewards().find_one({"slug": slug})
    assert document is not None
    return document


def test_plan_lists_changed_fields_only() -> None:
    before = stored_definition(definition(slug="a", name="Old name"))
    plan = plan_seed([definition(slug="a", name="New name")], [before], prune=False)

    (change,) = plan.changes
    assert change.action is Action.UPDATE
    assert change.fields == {"name": "New name"}
    assert change.describe() == "update a: name"


def test_plan_treats_a_stored_integer_as_different_from_a_boolean() -> None:
    before = {**stored_definition(definition(slug="a", is_secret=True)), "is_secret": 1}

    (change,) = plan_seed([definition(slug="a", is_secret=True)], [before], prune=False).changes

    assert change.fields == {"is_secret": True}


def test_prune_plans_deactivation_only_for_active_rewards_missing_from_files() -> None:
    stored_docs = [
        stored_definition(definition(slug="kept")),
        stored_definition(definition(slug="gone")),
        stored_definition(definition(slug="already-off", is_active=False)),
    ]

    plan = plan_seed([definition(slug="kept")], stored_docs, prune=True)

    assert [(c.slug, c.action) for c in plan.changes] == [
        ("kept", Action.UNCHANGED),
        ("gone", Action.DEACTIVATE),
    ]
    assert plan.summary == "created 0, updated 0, unchanged 1, deactivated 1"


async def test_first_run_creates_every_reward_with_timestamps(database: Database, tmp_path: Path) -> None:
    files = write_rewards(tmp_path / "r.yaml", reward_payload(slug="a"), reward_payload(slug="b"))

    plan = await seed_catalog([files], T0)

    assert plan.summary == "created 2, updated 0, unchanged 0, deactivated 0"
    document = await stored("a")
    assert document["reward_type"] == "besitos"
    assert document["conditions"] == [{"condition_type": "streak_length", "value": 7, "group": 0, "sort_order": 0}]
    assert (document["created_at"], document["updated_at"]) == (T0, T0)
    assert await current_catalog_version() == 1


async def test_second_run_with_same_files_changes_nothing(database: Database, tmp_path: Path) -> None:
    files = write_rewards(tmp_path / "r.yaml", reward_payload(slug="a"), reward_payload(slug="b"))
    await seed_catalog([files], T0)

    plan = await seed_catalog([files], T1)

    assert plan.summary == "created 0, updated 0, unchanged 2, deactivated 0"
    assert (await stored("a"))["updated_at"] == T0
    assert await current_catalog_version() == 1


async def test_changed_file_updates_only_that_reward_and_keeps_created_at(database: Database, tmp_path: Path) -> None:
    file = tmp_path / "r.yaml"
    await seed_catalog([write_rewards(file, reward_payload(slug="a"), reward_payload(slug="b"))], T0)
    original_id = (await stored("a"))["_id"]

    write_rewards(file, reward_payload(slug="a", reward_value={"amount": 75}), reward_payload(slug="b"))
    plan = await seed_catalog([file], T1)

    assert plan.summary == "created 0, updated 1, unchanged 1, deactivated 0"
    a, b = await stored("a"), await stored("b")
    assert a["reward_value"] == {"amount": 75}
    assert (a["_id"], a["created_at"], a["updated_at"]) == (original_id, T0, T1)
    assert b["updated_at"] == T0
    assert await current_catalog_version() == 2


async def test_prune_deactivates_missing_rewards_and_never_deletes(database: Database, tmp_path: Path) -> None:
    file = tmp_path / "r.yaml"
    await seed_catalog([write_rewards(file, reward_payload(slug="a"), reward_payload(slug="b"))], T0)

    write_rewards(file, reward_payload(slug="a"))
    plan = await seed_catalog([file], T1, prune=True)

    assert plan.summary == "created 0, updated 0, unchanged 1, deactivated 1"
    assert await collections.rewards().count_documents({}) == 2
    b = await stored("b")
    assert (b["is_active"], b["updated_at"]) == (False, T1)


async def test_without_prune_missing_rewards_stay_active(database: Database, tmp_path: Path) -> None:
    file = tmp_path / "r.yaml"
    await seed_catalog([write_rewards(file, reward_payload(slug="a"), reward_payload(slug="b"))], T0)

    await seed_catalog([write_rewards(file, reward_payload(slug="a"))], T1)

    assert (await stored("b"))["is_active"] is True


async def test_one_invalid_item_means_nothing_is_written(database: Database, tmp_path: Path) -> None:
    files = write_rewards(tmp_path / "r.yaml", reward_payload(slug="good"), reward_payload(slug="bad", name=""))

    with pytest.raises(InvalidRewardFiles) as raised:
        await read_seed_plan([files], prune=False)

    assert [(p.slug, p.field) for p in raised.value.problems] == [("bad", "name")]
    assert await collections.rewards().count_documents({}) == 0
    assert await current_catalog_version() == 0


async def test_seeded_rewards_load_as_reward_documents(database: Database, tmp_path: Path) -> None:
    await seed_catalog([write_rewards(tmp_path / "r.yaml", reward_payload(slug="a"))], T0)

    reward = await Reward.find_one(Reward.slug == "a")

    assert reward is not None
    assert reward.created_at == T0


async def test_a_season_is_stored_as_dates_and_a_second_run_leaves_it_unchanged(
    database: Database, tmp_path: Path
) -> None:
    season = {"available_from": "2026-12-01T00:00:00Z", "available_until": "2027-01-01T00:00:00Z"}
    file = write_rewards(tmp_path / "r.yaml", reward_payload(slug="winter", **season))
    await seed_catalog([file], T0)

    document = await stored("winter")
    assert document["available_from"] == datetime(2026, 12, 1, tzinfo=UTC)
    assert document["available_until"] == datetime(2027, 1, 1, tzinfo=UTC)
    assert (await seed_catalog([file], T1)).count(Action.UNCHANGED) == 1


def test_a_reward_stored_before_seasons_existed_is_unchanged_by_a_file_without_one() -> None:
    before = stored_definition(definition(slug="a"))
    del before["available_from"], before["available_until"]

    (change,) = plan_seed([definition(slug="a")], [before], prune=False).changes

    assert change.action is Action.UNCHANGED


async def test_seed_files_carry_translations_and_a_changed_translation_is_an_update(
    database: Database, tmp_path: Path
) -> None:
    spanish = {"es": {"name": "Racha de siete días", "description": "Mantén una racha de 7 días"}}
    files = write_rewards(tmp_path / "r.yaml", reward_payload(slug="a", translations=spanish))
    await seed_catalog([files], T0)
    assert (await stored("a"))["translations"] == spanish

    assert (await seed_catalog([files], T1)).summary == "created 0, updated 0, unchanged 1, deactivated 0"

    spanish_mx = {"es-mx": {"name": "Racha de siete días"}}
    write_rewards(tmp_path / "r.yaml", reward_payload(slug="a", translations=spanish_mx))
    plan = await seed_catalog([files], T1)
    assert [change.describe() for change in plan.changes] == ["update a: translations"]
    assert (await stored("a"))["translations"] == {"es-MX": {"name": "Racha de siete días", "description": None}}
