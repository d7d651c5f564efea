"""Equality indexes for the embedded database, so its lookups stop scanning whole collections.

mongomock has no real indexes: every query, and every unique-index check on a write, filters
every document of the collection in Python (about 1.8 ms per 1 000 documents). The service looks
documents up by fields that never change once stored (`_id`, `user_id`, `grant_id`, `key`,
`slug`, and the feed's `entry_id` and `seq`), so a map from each value to the ids holding it narrows a query to its few candidates;
each candidate still goes through the query's filter (`matcher`, the query read once per lookup), so results are
what a scan would give.

The assumption that makes this safe: an indexed field is never changed in place by an update
(mongomock mutates stored documents in place, behind the store's back). The service only sets
these fields on insert. A field holding a list, a document or null somewhere falls back to scans.
Real MongoDB uses its own indexes; this module is installed for the embedded database only.
"""

import logging
import time
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from datetime import datetime
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from mongomock.filtering import filter_applies

log = logging.getLogger(__name__)

INDEXED_FIELDS = ("user_id", "grant_id", "key", "slug", "entry_id", "seq")
_STATE = "_rewards_equality_indexes"
# How often expired documents of a TTL index are deleted: MongoDB's TTL monitor period.
TTL_MONITOR_SECONDS = 60.0
_TTL_CHECKED = "_rewards_ttl_checked_at"


