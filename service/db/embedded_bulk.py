"""Bulk writes on the embedded database (mongomock) under current PyMongo: an empty `sort` passes, any other is refused.

Since PyMongo 4.11 `UpdateOne` and `ReplaceOne` take a `sort` (which of several matching documents the
write changes), and their `_add_to_bulk` always hands it to the bulk builder, as `sort=None` when unset.
mongomock's `BulkOperationBuilder.add_update` and `add_replace` have no such parameter, so without this
every `bulk_write` holding either fails with a TypeError, whatever it asks. This takes the argument and
lets an empty one through; any other is refused, since mongomock cannot choose a document by sort order
there and ignoring the sort would change another document than MongoDB changes.

What it costs: a patch of two mongomock methods, so mongomock is pinned to the exact version
service/db/mongomock_pin.py names (pyproject.toml) and `install` refuses to run on another one, or if
a name it wraps is missing; and a bulk write that sorts cannot run on the embedded database (the
service sends none). Real MongoDB applies the sort itself; only the embedded database installs this.
"""

import functools
from collections.abc import Callable
from typing import Any

from service.db.mongomock_pin import check_patchable

BUILDER = "mongomock.collection.BulkOperationBuilder"
# What install() wraps, by owner: checked before anything is patched.
PATCHED = {BUILDER: ("add_update", "add_replace")}
_INSTALLED = "_rewards_bulk_sort_checked"


class BulkSortUnsupported(NotImplementedError):
    """A bulk write's `UpdateOne` or `ReplaceOne` carries a sort, which the embedded database cannot apply."""


def check_mongomock() -> None:
    """Refuse to patch a mongomock other than the pinned one, or one missing a name this wraps."""
    check_patchable("the embedded database's bulk-write patch", PATCHED)


def install() -> None:
    """Let mongomock's bulk builder take PyMongo's `sort` (idempotent); raises RuntimeError on an unexpected mongomock."""
    from mongomock.collection import BulkOperationBuilder

    if getattr(BulkOperationBuilder, _INSTALLED, False):
        return
    check_mongomock()
    for name in PATCHED[BUILDER]:
        setattr(BulkOperationBuilder, name, _taking_sort(getattr(BulkOperationBuilder, name)))
    setattr(BulkOperationBuilder, _INSTALLED, True)


def _taking_sort(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def taking_sort(self: Any, *args: Any, sort: Any = None, **kwargs: Any) -> Any:
        if sort:  # None, {} or []: no order asked for, nothing lost
            raise BulkSortUnsupported(
                f"the embedded database (mongomock) cannot apply a bulk write's sort {sort!r}: "
                "it would change another document than MongoDB does; run this on a real MongoDB (MONGODB_URL)"
            )
        return method(self, *args, **kwargs)

    return taking_sort
