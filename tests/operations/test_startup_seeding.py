"""The app loads Settings.seed_paths at start-up with the same code as `rewards-seed`."""

import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from rewards_catalog import SHIPPED_CATALOG

from service.db import collections
from service.http.app import init_app
from service.usecases.seeding import InvalidRewardFiles
from tests.support.environment import drop_database, make_settings
from tests.support.factories import reward_payload
from tests.support.reward_files import points_goal, write_goals


async def test_app_start_loads_the_shipped_catalogue(aiohttp_client: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(seed_paths=(SHIPPED_CATALOG,))
    caplog.set_level(logging.INFO, logger="service.http.catalog_seed")

    client = await aiohttp_client(init_app(settings))
    try:
        count = await collections.rewards().count_documents({})
        boards = await collections.leaderboards().count_documents({"is_active": True})
        goals = await collections.goals().count_documents({"is_active": True})
    finally:
        await client.close()
        await drop_database(settings)

    assert count >= 10
    assert f"created {count}, updated 0, unchanged 0, deactivated 0" in caplog.text
    assert boards >= 1
    assert f"leaderboards: created {boards}, updated 0, unchanged 0, deactivated 0" in caplog.text
    assert goals >= 1
    assert f"goals: created {goals}, updated 0, unchanged 0, deactivated 0" in caplog.text


async def test_app_start_declares_the_files_goals_over_its_goal_shards(aiohttp_client: Any, tmp_path: Path) -> None:
    """REWARDS_GOAL_SHARDS spreads a goal from a seed file as it spreads one the API declares."""
    file = write_goals(tmp_path / "goals.yaml", points_goal())
    settings = make_settings(seed_paths=(file,), goal_shards=5)

    client = await aiohttp_client(init_app(settings))
    try:
        stored = await collections.goals().find_one({"slug": "points-together"})
    finally:
        await client.close()
        await drop_database(settings)

    assert stored is not None
    assert stored["shards"] == 5


async def test_app_without_seed_paths_starts_with_an_empty_catalogue(client: Any) -> None:
    assert await collections.rewards().count_documents({}) == 0


async def test_invalid_seed_file_stops_the_start_up(aiohttp_client: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump([reward_payload(slug="a", reward_value={"amount": -1})]))
    settings = make_settings(seed_paths=(bad,))

    try:
        with pytest.raises(InvalidRewardFiles):
            await aiohttp_client(init_app(settings))
    finally:
        await drop_database(settings)
