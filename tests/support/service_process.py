"""The service as a real process (`python -m service.main`) on a free loopback port, for tests that stop or kill it."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.healthcheck import healthy

REPO = Path(__file__).resolve().parents[2]
# Generous: start-up creates indexes and validators, which a slow server takes seconds over.
START_TIMEOUT_SECONDS = 60


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON log lines the process wrote."""
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line.startswith("{")]

    def access_log(self) -> dict[str, dict[str, Any]]:
        """The access-log entries by request id."""
        return {str(e["request_id"]): e for e in self.log_lines() if e.get("logger") == "service.access"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_service(env: Mapping[str, str], log_path: Path, port: int) -> subprocess.Popen[bytes]:
    """The service as a process, with `env` over os.environ, on `port`, writing its JSON log lines to `log_path`."""
    full_env = {
        **os.environ,
        "REWARDS_HOST": "127.0.0.1",
        "REWARDS_SEED_PATH": "",
        "REWARDS_LOG_FORMAT": "json",
        **env,
        "REWARDS_PORT": str(port),
    }
    # A file, not a pipe: nobody reads while requests run, and a full pipe would block the server.
    # Appended to, so a restarted service's log follows the killed one's.
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "service.main"], cwd=REPO, env=full_env, stdout=log_file, stderr=subprocess.STDOUT
        )


@contextmanager
def running_service(env: Mapping[str, str], log_path: Path) -> Iterator[Service]:
    """Start the service with `env` over os.environ, on a free port; wait until healthy; kill it at the end."""
    port = free_port()
    process = start_service(env, log_path, port)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None or healthy(port, timeout=1):
                break
            time.sleep(0.1)
        assert process.poll() is None, f"service exited at start-up:\n{log_path.read_text()}"
        assert healthy(port), f"service never became healthy:\n{log_path.read_text()}"
        yield Service(process, port, log_path)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
