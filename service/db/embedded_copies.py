"""Faster document copies for the embedded database: mongomock's own, with plain values taken as they are.

mongomock copies every document it stores or answers three times over: into the store (dates
made naive UTC, cut to milliseconds), out of it (a projection's copy, then dates made aware again),
and before each update (a snapshot to roll back to). Each copy calls a function per value, and
`copy.copy`/`copy.deepcopy` dispatch through the copy module's tables even for a string: with
documents of a dozen fields this was the largest share of an event's and a list's CPU.

The replacements here give exactly what mongomock's functions give for every value a stored
document can hold: plain dicts, lists and leaf values (str, int, float, bool, None, bytes,
ObjectId) are copied or kept directly (deep copies also rebuild the OrderedDicts mongomock stores
upserts as), and anything else (datetimes, other dict subclasses, bson's special types) goes to
mongomock's original function. Leaf values are immutable, so keeping them instead of copying
them is indistinguishable. Two more copies are avoided: a top-level projection is applied
without rebuilding it as a nested spec per document, and `find_one_and_update` answering the
document after the update no longer copies the document before it. Only the embedded database
installs this; a real MongoDB copies nothing in our process.
"""

import copy
import logging
import types
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

log = logging.getLogger(__name__)

# PydanticObjectId: the ids the service writes from its Beanie documents (`reward_id`) are stored as given.
_LEAVES = frozenset({str, int, float, bool, type(None), bytes, ObjectId, PydanticObjectId})
_INSTALLED = "_rewards_fast_copies"
# mongomock's functions as they were before `install`, by name: what the replacements defer to.
ORIGINALS: dict[str, Callable[..., Any]] = {}


def deep_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """`copy.deepcopy` for stored documents: plain dicts and lists rebuilt, leaves kept."""
    kind = type(value)
    if kind in _LEAVES or kind is datetime:  # immutable: deepcopy would answer an equal value
        return value
    if kind is dict:
        return {key: item if type(item) in _LEAVES else deep_copy(item) for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _LEAVES else deep_copy(item) for item in value]
    if kind is OrderedDict:  # how mongomock stores an upserted document
        return OrderedDict((key, item if type(item) in _LEAVES else deep_copy(item)) for key, item in value.items())
    return copy.deepcopy(value, memo)


def install() -> None:
    """Swap mongomock's copy functions for these (idempotent; skipped if mongomock changed)."""
    from mongomock import collection, helpers

    if getattr(collection, _INSTALLED, False):
        return
    names = ("make_datetime_timezone_aware_in_document", "patch_datetime_awareness_in_document")
    if not (hasattr(collection, "_copy_field") and hasattr(collection, "copy")
            and hasattr(collection.Collection, "_copy_only_fields")
            and hasattr(collection.Collection, "_find_and_modify")
            and all(hasattr(helpers, name) for name in names)):
        log.warning("mongomock internals changed: the embedded database keeps its own document copies")
        return
    ORIGINALS.update({
        "_copy_field": collection._copy_field,
        "_copy_only_fields": collection.Collection._copy_only_fields,
        "_find_and_modify": collection.Collection._find_and_modify,
        **{name: getattr(helpers, name) for name in names},
    })
    collection._copy_field = _fast_copy_field(ORIGINALS["_copy_field"])
    collection.Collection._copy_only_fields = _fast_projection(ORIGINALS["_copy_only_fields"], collection._copy_field)
    collection.Collection._find_and_modify = _fast_find_and_modify(ORIGINALS["_find_and_modify"])
    # Answered documents: stored (naive UTC) dates made aware, as `tz_aware=True` asks.
    utc = helpers.utc
    helpers.make_datetime_timezone_aware_in_document = _fast_rebuild(
        ORIGINALS[names[0]], lambda value: value.replace(tzinfo=utc)
    )
    # Stored documents and queries: dates naive UTC to the millisecond, mongomock's own conversion.
    helpers.patch_datetime_awareness_in_document = _fast_rebuild(ORIGINALS[names[1]], None)
    # collection.py calls `copy.deepcopy` on stored documents (update snapshots, inserts, reads).
    collection.copy = types.SimpleNamespace(copy=copy.copy, deepcopy=deep_copy)
    setattr(collection, _INSTALLED, True)


