"""`make test`: the whole suite on mongomock, then again on a SecantusDB wire-protocol server.

mongomock is the fast default the user asked for; SecantusDB is a real server process (WiredTiger
storage, unique indexes, validators, a wire protocol the production driver speaks) that shows what
mongomock cannot: races between requests, server-side validation, restarts. This runner starts the
server on a free port with a temporary storage directory, waits for `ping`, and stops it at the
end whatever happens (bench/secantusdb.py, which the bench uses too). The wire pass runs in slices
of whole files, each on a fresh server (tests/support/chunks.py says why), two slices at a time. The
mongomock pass runs at the same time; each pass's or slice's output is shown when it ends. With MONGODB_URL set,
it runs the suite once, against that server only.

Usage: python -m tests.two_passes [pytest arguments...]
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.secantusdb import STOP_TIMEOUT_SECONDS, secantusdb_server
from tests.support.chunks import CHUNK_LINE_PREFIX

# Tests per wire slice: small enough that SecantusDB's retryable-write record stays far from its
# 10 000 cap, large enough that a slice's start (a server, pytest's collection) is a few percent of it.
WIRE_CHUNK_SIZE = 250
# Wire slices run at once, each with its own server: a slice waits on its server most of the time
# (about two thirds of a core), so two of them, and the mongomock pass, share two cores well.
WIRE_LANES = 2

__all__ = ["PassResult", "main", "run_pytest"]

_OUTCOME = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)")
_CHUNK = re.compile(rf"^{CHUNK_LINE_PREFIX}(\d+) of (\d+)$")
_COUNTED = ("passed", "failed", "skipped", "error")


@dataclass
class PassResult:
    """One run of pytest: its name, exit code and the closing summary line it printed."""

    name: str
    exit_code: int
    summary: str
    chunks: int = 1

    def count(self, outcome: str) -> int:
        """How many tests ended with this outcome ("error" counts "errors" too)."""
        counts = {("error" if kind.startswith("error") else kind): int(n) for n, kind in _OUTCOME.findall(self.summary)}
        return counts.get(outcome, 0)


def _pytest_process(args: Sequence[str], mongodb_url: str | None, output: Any) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if key != "MONGODB_URL"}
    if mongodb_url:
        env["MONGODB_URL"] = mongodb_url
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )


def _result_of(name: str, lines: Iterable[str], exit_code: int | None = None) -> tuple[str, int]:
    """The closing summary line pytest printed, and the number of slices it announced (1 if none)."""
    summary, chunks = "", 1
    for line in lines:
        if _OUTCOME.search(line) and " in " in line:
            summary = line.strip().strip("= ")
        elif chunk_line := _CHUNK.match(line.strip()):
            chunks = int(chunk_line.group(2))
    return summary or f"no summary (exit code {exit_code})", chunks


def run_pytest(name: str, args: Sequence[str], mongodb_url: str | None) -> PassResult:
    """Run the suite once, echoing its output, and keep its closing summary line."""
    print(f"\n=== {name} ===", flush=True)
    process = _pytest_process(args, mongodb_url, subprocess.PIPE)
    assert process.stdout is not None
    seen: list[str] = []
    try:
        for line in process.stdout:
            sys.stdout.write(line)
            seen.append(line)
        exit_code = process.wait()
    except BaseException:
        process.terminate()  # interrupted: take pytest down too, then let the caller stop the server
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
        raise
    summary, chunks = _result_of(name, seen, exit_code)
    return PassResult(name, exit_code, summary, chunks)


@contextmanager
def in_the_background(name: str, args: Sequence[str]) -> Iterator[Callable[[], PassResult]]:
    """The mongomock pass, run while the wire pass runs: its output is kept in a file and echoed when it ends.

    The two passes share the machine well: the wire pass waits on its server most of the time (it
    uses about two thirds of a core), so together they take little longer than the wire pass alone.
    """
    with tempfile.TemporaryFile("w+") as output:
        process = _pytest_process(args, None, output)

        def result() -> PassResult:
            exit_code = process.wait()
            output.seek(0)
            lines = output.readlines()
            print(f"\n=== {name} (ran alongside the wire pass) ===")
            sys.stdout.writelines(lines)
            summary, _ = _result_of(name, lines, exit_code)
            return PassResult(name, exit_code, summary)

        try:
            yield result
        finally:
            if process.poll() is None:  # interrupted, or the wire pass failed to start: take it down too
                process.terminate()
                process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _slice_count(args: Sequence[str]) -> int:
    """How many slices the wire pass has: what a collection of its first slice announces."""
    env = {key: value for key, value in os.environ.items() if key != "MONGODB_URL"}
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", *args, *_slice_args(1)]
    collected = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return _result_of("collection", collected.stdout.splitlines())[1]


def _slice_args(chunk: int) -> list[str]:
    return ["--chunk", str(chunk), "--chunk-size", str(WIRE_CHUNK_SIZE)]


class _Slices:
    """The wire slices running now, so that an interrupted run takes every one of them down."""

    def __init__(self) -> None:
        self.running: set[subprocess.Popen[str]] = set()
        self.stopped = False
        self.lock = threading.Lock()

    def run(self, chunk: int, chunks: int, args: Sequence[str]) -> PassResult:
        """One slice on a server of its own; its output is printed whole when it ends."""
        with secantusdb_server() as url, tempfile.TemporaryFile("w+") as output:
            name = f"pass 2 of 2, slice {chunk} of {chunks}: SecantusDB wire-protocol server at {url}"
            with self.lock:
                if self.stopped:
                    return PassResult(name, 2, "not run (interrupted)")
                process = _pytest_process([*args, *_slice_args(chunk)], url, output)
                self.running.add(process)
            exit_code = process.wait()
            with self.lock:
                self.running.discard(process)
                output.seek(0)
                lines = output.readlines()
                print(f"\n=== {name} ===")
                sys.stdout.writelines(lines)
                sys.stdout.flush()
        summary, _ = _result_of(name, lines, exit_code)
        return PassResult(name, exit_code, summary)

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for process in self.running:
                process.terminate()


def run_wire_pass(args: Sequence[str]) -> PassResult:
    """The suite on SecantusDB, in slices, WIRE_LANES at a time, each slice on a fresh server; one result for them all."""
    started = time.monotonic()
    chunks = _slice_count(args)
    slices = _Slices()
    with ThreadPoolExecutor(WIRE_LANES) as pool:
        running = [pool.submit(slices.run, chunk, chunks, args) for chunk in range(1, chunks + 1)]
        try:
            results = [slice_.result() for slice_ in running]
        except BaseException:
            slices.stop()  # each slice's server is stopped as its slice ends
            raise
    counts = ", ".join(f"{sum(r.count(outcome) for r in results)} {outcome}" for outcome in _COUNTED)
    summary = f"{counts} in {time.monotonic() - started:.0f}s ({len(results)} slices, a fresh server each)"
    return PassResult("pass 2 of 2: SecantusDB wire-protocol server", max(r.exit_code for r in results), summary)


def _raise_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through `finally`, so the server is stopped


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    named = os.environ.get("MONGODB_URL")
    if named:
        return run_pytest("the MongoDB server at MONGODB_URL", args, named).exit_code
    with in_the_background("pass 1 of 2: mongomock (embedded default)", args) as first_pass:
        wire = run_wire_pass(args)
        results = [first_pass(), wire]
    print("\n=== both passes ===")
    for result in results:
        print(f"{result.name.split(': ', 1)[1]}: {result.summary}")
    totals = {outcome: sum(r.count(outcome) for r in results) for outcome in _COUNTED}
    print(f"total: {totals['passed']} passed, {totals['failed'] + totals['error']} failed, {totals['skipped']} skipped")
    # pytest's exit code 5 (no tests collected) is a failure here too: a pass that ran nothing proves nothing.
    return max((result.exit_code for result in results), default=0)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the test server was stopped", file=sys.stderr)
        sys.exit(130)
