"""py-spy attached to the service for one phase: what share of its Python work the driver takes.

py-spy (`pip install py-spy`, the `[profile]` extra) reads the running service's stacks from
outside, SAMPLE_RATE times a second. It samples only the thread holding the GIL (`--gil`): the
one running Python code at that moment, the event loop's (aiohttp, pydantic, the service) or one
of Motor's worker threads (PyMongo). Sampling every thread py-spy deems active instead counts
threads that are waiting for the server's reply or for a core (PyMongo's `SocketChecker.select`
took half the samples of a wire run that way), which is not work. It reads without stopping the
service (`--nonblocking`): stopping it for each sample cost it about a third of its throughput in a
comparison here, while reading it running loses some samples, which py-spy drops. A sample whose stack has a frame in the
driver's packages is the driver's; every other one is the service's own code and the libraries
at its edge. On the embedded database the driver is mongomock (the database itself, in the
service's process) and mongomock-motor.
"""

import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DRIVER_PACKAGES = ("pymongo", "motor", "bson", "mongomock", "mongomock_motor")
# A frame reads `function (path/to/file.py:line)`; the driver's frames have one of its packages as a folder.
_DRIVER_FILE = re.compile(r"\((?:[^()]*/)?(?:" + "|".join(DRIVER_PACKAGES) + r")/[^()]*\)$")
SAMPLE_RATE = 200  # per second: enough samples on the slow rows, about 5% of a core for py-spy itself
STOP_TIMEOUT_SECONDS = 30.0
ATTACH_SECONDS = 1.0  # py-spy reads the process's memory layout first: no samples before that

Stack = tuple[tuple[str, ...], int]  # frames from the thread's root to the sampled one, and how many samples


def executable() -> str | None:
    """py-spy beside this Python (the venv's), else on the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def parse_raw(text: str) -> list[Stack]:
    """py-spy's raw (collapsed) output: one `frame;frame;... count` line per distinct stack."""
    stacks = []
    for line in text.splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append((tuple(frames.split(";")), int(count)))
    return stacks


def is_driver_frame(frame: str) -> bool:
    return _DRIVER_FILE.search(frame) is not None


def in_driver(frames: Iterable[str]) -> bool:
    """Whether a sampled stack is in the driver: any of its frames is, whoever called it."""
    return any(is_driver_frame(frame) for frame in frames)


@dataclass(frozen=True)
class Shares:
    """One phase's busy samples, and how many of them were in the driver."""

    samples: int
    driver: int

    @property
    def outside_driver(self) -> float:
        return 1 - self.driver_share if self.samples else 0.0

    @property
    def driver_share(self) -> float:
        return self.driver / self.samples if self.samples else 0.0


def shares(stacks: Iterable[Stack]) -> Shares:
    total = driver = 0
    for frames, count in stacks:
        total += count
        driver += count if in_driver(frames) else 0
    return Shares(total, driver)


class Sampler:
    """`py-spy record` attached to a process until `stop`; `stop` answers its stacks, or why there are none."""

    def __init__(self, program: str, pid: int, output: Path) -> None:
        self.output = output
        self.process = subprocess.Popen(
            [
                program,
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--gil",
                "--nonblocking",
                "--rate",
                str(SAMPLE_RATE),
                "--output",
                str(output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(ATTACH_SECONDS)

    def stop(self) -> list[Stack] | str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # py-spy writes what it sampled, then exits
        try:
            _, errors = self.process.communicate(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, errors = self.process.communicate()
        if not self.output.exists():
            lines = [line for line in (errors or "").splitlines() if line.strip()]
            return f"py-spy failed ({self.process.returncode}): {lines[-1] if lines else 'no output'}"
        return parse_raw(self.output.read_text())


class Profiler:
    """py-spy per row when it can run, its stacks kept for `--profile`."""

    def __init__(self, pid: int, work_dir: Path) -> None:
        self.pid, self.work_dir = pid, work_dir
        self.program = executable()
        self.unavailable = (
            None if self.program else "py-spy is not installed (pip install py-spy, or the [profile] extra)"
        )
        self.collapsed: list[str] = []

    def start(self, name: str) -> Sampler | None:
        if self.unavailable or not self.program:
            return None
        return Sampler(self.program, self.pid, self.work_dir / f"{name}.stacks")

    def stop(self, name: str, sampler: Sampler | None) -> Shares | str:
        if sampler is None:
            return self.unavailable or "not sampled"
        stacks = sampler.stop()
        if isinstance(stacks, str):
            self.unavailable = stacks  # not permitted here, most likely: no use trying the next rows
            return stacks
        self.collapsed += [f"{name};{';'.join(frames)} {count}" for frames, count in stacks]
        return shares(stacks)
