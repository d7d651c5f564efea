"""mongomock's bulk writes, leaving no reference cycles behind.

mongomock runs a bulk write through closures that reference the operation that made them, which
references the builder holding the closures: every bulk write leaves about fifteen objects in a
reference cycle, only freed by the garbage collector. The service bulk-writes on every unlock,
every expiry and every relay step, so on the embedded database the collector kept finding tens of
thousands of them, in collections of 20-80 ms that stall every request in flight. Dropping the
closures once the write ran (a builder runs once) lets reference counting free them at once.
"""

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_INSTALLED = "_rewards_bulk_without_cycles"


def install() -> None:
    """Make each bulk write drop its closures after running (idempotent; skipped if mongomock changed)."""
    from mongomock.collection import BulkOperationBuilder

    if getattr(BulkOperationBuilder, _INSTALLED, False):
        return
    if not hasattr(BulkOperationBuilder, "execute"):
        log.warning("mongomock internals changed: its bulk writes keep leaving reference cycles")
        return
    BulkOperationBuilder.execute = _forgetting_closures(BulkOperationBuilder.execute)
    setattr(BulkOperationBuilder, _INSTALLED, True)


def _forgetting_closures(execute: Callable[..., Any]) -> Callable[..., Any]:
    def execute_once(self: Any, write_concern: Any = None) -> Any:
        try:
            return execute(self, write_concern)
        finally:
            if self.done:  # ran (or failed while running): its closures are never called again
                self.executors.clear()

    return execute_once
