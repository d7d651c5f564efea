"""`--chunk K --chunk-size N`: run only the K-th slice of the collected tests, whole files at a time.

The wire pass (tests/two_passes.py) runs the suite in slices, each against a fresh SecantusDB
server. SecantusDB keeps every retryable write's reply for 30 minutes, up to 10 000 of them, and
scans (then, once full, sorts) that whole record on every write: a write late in one long run costs
several milliseconds more than the same write on a fresh server, and the suite's one wire run grew
from about 7 to 17 minutes that way. MongoDB keeps these records per session in an index, so the
slowdown is the test server's, not the service's; a fresh server per slice sidesteps it without
touching the server's internals or the driver's retryable writes.

A file never spans two slices (its module fixtures run once), and slices follow collection order.
The plugin prints `chunk K of M` once collection is done, which the runner reads to know when to stop.
"""

from __future__ import annotations

import pytest

CHUNK_LINE_PREFIX = "chunk "


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chunks", "run one slice of the suite")
    group.addoption("--chunk", type=int, default=None, help="which slice to run, counted from 1")
    group.addoption("--chunk-size", type=int, default=300, help="about how many tests a slice holds")


def slices_of(file_sizes: list[int], chunk_size: int) -> list[int]:
    """The slice (from 1) of each file: a file starts a new slice once the current one holds `chunk_size` tests."""
    slices: list[int] = []
    current, held = 1, 0
    for size in file_sizes:
        if held >= chunk_size:
            current, held = current + 1, 0
        slices.append(current)
        held += size
    return slices


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    chunk = config.getoption("chunk")
    if chunk is None:
        return
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.location[0], []).append(item)
    slices = slices_of([len(file_items) for file_items in files.values()], config.getoption("chunk_size"))
    kept = [
        item
        for file_items, slice_ in zip(files.values(), slices, strict=True)
        if slice_ == chunk
        for item in file_items
    ]
    kept_ids = {id(item) for item in kept}
    dropped = [item for item in items if id(item) not in kept_ids]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"{CHUNK_LINE_PREFIX}{chunk} of {max(slices, default=1)}")
