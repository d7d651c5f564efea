"""A SecantusDB wire-protocol server of our own, started and stopped around a block: the suite's second pass and the bench.

SecantusDB is GPL-2.0 and a dev dependency only: it always runs as a separate process here and is
never imported by the service. The server gets a free loopback port and a temporary storage
directory, is waited for until it answers `ping`, and is stopped and removed at the end whatever
happens.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymongo

from bench.servers import free_port

STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


def _server_command(port: int, storage: Path) -> list[str]:
    executable = shutil.which("secantusd-py", path=str(Path(sys.executable).parent)) or shutil.which("secantusd-py")
    if executable is None:
        raise SystemExit("secantusd-py not found: install the dev extra (make install-dev) for the wire-server pass")
    return [
        executable,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(storage),
        "--log-level",
        "WARNING",
    ]


def _wait_for_ping(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"SecantusDB exited with {process.returncode} before answering:\n{log.read_text()[-2000:]}"
            )
        try:
            with pymongo.MongoClient[dict[str, Any]](url, serverSelectionTimeoutMS=500) as client:
                client.admin.command("ping")
                return
        except pymongo.errors.PyMongoError:
            time.sleep(0.2)
    raise SystemExit(f"SecantusDB did not answer ping within {STARTUP_TIMEOUT_SECONDS:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except ProcessLookupError:
        pass


@contextmanager
def secantusdb_server() -> Iterator[str]:
    """A SecantusDB server on a free loopback port and a temporary directory; yields its URL."""
    workdir = Path(tempfile.mkdtemp(prefix="rewards-secantusdb-"))
    port = free_port()
    log = workdir / "server.log"
    with log.open("wb") as log_file:
        # Its own session, so a Ctrl-C reaching pytest does not kill it before we stop it ourselves.
        process = subprocess.Popen(
            _server_command(port, workdir / "data"), stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        url = f"mongodb://127.0.0.1:{port}"
        _wait_for_ping(url, process, log)
        yield url
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)
