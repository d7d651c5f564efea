"""The one mongomock version the embedded database's patches are written for, and the check each runs first.

service/db/embedded_indexes.py and service/db/embedded_bulk.py replace private parts of mongomock, which
change without notice between versions: each refuses to install unless mongomock is exactly this version
(the one pyproject.toml's `embedded` extra pins) and still has every name it replaces.
"""

import importlib
from collections.abc import Callable, Mapping, Sequence

MONGOMOCK_VERSION = "4.3.0"


def check_patchable(
    patch: str, patched: Mapping[str, Sequence[str]], has: Callable[[type, str], bool] = hasattr
) -> None:
    """Raise RuntimeError unless mongomock is the pinned version and has every name `patch` replaces.

    `patched` maps an owner's dotted path to the names replaced on it; `has` says whether one is there.
    """
    import mongomock

    installed = mongomock.__version__  # type: ignore[attr-defined]  # mongomock's own stub (__init__.pyi) omits it
    if installed != MONGOMOCK_VERSION:
        raise RuntimeError(
            f"{patch} is written for mongomock {MONGOMOCK_VERSION}, found {installed}: "
            "install the version pyproject.toml pins"
        )
    missing = [
        f"{path}.{name}"
        for path, names in patched.items()
        for name in names
        if (owner := _owner(path)) is None or not has(owner, name)
    ]
    if missing:
        raise RuntimeError(f"mongomock {installed} lacks {', '.join(missing)}: {patch} cannot be installed")


def _owner(path: str) -> type | None:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name, None)
