"""Indexes for the embedded database (mongomock), so its lookups stop reading whole collections.

mongomock has no indexes: every query, every unique-index check on a write and the feed relay's
outbox read filter every document of the collection in Python. With the demo at 1 000 users
(about 5 000 `user_rewards` documents) that made each facts update take about 230 ms and the idle
relay alone burn about half a core (its outbox read twice a second); with these indexes a list
takes about 2 ms and the idle service next to nothing (figures from `docs/performance.md`).

What is indexed:
- equality on `_id` and on the fields the service looks documents up by (`INDEXED_FIELDS`);
- the feed relay's `{"feed_outbox.at": <range>}`: the documents whose `feed_outbox` holds something.

An index only narrows a query to its candidates; each candidate still goes through mongomock's own
filter, so a query answers exactly what a scan would. An index is kept right under every write:
inserts and deletes pass through the store, and every document an update may have changed in place
(those its query read) is indexed again once the update returns. A field holding a list, a document,
null or a boolean anywhere makes that field's index unusable: such values have matching rules of
their own, and queries on it scan.

This patches mongomock's private internals, so mongomock is pinned to the exact version
service/db/mongomock_pin.py names (pyproject.toml) and `install` refuses to run on another one, or
if a name it replaces is missing.
Real MongoDB uses its own indexes; only the embedded database installs this.
"""

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from service.db.mongomock_pin import check_patchable

INDEXED_FIELDS = ("user_id", "grant_id", "key", "slug", "entry_id", "seq")
# A range on this dotted path matches only documents whose top-level `feed_outbox` holds a value.
OUTBOX_PATH = "feed_outbox.at"
_OUTBOX = OUTBOX_PATH.partition(".")[0]
_RANGE_OPERATORS = frozenset({"$gt", "$gte", "$lt", "$lte"})
_RANGE_BOUNDS = (datetime, int, float, str)
_STATE = "_rewards_indexes"
_INSTALLED = "_rewards_indexes_installed"
# On a store while an update runs: the ids of the documents it read, which it may change in place.
_READ = "_rewards_read_by_update"
# What install() replaces, by owner: checked before anything is patched.
PATCHED = {
    "mongomock.collection.Collection": ("_iter_documents", "_update"),
    "mongomock.store.CollectionStore": ("__setitem__", "__delitem__", "_documents"),
}


class _FieldIndex:
    """Ids of the documents holding each value of one top-level field."""

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
        if not _indexable(value):
            self.usable = False  # null, arrays, documents and booleans match by rules of their own
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


class _Indexes:
    """One collection's indexes: equality fields, and the documents holding outbox entries."""

    def __init__(self, documents: dict[Any, dict[str, Any]]) -> None:
        self.documents = documents  # the store's dict: replaced by a drop, which makes these stale
        self.fields = {name: _FieldIndex(name) for name in INDEXED_FIELDS}
        self.holding_outbox: dict[Any, None] = {}
        for doc_id, document in documents.items():
            self.add(doc_id, document)

    def add(self, doc_id: Any, document: dict[str, Any]) -> None:
        for index in self.fields.values():
            index.add(doc_id, document)
        outbox = document.get(_OUTBOX)
        if outbox is None or outbox == []:
            self.holding_outbox.pop(doc_id, None)
        else:
            self.holding_outbox[doc_id] = None

    def remove(self, doc_id: Any) -> None:
        for index in self.fields.values():
            index.remove(doc_id)
        self.holding_outbox.pop(doc_id, None)

    def candidates(self, query: Any) -> Iterable[Any] | None:
        """The ids of the only documents that can match `query`, or None when it needs a scan."""
        if not isinstance(query, dict):
            return None
        if "_id" in query:
            values = _lookup_values(query["_id"])
            if values is not None:
                return values
        for name, index in self.fields.items():
            if name in query and index.usable:
                values = _lookup_values(query[name])
                if values is not None:
                    return [doc_id for value in values for doc_id in index.ids_by_value.get(value, ())]
        if _is_range(query.get(OUTBOX_PATH)):
            return list(self.holding_outbox)
        return None


def _indexable(value: Any) -> bool:
    return value is not None and isinstance(value, Hashable) and not isinstance(value, (tuple, bool))


def _lookup_values(condition: Any) -> Sequence[Any] | None:
    """The values an equality or `$in` condition matches, when an index can look all of them up."""
    if isinstance(condition, dict):
        if set(condition) != {"$in"} or not isinstance(condition["$in"], list):
            return None
        values = condition["$in"]
    else:
        values = [condition]
    return values if all(_indexable(value) for value in values) else None


