"""Writes reward files for the seeding tests."""

from pathlib import Path
from typing import Any

import yaml

from tests.support.factories import reward_payload


def write_rewards(path: Path, *payloads: Any) -> Path:
    """A YAML file holding these items (the loader also takes JSON, tested on its own)."""
    path.write_text(yaml.safe_dump(list(payloads), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_goals(path: Path, *goals: dict[str, Any]) -> Path:
    """A seed file declaring the reward `hero` (only a goal gives it) and these goals (`points_goal`'s fields)."""
    hero = reward_payload(slug="hero", conditions=[{"condition_type": "awarded"}])
    path.write_text(yaml.safe_dump({"rewards": [hero], "goals": list(goals)}), encoding="utf-8")
    return path


def points_goal(**fields: Any) -> dict[str, Any]:
    """A goal of 100 points in March 2026, whose contributors get `hero`."""
    goal = {
        "slug": "points-together",
        "name": "Points together",
        "counts": "total_points",
        "target": 100,
        "starts_at": "2026-03-01T00:00:00Z",
        "ends_at": "2026-04-01T00:00:00Z",
        "reward": "hero",
    }
    return goal | fields
