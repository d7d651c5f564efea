"""No module imports from a layer above its own (docs/architecture.md draws the layers).

Each package may import only the packages listed for it, besides the standard library. A new
import that crosses a layer upwards fails here, with the file and line.
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package folder (or module) -> the top-level modules it may import (the standard library is always allowed)
ALLOWED: dict[str, set[str]] = {
    "client/rewards_contract": {"rewards_contract", "pydantic", "pydantic_core", "langcodes", "typing_extensions"},
    # Pydantic's refusals in plain words: below the settings, which word theirs with it.
    "service/plain_errors.py": {"rewards_contract", "pydantic", "pydantic_core"},
    "client/rewards_client": {"rewards_client", "rewards_contract", "aiohttp", "pydantic"},
    "service/engine": {"service.engine", "documents", "rewards_contract", "pydantic"},
    "service/caches": {"service.caches", "service.engine", "service.operations", "documents", "rewards_contract"},
    "documents": {"documents", "rewards_contract", "beanie", "pydantic", "pymongo"},
    "service/db": {
        "service.db",
        "service.settings",
        "documents",
        "rewards_contract",
        "beanie",
        "motor",
        "mongomock",
        "mongomock_motor",
        "pymongo",
        "bson",
        "pydantic",
        "annotated_types",
    },
    "service/operations": {
        "service.operations",
        "service.caches",
        "service.engine",
        "service.db",
        "service.catalog_files",
        "service.plain_errors",
        "documents",
        "rewards_contract",
        "pymongo",
        "pydantic",
        "tenacity",
    },
    # The API and the console reach the database only through operations: of service.db, only the
    # outage vocabulary (deadlines, "is it unavailable"), the connection's open/ping and the access log's
    # count of the commands a request sent.
    "service/jobs": {
        "service.jobs",
        "service.usecases",
        "service.caches",
        "service.operations",
        "service.engine",
        "service.db",
        "service.observability",
        "service.settings",
        "documents",
        "rewards_contract",
        "aiohttp",
        "pymongo",
    },
    "service/usecases": {
        "service.usecases",
        "service.caches",
        "service.operations",
        "service.engine",
        "service.observability",
        "service.settings",
        "service.catalog_files",
        "service.plain_errors",
        "service.db.availability",
        "service.db.connection",
        "documents",
        "rewards_contract",
        "pydantic",
    },
    "service/http": {
        "service.jobs",
        "service.usecases",
        "service.caches",
        "service.http",
        "service.operations",
        "service.engine",
        "service.observability",
        "service.settings",
        "service.db.availability",
        "service.db.connection",
        "service.db.commands",
        "service.plain_errors",
        "documents",
        "rewards_contract",
        "aiohttp",
        "aiohttp_jinja2",
        "jinja2",
        "itsdangerous",
        "pydantic",
        "orjson",
    },
}


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _allowed(module: str, allowed: set[str]) -> bool:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names:
        return True
    return any(module == prefix or module.startswith(prefix + ".") for prefix in allowed)


def _modules(folder: Path) -> list[Path]:
    return [folder] if folder.is_file() else sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_a_layer_imports_only_from_itself_and_the_layers_below(folder):
    assert (ROOT / folder).exists(), folder
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules(ROOT / folder)
        for line, module in _imports(path)
        if not _allowed(module, ALLOWED[folder])
    ]
    assert upward == [], "imports from outside the layer's allowed set:\n" + "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import json\nfrom service.http.app import init_app\n")
    assert [(line, module) for line, module in _imports(sample) if not _allowed(module, {"service.engine"})] == [
        (2, "service.http.app")
    ]
