"""The house's layers hold: import-linter's contracts (pyproject.toml), and what imports cannot show.

`lint-imports` checks the contracts, as `make lint` runs it: each layer imports only the layers
below it, the edges (the API, the console, the command-line tools) reach the database and the
caches only through the use cases, only service/db touches the driver, the engine is pure, and
the bot's client never imports the server. A test here plants a violation in a copy of the tree
to show each kind is caught. What is a call rather than an import, a cache invalidated outside
the use cases, is checked on the syntax tree.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.python_imports import calls_of

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# Only these may invalidate a cache: the use cases that change what it holds, and the caches themselves.
INVALIDATE_ALLOWED = ("service/usecases", "service/caches")


def _lint_imports(tree: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_every_import_contract_is_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _copy_of_the_tree(tmp_path: Path) -> Path:
    """The service's packages and the contracts, where a planted import changes nothing of the checkout."""
    for folder in ("service", "documents", "bench"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        ("service/http/handlers/rewards.py", "from service.operations import rewards", "The edges reach the database"),
        ("service/http/console/catalogue.py", "from service.caches import catalogue", "The edges reach the database"),
        ("service/engine/views.py", "from service.usecases import catalogue", "Each layer imports only"),
        ("service/operations/rewards.py", "import service.jobs.runner", "Each layer imports only"),
        ("service/usecases/claims.py", "import motor", "Only the database layer touches the driver"),
        ("service/engine/conditions.py", "import aiohttp", "The engine is pure"),
    ],
    ids=["handler->operations", "console->cache", "engine->usecases", "operations->jobs", "driver", "engine->http"],
)
def test_a_planted_violation_breaks_its_contract(tmp_path, module, planted, broken):
    tree = _copy_of_the_tree(tmp_path)
    target = tree / module
    target.write_text(target.read_text() + f"\n{planted}  # planted\n")
    # The copy shadows the installed packages: it comes first on the import path.
    result = _lint_imports(tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0, result.stdout
    assert broken in result.stdout, result.stdout
    assert "BROKEN" in result.stdout, result.stdout


def _invalidations(root: Path, allowed: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(root)}:{line} calls {name}()"
        for folder in ("service", "scripts", "bench")
        for path in sorted((root / folder).rglob("*.py"))
        if not any(path.relative_to(root).as_posix().startswith(prefix) for prefix in allowed)
        for line, name in calls_of(path, {"invalidate"})
    ]


def test_only_the_use_cases_invalidate_a_cache():
    found = _invalidations(ROOT, INVALIDATE_ALLOWED)
    assert found == [], "a cache invalidated outside the use cases:\n" + "\n".join(found)


def test_the_check_sees_an_invalidation_at_an_edge(tmp_path):
    edge = tmp_path / "service" / "http" / "handlers" / "sample.py"
    edge.parent.mkdir(parents=True)
    edge.write_text("def changed(runtime):\n    runtime.catalogue.invalidate()\n")
    assert _invalidations(tmp_path, INVALIDATE_ALLOWED) == ["service/http/handlers/sample.py:2 calls invalidate()"]
