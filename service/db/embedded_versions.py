"""mongomock's version checks, parsed once: the embedded database compares versions on every operation.

mongomock decides pymongo-version-dependent behaviour at call time: most collection methods
parse a version string (`version.parse('4.0')`), and every update asks the client for its server
version as a list of numbers. Parsing the same few strings again on every operation showed in the
profile of events and claims. Version strings parse to immutable values, so answering each
string's first parse is the same answer; the server version list is copied per call, since
callers get a list they could change.
"""

import functools
import logging
import types
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_INSTALLED = "_rewards_cached_versions"


def install() -> None:
    """Cache mongomock's version parsing (idempotent; skipped if mongomock changed)."""
    from mongomock import collection, mongo_client

    if getattr(collection, _INSTALLED, False):
        return
    if not (hasattr(collection, "version") and hasattr(mongo_client, "_convert_version_to_list")):
        log.warning("mongomock internals changed: the embedded database keeps parsing versions per operation")
        return
    collection.version = types.SimpleNamespace(parse=functools.lru_cache(maxsize=64)(collection.version.parse))
    mongo_client._convert_version_to_list = _copied(
        functools.lru_cache(maxsize=8)(mongo_client._convert_version_to_list)
    )
    setattr(collection, _INSTALLED, True)


def _copied(cached: Callable[[str], list[int]]) -> Callable[[str], list[int]]:
    def version_list(version: str) -> list[Any]:
        return list(cached(version))

    return version_list