class _FieldIndex:
    """Ids of the documents holding each value of one field, in insertion order."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.usable = True
        self.ids_by_value: dict[Any, dict[Any, None]] = {}
        self.value_by_id: dict[Any, Any] = {}

    def add(self, doc_id: Any, document: dict[str, Any]) -> None:
        self.remove(doc_id)
        if self.field not in document:
            return
        value = document[self.field]
        if value is None or not isinstance(value, Hashable) or isinstance(value, (tuple, bool)):
            self.usable = False  # null, arrays and documents have matching rules of their own
            return
        self.ids_by_value.setdefault(value, {})[doc_id] = None
        self.value_by_id[doc_id] = value

    def remove(self, doc_id: Any) -> None:
        if doc_id in self.value_by_id:
            value = self.value_by_id.pop(doc_id)
            bucket = self.ids_by_value[value]
            del bucket[doc_id]
            if not bucket:
                del self.ids_by_value[value]


def _indexes(store: Any) -> dict[str, _FieldIndex]:
    """The store's indexes, built on first use and rebuilt if the store's dict was replaced (drop)."""
    state = store.__dict__.get(_STATE)
    if state is None or state[0] is not store._documents:
        built = {name: _FieldIndex(name) for name in INDEXED_FIELDS}
        for doc_id, document in store._documents.items():
            for index in built.values():
                index.add(doc_id, document)
        state = (store._documents, built)
        store.__dict__[_STATE] = state
    return state[1]


def _equality_values(condition: Any) -> Sequence[Any] | None:
    """The values an equality or `$in` condition matches, or None when it is neither."""
    if isinstance(condition, dict):
        if set(condition) == {"$in"} and isinstance(condition["$in"], list):
            return condition["$in"]
        return None
    return (condition,)


def _lookup_values(condition: Any) -> Sequence[Any] | None:
    """The values of an equality or `$in` condition an index can look up, or None."""
    values = _equality_values(condition)
    if values is not None and all(
        v is not None and isinstance(v, Hashable) and not isinstance(v, (tuple, bool)) for v in values
    ):
        return values
    return None


def candidate_ids(store: Any, query: Any) -> Iterable[Any] | None:
    """The ids of the only documents that can match `query`, or None when a scan is needed."""
    if not isinstance(query, dict):
        return None
    if "_id" in query:
        values = _lookup_values(query["_id"])
        if values is not None:
            return values
    indexes = _indexes(store)
    for name in INDEXED_FIELDS:
        if name in query and indexes[name].usable:
            values = _lookup_values(query[name])
            if values is not None:
                ids_by_value = indexes[name].ids_by_value
                return [doc_id for value in values for doc_id in ids_by_value.get(value, ())]
    return None


_MISSING = object()
_IDS = frozenset({ObjectId, PydanticObjectId})
_PLAIN_KINDS = frozenset({str, int}) | _IDS
# The stored types an equality with a value of each plain type decides (an id matches either id class).
_KINDS: dict[type, frozenset[type]] = {str: frozenset({str}), int: frozenset({int}), ObjectId: _IDS,
                                       PydanticObjectId: _IDS}
# `$in` lists longer than this are looked up in a set; shorter ones are compared one by one.
_SCAN_AT_MOST = 8
_RANGE_OPERATORS = frozenset({"$gt", "$gte", "$lt", "$lte"})
_RANGE_BOUNDS = frozenset({datetime, int, float, str})


def matches(query: dict[str, Any], document: dict[str, Any]) -> bool:
    """`filtering.filter_applies(query, document)`, deciding the plain conditions itself."""
    return matcher(query)(document)


def matcher(query: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """`filtering.filter_applies(query, ·)` for many candidates, the query read once.

    A query's top-level conditions are ANDed, so each can be decided apart. A stored string,
    integer or id compared with values of its own type (an equality, or `$in`) is plain equality
    in MongoDB as in Python; a range on a dotted path that reaches no value (missing, null, `[]`)
    matches nothing. Every other condition (other operators, arrays, dates, null, booleans, mixed
    types) is left to mongomock, in one call with the conditions that remain for that document.
    """
    plain: list[tuple[str, Any, frozenset[type], Collection[Any]]] = []
    ranges: list[tuple[str, str, Any]] = []
    others: dict[str, Any] = {}
    for key, wanted in query.items():
        if key[:1] != "$":
            if "." not in key:
                compiled = _plain_condition(wanted)
                if compiled is not None:
                    plain.append((key, wanted, *compiled))
                    continue
            elif _is_range(wanted):
                ranges.append((key, key.partition(".")[0], wanted))
                continue
        others[key] = wanted

    def applies(document: dict[str, Any]) -> bool:
        rest: dict[str, Any] | None = None
        for key, wanted, kinds, values in plain:
            have = document.get(key, _MISSING)
            if type(have) in kinds:
                if have not in values:
                    return False
            else:  # a stored value of another kind: mongomock's rules
                rest = rest or {}
                rest[key] = wanted
        for key, top, wanted in ranges:
            if _holds_nothing(document.get(top, _MISSING)):
                return False
            rest = rest or {}
            rest[key] = wanted
        if others:
            rest = others if rest is None else {**rest, **others}
        return rest is None or filter_applies(rest, document)

    return applies


def _plain_condition(wanted: Any) -> tuple[frozenset[type], Collection[Any]] | None:
    """For an equality or `$in` of plain values of one kind: the stored types it decides, and the values."""
    values = _equality_values(wanted)
    if values is None:
        return None
    if not values:
        return _PLAIN_KINDS, ()  # nothing is in an empty list
    kinds = _KINDS.get(type(values[0]))
    if kinds is None:
        return None
    if len(values) > 1:
        for value in values:
            if type(value) not in kinds:
                return None
        if len(values) > _SCAN_AT_MOST:
            return kinds, frozenset(values)
    return kinds, values


def _holds_nothing(top: Any) -> bool:
    """Whether a dotted path starting at this top-level value reaches no value at all (missing, null, `[]`)."""
    return top is _MISSING or top is None or (type(top) is list and not top)


def _is_range(wanted: Any) -> bool:
    """A condition of range operators only, each bounded by a date, number or string: no value, no match.

    The relay's `{"feed_outbox.at": {"$gte": ...}}` is one; most documents' outboxes are empty.
    """
    return (type(wanted) is dict and bool(wanted) and wanted.keys() <= _RANGE_OPERATORS
            and all(type(bound) in _RANGE_BOUNDS for bound in wanted.values()))


def install() -> None:
    """Patch mongomock's collection scan and store writes (idempotent; skipped if mongomock changed)."""
    from mongomock.collection import Collection
    from mongomock.store import CollectionStore

    if getattr(Collection, _STATE, False):
        return
    if not all(hasattr(cls, name) for cls, name in
               ((Collection, "_iter_documents"), (CollectionStore, "_remove_expired_documents"))):
        log.warning("mongomock internals changed: the embedded database keeps scanning collections")
        return
    scan: Callable[..., Any] = Collection._iter_documents
    set_item, del_item = CollectionStore.__setitem__, CollectionStore.__delitem__
    remove_expired = CollectionStore._remove_expired_documents

    def remove_expired_now_and_then(self: Any) -> None:
        # mongomock checks every document of a collection with a TTL index on every read and write;
        # MongoDB's TTL monitor deletes expired documents once every 60 seconds. Doing as MongoDB does
        # keeps a large TTL collection (the feed) from costing a scan per operation.
        now = time.monotonic()
        if now - self.__dict__.get(_TTL_CHECKED, -TTL_MONITOR_SECONDS) >= TTL_MONITOR_SECONDS:
            self.__dict__[_TTL_CHECKED] = now
            remove_expired(self)

    def iter_documents(self: Any, query: Any) -> Any:
        store = self._store
        ids = candidate_ids(store, query)
        if ids is None:
            return scan(self, query)
        store._remove_expired_documents()  # what every mongomock read does first (TTL indexes)
        documents = store._documents
        candidates = [documents[doc_id] for doc_id in ids if doc_id in documents]
        applies = matcher(query)
        return (document for document in candidates if applies(document))

    def setitem(self: Any, key: Any, value: Any) -> None:
        set_item(self, key, value)
        state = self.__dict__.get(_STATE)
        if state is not None and state[0] is self._documents:
            for index in state[1].values():
                index.add(key, value)

    def delitem(self: Any, key: Any) -> None:
        del_item(self, key)
        state = self.__dict__.get(_STATE)
        if state is not None and state[0] is self._documents:
            for index in state[1].values():
                index.remove(key)

    Collection._iter_documents = iter_documents
    CollectionStore._remove_expired_documents = remove_expired_now_and_then
    CollectionStore.__setitem__ = setitem
    CollectionStore.__delitem__ = delitem
    setattr(Collection, _STATE, True)
