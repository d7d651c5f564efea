"""What the database holds, whole: to show a request changed nothing."""

from typing import Any

from service.db import collections
from service.db.connection import MODELS


async def every_collection() -> dict[str, list[dict[str, Any]]]:
    """Every document of every collection, in `_id` order."""
    return {
        model.get_collection_name(): await collections.by_name(model.get_collection_name())
        .find({})
        .sort("_id", 1)
        .to_list(None)
        for model in MODELS
    }
