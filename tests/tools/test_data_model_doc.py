"""docs/data-model.md stays honest: it names every stored field, and its example queries run.

The queries are defined once in service/analytics/queries.py; the doc's query section is generated from
them, so checking that the doc equals the rendering, then running the definitions, checks the doc.
"""

import re
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from rewards_contract.rewards import REWARD_VALUE_MODELS

from service.analytics.queries import QUERIES, render_markdown, run_query
from service.db.connection import MODELS, Database
from tests.support.analytics_data import NOW, insert_history
from tests.support.environment import REAL_MONGODB_URL
from tests.support.stored import collection_name

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"
# Beanie's optimistic-locking field: declared on every Document, stored only with use_revision (never here).
NOT_STORED = {"revision_id"}


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def section(collection: str) -> str:
    text = doc_text()
    start = text.index(f"## `{collection}`")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def embedded_models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models inside a field's type (`list[RewardCondition]`, `PendingGrant | None`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in embedded_models(arg)]


def documented_paths() -> list[tuple[str, str]]:
    """(collection, dotted field path) for every stored field, embedded models' fields included."""
    paths = []
    for model in MODELS:
        collection = collection_name(model)
        for name, info in model.model_fields.items():
            if name in NOT_STORED:
                continue
            stored = info.alias or name
            paths.append((collection, stored))
            for embedded in embedded_models(info.annotation):
                paths.extend((collection, f"{stored}.{sub}") for sub in embedded.model_fields)
    paths.extend(
        ("rewards", f"reward_value.{field}") for value in REWARD_VALUE_MODELS.values() for field in value.model_fields
    )
    return paths


@pytest.mark.parametrize(("collection", "path"), documented_paths())
def test_every_stored_field_is_documented_in_its_collection_section(collection: str, path: str) -> None:
    assert f"`{path}`" in section(collection)


def test_embedded_fields_are_part_of_what_is_checked() -> None:
    paths = {path for _, path in documented_paths()}
    assert {"conditions.group", "pending_grant.claimed_at", "reward_value.days", "_id"} <= paths


def test_doc_query_section_is_the_rendering_of_service_analytics() -> None:
    match = re.search(r"<!-- queries:start -->\n(.*)<!-- queries:end -->", doc_text(), re.S)
    assert match is not None
    assert match.group(1) == render_markdown(), "regenerate the section with: python -m service.analytics.queries"


def test_doc_has_at_least_8_queries_and_no_code_block_outside_them() -> None:
    blocks = re.findall(r"```js\n(.*?)```", doc_text(), re.S)
    assert len(QUERIES) >= 8
    assert len(blocks) == len(QUERIES)
    assert all(block.startswith("db.") for block in blocks)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
async def test_every_example_query_runs_on_seeded_data(query: Any, database: Database) -> None:
    if query.needs_real_mongodb and not REAL_MONGODB_URL:
        pytest.skip(f"needs a real MongoDB (set MONGODB_URL): {query.needs_real_mongodb}")
    await insert_history()

    rows = await run_query(query, NOW)

    assert rows, f"{query.name} returned no row on data made to have some"