def _is_range(condition: Any) -> bool:
    """Range operators only, each bounded by a date, number or string: a missing value never matches."""
    return (
        isinstance(condition, dict)
        and bool(condition)
        and condition.keys() <= _RANGE_OPERATORS
        and all(isinstance(bound, _RANGE_BOUNDS) for bound in condition.values())
    )


def _indexes(store: Any) -> _Indexes:
    """The store's indexes, built on first use and again after a drop replaced its documents."""
    indexes = store.__dict__.get(_STATE)
    if indexes is None or indexes.documents is not store._documents:
        indexes = store.__dict__[_STATE] = _Indexes(store._documents)
    return indexes


def _current(store: Any) -> _Indexes | None:
    """The store's indexes if they are built and not stale (nothing to keep up to date otherwise)."""
    indexes = store.__dict__.get(_STATE)
    return indexes if indexes is not None and indexes.documents is store._documents else None


def check_mongomock() -> None:
    """Refuse to patch a mongomock other than the pinned one, or one missing a name this replaces."""
    check_patchable("the embedded database's index patch", PATCHED, _has)


def _has(owner: type, name: str) -> bool:
    if name == "_documents":  # set by CollectionStore.__init__: only an instance has it
        return name in vars(owner("check"))
    return hasattr(owner, name)


def install() -> None:
    """Index mongomock's collections (idempotent); raises RuntimeError on an unexpected mongomock."""
    from mongomock.collection import Collection
    from mongomock.filtering import filter_applies
    from mongomock.store import CollectionStore

    if getattr(Collection, _INSTALLED, False):
        return
    check_mongomock()
    scan: Callable[..., Any] = Collection._iter_documents
    update: Callable[..., Any] = Collection._update
    set_item, del_item = CollectionStore.__setitem__, CollectionStore.__delitem__

    def iter_documents(self: Any, query: Any) -> Iterator[dict[str, Any]]:
        store = self._store
        read = store.__dict__.get(_READ)
        ids = _indexes(store).candidates(query)
        if ids is None:
            found = scan(self, query)
        else:
            if read:  # inside an update: what it already changed is not indexed again yet (its unique checks)
                ids = dict.fromkeys([*ids, *read])
            store._remove_expired_documents()  # what every mongomock read does first (TTL indexes)
            documents = store._documents
            found = (
                documents[doc_id]
                for doc_id in list(ids)
                if doc_id in documents and filter_applies(query, documents[doc_id])
            )
        return found if read is None else _recording(found, read)

    def update_reindexing(self: Any, *args: Any, **kwargs: Any) -> Any:
        # mongomock changes the documents an update reads in place, behind the store's back: index
        # each of them again afterwards, whether the update succeeded, matched nothing or rolled back.
        store = self._store
        outer = store.__dict__.get(_READ)
        read: list[Any] = []
        store.__dict__[_READ] = read
        try:
            return update(self, *args, **kwargs)
        finally:
            store.__dict__[_READ] = outer
            if outer is not None:
                outer.extend(read)
            indexes = _current(store)
            if indexes is not None:
                for doc_id in read:
                    if doc_id in store._documents:
                        indexes.add(doc_id, store._documents[doc_id])

    def setitem(self: Any, key: Any, value: Any) -> None:
        set_item(self, key, value)
        indexes = _current(self)
        if indexes is not None:
            indexes.add(key, value)

    def delitem(self: Any, key: Any) -> None:
        del_item(self, key)
        indexes = _current(self)
        if indexes is not None:
            indexes.remove(key)

    # Replacing mongomock's methods is this module's purpose; mypy refuses any assignment to a method.
    Collection._iter_documents = iter_documents  # type: ignore[method-assign]  # the patch, on purpose
    Collection._update = update_reindexing  # type: ignore[method-assign]  # the patch, on purpose
    CollectionStore.__setitem__ = setitem  # type: ignore[method-assign]  # the patch, on purpose
    CollectionStore.__delitem__ = delitem  # type: ignore[method-assign]  # the patch, on purpose
    setattr(Collection, _INSTALLED, True)


def _recording(documents: Iterable[dict[str, Any]], read: list[Any]) -> Iterator[dict[str, Any]]:
    for document in documents:
        read.append(document["_id"])
        yield document
