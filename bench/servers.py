"""The processes `rewards-bench` measures: the service and the ceiling server, on loopback.

Each runs in its own subprocess so the load generator (the bench process) never shares an event
loop or a core's time slice with the server it measures.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# At least 32 characters: with a real database the service refuses shorter tokens.
BOT_TOKEN = "bench-bot-token-of-at-least-32-characters"
ADMIN_TOKEN = "bench-admin-token-of-at-least-32-characters"
BOT_HEADERS = {"Authorization": f"Bearer {BOT_TOKEN}"}
READY_TIMEOUT_SECONDS = 60.0
IDLE_QUIET_SECONDS = 0.5  # the server's CPU time must not move for this long to count as idle
IDLE_LIMIT_SECONDS = 30.0


def stat_cpu_seconds(stat: str, ticks_per_second: int) -> float:
    """User + system CPU time of all a process's threads, from the text of /proc/<pid>/stat."""
    # The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / ticks_per_second


@dataclass
class Server:
    """A started server process and where it listens."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Interrupt its process group, wait, then kill."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()

    def memory_kib(self, field: str) -> int:
        """A memory figure of the server from /proc (VmRSS now, VmHWM the peak), in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise RuntimeError(f"{field} not found for pid {self.pid}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's process has used so far."""
        return stat_cpu_seconds(Path(f"/proc/{self.pid}/stat").read_text(), os.sysconf("SC_CLK_TCK"))

    def wait_idle(self) -> float:
        """Wait until the server's CPU time stops moving (requests still in flight are done); return it."""
        deadline = time.monotonic() + IDLE_LIMIT_SECONDS
        used = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(IDLE_QUIET_SECONDS)
            previous, used = used, self.cpu_seconds()
            if used == previous:
                break
        return used


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(name: str, args: list[str], env: dict[str, str], port: int, ready_path: str, log_dir: Path) -> Server:
    log = (log_dir / f"{name}.log").open("wb")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            # The log directory is temporary: show the end of the log now.
            tail = (log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} exited with {process.returncode}; the end of its log:\n{tail}")
        try:
            with urllib.request.urlopen(server.url + ready_path, timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} was not ready within {READY_TIMEOUT_SECONDS:.0f}s")


def start_service(mongodb_url: str | None, mongodb_db: str, log_level: str, log_dir: Path) -> Server:
    """The real service (`python -m service.main`) with no seed catalogue and the bench tokens."""
    port = free_port()
    env = {
        **os.environ,
        "REWARDS_HOST": "127.0.0.1",
        "REWARDS_PORT": str(port),
        "REWARDS_BOT_TOKEN": BOT_TOKEN,
        "REWARDS_ADMIN_TOKEN": ADMIN_TOKEN,
        "REWARDS_SEED_PATH": "",
        "REWARDS_LOG_LEVEL": log_level,
        "MONGODB_DB": mongodb_db,
    }
    env.pop("MONGODB_URL", None)
    if mongodb_url:
        env["MONGODB_URL"] = mongodb_url
    return _start("service", [sys.executable, "-m", "service.main"], env, port, "/health", log_dir)


def start_ceiling(log_dir: Path) -> Server:
    """The trivial JSON handler in its own process."""
    port = free_port()
    args = [sys.executable, "-m", "bench.ceiling_server", "--port", str(port)]
    return _start("ceiling", args, dict(os.environ), port, "/", log_dir)
