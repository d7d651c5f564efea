"""`make test`: the whole suite on mongomock, then again on a SecantusDB wire-protocol server.

mongomock is the fast default the user asked for; SecantusDB is a real server process (WiredTiger
storage, unique indexes, validators, a wire protocol the production driver speaks) that shows what
mongomock cannot: races between requests, server-side validation, restarts. This runner starts the
server on a free port with a temporary storage directory, waits for `ping`, and stops it at the
end whatever happens (bench/secantusdb.py, which the bench uses too). The wire pass runs in slices
of whole files, each on a fresh server: tests/support/chunks.py says why. With MONGODB_URL set,
it runs the suite once, against that server only.

Usage: python -m tests.two_passes [pytest arguments...]
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.secantusdb import STOP_TIMEOUT_SECONDS, secantusdb_server
from tests.support.chunks import CHUNK_LINE_PREFIX

# Tests per wire slice: small enough that SecantusDB's retryable-write record stays far from its
# 10 000 cap, large enough that a slice's start (a server, pytest's collection) is a few percent of it.
WIRE_CHUNK_SIZE = 250

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


def run_pytest(name: str, args: Sequence[str], mongodb_url: str | None) -> PassResult:
    """Run the suite once, echoing its output, and keep its closing summary line."""
    env = {key: value for key, value in os.environ.items() if key != "MONGODB_URL"}
    if mongodb_url:
        env["MONGODB_URL"] = mongodb_url
    print(f"\n=== {name} ===", flush=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    summary = ""
    chunks = 1
    assert process.stdout is not None
    try:
        for line in process.stdout:
            sys.stdout.write(line)
            if _OUTCOME.search(line) and " in " in line:
                summary = line.strip().strip("= ")
            elif chunk_line := _CHUNK.match(line.strip()):
                chunks = int(chunk_line.group(2))
        exit_code = process.wait()
    except BaseException:
        process.terminate()  # interrupted: take pytest down too, then let the caller stop the server
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
        raise
    return PassResult(name, exit_code, summary or f"no summary (exit code {exit_code})", chunks)


def run_wire_pass(args: Sequence[str]) -> PassResult:
    """The suite on SecantusDB, a slice at a time, each slice on a fresh server; one result for them all."""
    started = time.monotonic()
    results: list[PassResult] = []
    chunk, chunks = 1, 1
    while chunk <= chunks:
        with secantusdb_server() as url:
            name = f"pass 2 of 2, slice {chunk}: SecantusDB wire-protocol server at {url}"
            results.append(run_pytest(name, [*args, "--chunk", str(chunk), "--chunk-size", str(WIRE_CHUNK_SIZE)], url))
        chunks = results[-1].chunks
        chunk += 1
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
    results = [run_pytest("pass 1 of 2: mongomock (embedded default)", args, None), run_wire_pass(args)]
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
