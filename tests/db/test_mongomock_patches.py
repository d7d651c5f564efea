"""The embedded database's patches of mongomock install only on the version they are written for."""

import importlib.metadata
import re
import tomllib
from pathlib import Path

import mongomock
import pytest

from service.db import embedded_bulk, embedded_indexes
from service.db.mongomock_pin import MONGOMOCK_VERSION

PATCHES = pytest.mark.parametrize("patch", [embedded_indexes, embedded_bulk], ids=["indexes", "bulk writes"])
REPO = Path(__file__).resolve().parents[2]


@PATCHES
def test_start_up_refuses_a_mongomock_other_than_the_pinned_one(monkeypatch, patch):
    monkeypatch.setattr(mongomock, "__version__", "4.4.0")
    with pytest.raises(RuntimeError, match=re.escape("written for mongomock 4.3.0, found 4.4.0")):
        patch.check_mongomock()


@PATCHES
def test_start_up_refuses_a_mongomock_missing_a_name_it_replaces(monkeypatch, patch):
    owner, names = next(iter(patch.PATCHED.items()))
    monkeypatch.setitem(patch.PATCHED, owner, (*names, "_gone"))
    with pytest.raises(RuntimeError, match=f"lacks {re.escape(owner)}._gone"):
        patch.check_mongomock()


@PATCHES
def test_the_installed_mongomock_has_every_name_a_patch_replaces(patch):
    patch.check_mongomock()
    assert importlib.metadata.version("mongomock") == MONGOMOCK_VERSION


def test_the_embedded_extra_pins_the_version_the_patches_are_written_for():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert f"mongomock=={MONGOMOCK_VERSION}" in extras["embedded"]