def _fast_copy_field(original: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A projection's copy of one value (`container` is the document class asked for)."""

    def copy_field(value: Any, container: Any) -> Any:
        kind = type(value)
        if kind in _LEAVES or kind is datetime:
            return value
        if kind is list:
            return [copy_field(item, container) for item in value]
        if kind is dict:
            new = container()
            for key, item in value.items():
                new[key] = item if type(item) in _LEAVES else copy_field(item, container)
            return new
        return original(value, container)

    return copy_field


def _fast_find_and_modify(original: Callable[..., Any]) -> Callable[..., Any]:
    """`find_one_and_update(..., return_document=AFTER)` without a copy of the document as it was.

    mongomock answers the document before the update first (a projected, dated copy), keeps only
    its `_id`, updates, then reads the document again. When the answer is the document after the
    update, the first match's `_id` is taken from the store directly. Everything else (answers
    before the update, sorts, deletions) goes to mongomock's own code.
    """
    from mongomock import helpers
    from pymongo import ReturnDocument

    def find_and_modify(self: Any, query: Any, projection: Any = None, update: Any = None, upsert: bool = False,
                        sort: Any = None, return_document: Any = ReturnDocument.BEFORE, session: Any = None,
                        **kwargs: Any) -> Any:
        if (return_document is not ReturnDocument.AFTER or update is None or sort is not None or session is not None
                or kwargs or type(query) is not dict):
            return original(self, query, projection, update, upsert, sort, return_document, session, **kwargs)
        found = next(iter(self._iter_documents(helpers.patch_datetime_awareness_in_document(query))), None)
        if found is None and not upsert:
            return None
        target = {"_id": found["_id"]} if found is not None else query
        updated = self._update(target, update, upsert)
        if updated["upserted"]:
            target = {"_id": updated["upserted"]}
        return self.find_one(target, projection)

    return find_and_modify


def _fast_projection(original: Callable[..., Any], copy_field: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    """A projection naming top-level fields to include or to exclude (all the service asks for), applied directly.

    mongomock first rebuilds the projection as a nested spec on every document. For `{"a": 1, "b": 1}`
    the answer is each named field in the document's order, then `_id` unless it is 0; for
    `{"a": 0}` every other field in the document's order, `_id` in its place unless it is 0: what
    this gives. Anything else (dotted paths, operators, mixed values) goes to mongomock's own code.
    """

    def copy_only_fields(self: Any, doc: Any, fields: Any, container: Any) -> Any:
        include = _top_level_projection(fields)
        if include is None:
            return original(self, doc, fields, container)
        keep_id = fields.get("_id", 1)
        projected = container()
        for key, value in doc.items():
            if key == "_id":
                if keep_id and not include:
                    projected[key] = value
            elif (key in fields) is include:
                projected[key] = copy_field(value, container)
        if keep_id and include and "_id" in doc:
            projected["_id"] = doc["_id"]
        return projected

    return copy_only_fields


# Projections already read, by their items: a find applies its projection to every document answered.
_PROJECTION_KINDS: dict[tuple[tuple[str, Any], ...], bool | None] = {}
_PROJECTION_KINDS_LIMIT = 1024


def _top_level_projection(fields: Any) -> bool | None:
    """True for top-level inclusions, False for top-level exclusions, None for anything else."""
    if type(fields) is not dict:
        return None
    try:
        key = tuple(fields.items())
        return _PROJECTION_KINDS[key]
    except TypeError:  # an unhashable value: an operator's document, never top-level include/exclude
        return None
    except KeyError:
        kind = _read_projection(fields)
        if len(_PROJECTION_KINDS) >= _PROJECTION_KINDS_LIMIT:
            _PROJECTION_KINDS.clear()
        _PROJECTION_KINDS[key] = kind
        return kind


def _read_projection(fields: dict[str, Any]) -> bool | None:
    if fields.get("_id", 1) not in (0, 1):
        return None
    named = [value for key, value in fields.items() if key != "_id"]
    if not named or any("." in key or key.startswith("$") for key in fields):
        return None
    if all(type(value) in (int, bool) and value == 1 for value in named):
        return True
    if all(type(value) in (int, bool) and value == 0 for value in named):
        return False
    return None


def _fast_rebuild(original: Callable[[Any], Any], dated: Callable[[datetime], Any] | None) -> Callable[[Any], Any]:
    """A copy of a document rebuilt value by value: `dated` turns a datetime (None: `original` does)."""

    def rebuild(value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            return {key: item if type(item) in _LEAVES else rebuild(item) for key, item in value.items()}
        if kind is list:
            return [item if type(item) in _LEAVES else rebuild(item) for item in value]
        if kind in _LEAVES:
            return value
        if kind is datetime and dated is not None:
            return dated(value)
        return original(value)  # tuples, OrderedDicts and other subclasses, bson's Timestamp

    return rebuild
