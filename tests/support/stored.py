"""What the database holds: one document a test expects, or everything, to show a request changed nothing."""

from collections.abc import Mapping
from typing import Any

from beanie import Document

from service.db import collections
from service.db.collections import Collection
from service.db.connection import MODELS


async def stored_one(collection: Collection, query: Mapping[str, Any], *args: Any, **options: Any) -> dict[str, Any]:
    """The document `find_one` answers (same arguments); the test fails here when nothing is stored."""
    document = await collection.find_one(query, *args, **options)
    assert document is not None, f"nothing stored matches {query}"
    return document


async def every_collection() -> dict[str, list[dict[str, Any]]]:
    """Every document of every collection, in `_id` order."""
    return {
        model.get_collection_name(): await collections.by_name(model.get_collection_name())
        .find({})
        .sort("_id", 1)
        .to_list(None)
        for model in MODELS
    }


def collection_name(model: type[Document]) -> str:
    """The collection a stored model declares, readable before Beanie is initialised (test parameters)."""
    return model.Settings.name  # type: ignore[attr-defined]  # each model declares its Settings; Document types none
