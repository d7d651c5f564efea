"""Writes reward files for the seeding tests."""

from pathlib import Path
from typing import Any

import yaml


def write_rewards(path: Path, *payloads: Any) -> Path:
    """A YAML file holding these items (the loader also takes JSON, tested on its own)."""
    path.write_text(yaml.safe_dump(list(payloads), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
