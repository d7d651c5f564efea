"""A document as MongoDB stores it, written from its model: the one way a whole document is built for a write."""

from enum import Enum
from typing import Any

from pydantic import BaseModel


def as_stored(document: BaseModel, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """The model's fields by their stored names (`_id`), enums as their plain values, nested models as documents.

    A Beanie document without an id yet gets none here: MongoDB (or the caller, through `_id`) chooses it.
    `exclude`: fields the write sets another way (an upsert's filter, an update operator).
    """
    left_out = set(exclude or ())
    if getattr(document, "id", None) is None and "id" in type(document).model_fields:
        left_out.add("id")
    return _plain(document.model_dump(by_alias=True, exclude=left_out))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
