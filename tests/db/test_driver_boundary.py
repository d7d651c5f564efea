"""The driver boundary: only `service/db/` touches the driver or reaches a collection itself.

import-linter's `driver` contract (pyproject.toml) keeps Motor and mongomock imports in service/db
for every package of the service. What it cannot see is checked here: a collection reached through
Beanie's `get_motor_collection()` (a call, not an import) anywhere but service/db, and a driver
imported by a test that is not instrumenting the driver on purpose (the suite is no package of
import-linter's).
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOUNDARY = ROOT / "service" / "db"
DRIVER_PACKAGES = ("motor", "mongomock_motor")
RAW_COLLECTION_CALLS = ("get_motor_collection", "get_pymongo_collection")
# Test instrumentation of the driver itself: it patches the embedded driver's classes on purpose.
DRIVER_INSTRUMENTATION = {
    ROOT / "tests" / "conftest.py",  # makes mongomock round trips suspend, as a real driver does
    ROOT / "tests" / "support" / "driver_calls.py",  # counts driver calls per request
    ROOT / "tests" / "api" / "test_observability.py",  # puts an in-memory client behind the real-URL code path
}


def _python_files() -> Iterator[Path]:
    for folder in ("service", "documents", "scripts", "bench", "tests"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def _violations(path: Path, root: Path = ROOT) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(root)
    # The service's packages are import-linter's to check; the suite's are checked here.
    in_the_suite = where.parts[:1] == ("tests",)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and in_the_suite:
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                if module.split(".")[0] in DRIVER_PACKAGES and path not in DRIVER_INSTRUMENTATION:
                    yield f"{where}:{node.lineno} imports {module}"
        if isinstance(node, ast.Attribute) and node.attr in RAW_COLLECTION_CALLS:
            yield f"{where}:{node.lineno} calls {node.attr}()"


def test_only_the_database_package_imports_the_driver_or_reaches_a_collection():
    outside = [
        path for path in _python_files() if not path.is_relative_to(BOUNDARY) and path != Path(__file__).resolve()
    ]
    violations = [violation for path in outside for violation in _violations(path)]
    assert violations == [], "driver access outside service/db/:\n" + "\n".join(violations)


def test_the_check_sees_a_violation(tmp_path):
    sample = tmp_path / "tests" / "sample.py"
    sample.parent.mkdir()
    sample.write_text("from motor.motor_asyncio import AsyncIOMotorClient\nx = Reward.get_motor_collection()\n")
    assert list(_violations(sample, tmp_path)) == [
        "tests/sample.py:1 imports motor.motor_asyncio",
        "tests/sample.py:2 calls get_motor_collection()",
    ]
