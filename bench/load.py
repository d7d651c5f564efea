"""The load generator: a fixed list of requests sent by C concurrent clients, every latency recorded."""

import asyncio
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The value at `fraction` of sorted `ordered` (0.0 when empty): the one rule every figure of the bench uses."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass(frozen=True)
class Call:
    """One request to send."""

    method: str
    path: str
    json: Any = None
    headers: dict[str, str] | None = None


@dataclass
class PhaseResult:
    """What one phase measured: a 409 is an answer the bench can expect, anything else not 2xx an error."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    conflicts: int = 0
    errors: int = 0
    bodies: list[Any] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return self.ok + self.conflicts + self.errors

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        return percentile(sorted(self.latencies), fraction) * 1000

    def figures(self) -> "Figures":
        """This phase's figures; every request was answered (or failed) before `drive` returned."""
        return Figures(
            self.name,
            "python",
            self.requests,
            self.ok,
            self.conflicts,
            self.errors,
            self.seconds,
            self.percentile_ms(0.50),
            self.percentile_ms(0.95),
            self.percentile_ms(0.99),
        )


@dataclass
class Figures:
    """One endpoint's figures, whichever load generator (`python` or `wrk`) produced them.

    `sent` can exceed `completed`: wrk stops with requests in flight, which the server still
    handles, so the server's CPU time is divided by what was sent.
    """

    name: str
    generator: str
    sent: int
    ok: int
    conflicts: int
    errors: int  # statuses other than 2xx and 409, and connection errors and timeouts
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu_seconds: float = 0.0  # the server process's user + system time over the phase

    @property
    def completed(self) -> int:
        """Requests answered, or failed on the connection."""
        return self.ok + self.conflicts + self.errors

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds * 1000 / self.sent if self.sent else 0.0


async def drive(
    base_url: str,
    name: str,
    calls: Iterable[Call],
    concurrency: int,
    headers: dict[str, str],
    keep_bodies: bool = False,
) -> PhaseResult:
    """Send every call with `concurrency` clients sharing one iterator; return the measurements."""
    result = PhaseResult(name)
    pending: Iterator[Call] = iter(calls)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)

    async def client(session: aiohttp.ClientSession) -> None:
        for call in pending:  # the shared iterator bounds the loop: each call is sent once
            started = time.perf_counter()
            try:
                async with session.request(
                    call.method, base_url + call.path, json=call.json, headers=call.headers
                ) as response:
                    body = await response.json() if keep_bodies else await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError):
                result.errors += 1
                continue
            result.latencies.append(time.perf_counter() - started)
            if 200 <= status < 300:
                result.ok += 1
                if keep_bodies:
                    result.bodies.append((call, body))
            elif status == 409:
                result.conflicts += 1
            else:
                result.errors += 1

    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result
