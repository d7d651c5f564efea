"""The test runner's own promises: the wire server it starts is always stopped and removed; slices run every test once."""

import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pymongo
import pytest

from bench.secantusdb import secantusdb_server
from tests.support.chunks import slices_of
from tests.support.environment import REAL_MONGODB_URL
from tests.two_passes import PassResult


def _refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("mongodb://").split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


def _a_failing_run(started: list[str], storage: Path) -> None:
    """A run inside the server's context: it pings the server, records its URL, then fails."""
    with secantusdb_server() as url:
        with pymongo.MongoClient[dict[str, Any]](url, serverSelectionTimeoutMS=5000) as client:
            assert client.admin.command("ping")["ok"] == 1.0
        started.append(url)
        assert any(storage.iterdir())
        raise RuntimeError("tests failed")


def test_the_server_answers_ping_and_is_stopped_and_removed_even_when_the_run_fails(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where its storage directory goes
    started: list[str] = []
    with pytest.raises(RuntimeError, match="tests failed"):
        _a_failing_run(started, tmp_path)
    assert started
    assert _refuses_connections(started[0])
    assert list(tmp_path.iterdir()) == []


def test_a_pass_result_counts_outcomes_from_pytests_closing_line():
    result = PassResult("wire", 1, "2 failed, 540 passed, 3 skipped, 1 error in 61.02s (0:01:01)")
    assert [result.count(kind) for kind in ("passed", "failed", "skipped", "error")] == [540, 2, 3, 1]
    assert PassResult("mock", 5, "no tests ran in 0.01s").count("passed") == 0


def test_a_slice_ends_once_it_holds_enough_tests_and_never_splits_a_file():
    assert slices_of([3, 3, 3, 3], chunk_size=5) == [1, 1, 2, 2]
    assert slices_of([10, 1, 1], chunk_size=5) == [1, 2, 2]
    assert slices_of([], chunk_size=5) == []


def _collected(*args: str) -> tuple[list[str], str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return [line for line in done.stdout.splitlines() if "::" in line], done.stdout


@pytest.mark.skipif(REAL_MONGODB_URL is not None, reason="collection only, the same on both passes: once is enough")
def test_the_slices_of_a_run_hold_every_test_exactly_once():
    everything, _ = _collected("tests/settings")
    sliced: list[str] = []
    chunk, chunks = 1, 1
    while chunk <= chunks:
        tests, output = _collected("tests/settings", "--chunk", str(chunk), "--chunk-size", "40")
        announced = re.search(r"^chunk \d+ of (\d+)$", output, re.MULTILINE)
        assert announced, output
        chunks = int(announced.group(1))
        sliced += tests
        chunk += 1
    assert chunks > 1
    assert sorted(sliced) == sorted(everything)
