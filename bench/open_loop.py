"""Open-loop load: requests sent on a fixed schedule whatever the server answers, each timed from its schedule.

wrk and `bench.load.drive` are closed loops: a connection sends its next request only once its
previous one is answered, so while the server stalls they stop sending, and the requests real
clients would have sent meanwhile are never measured (coordinated omission). Here request i is
due at t0 + i/Q whether or not earlier ones were answered, and its latency runs from that due
time to its complete answer: a stall counts against every request queued behind it. So does any
lag of this generator itself, which is reported, so that figures it distorts are known.
"""

import asyncio
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

import aiohttp

from bench.load import Call, percentile

CONNECTIONS = 512
TIMEOUT_SECONDS = 30.0
LAG_WARNING_SECONDS = 0.005  # generator lag at p99 beyond which the figures partly measure the generator


@dataclass(frozen=True)
class Request:
    """A call ready to send: URL joined and body serialized before the clock starts, to keep sending cheap."""

    endpoint: str
    method: str
    url: str
    body: bytes | None
    headers: dict[str, str] | None


def prepare(base_url: str, endpoint: str, call: Call) -> Request:
    if call.json is None:
        return Request(endpoint, call.method, base_url + call.path, None, call.headers)
    headers = {**(call.headers or {}), "Content-Type": "application/json"}
    return Request(endpoint, call.method, base_url + call.path, json.dumps(call.json).encode(), headers)


@dataclass(frozen=True)
class Summary:
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def summarize(latencies: Sequence[float]) -> Summary:
    """Percentiles and maximum, in ms, of latencies in seconds (all 0.0 when there are none)."""
    ordered = sorted(latencies)
    p50, p95, p99 = (percentile(ordered, fraction) * 1000 for fraction in (0.50, 0.95, 0.99))
    return Summary(p50, p95, p99, ordered[-1] * 1000 if ordered else 0.0)


@dataclass
class Endpoint:
    """One endpoint's counts. Latencies are of answers (whatever their status), each from its due time."""

    name: str
    sent: int = 0
    ok: int = 0
    conflicts: int = 0
    errors: int = 0  # statuses other than 2xx and 409, connection errors, timeouts
    latencies: list[float] = field(default_factory=list)

    @property
    def completed(self) -> int:
        """Requests answered, or failed on the connection."""
        return self.ok + self.conflicts + self.errors

    def record(self, status: int, latency: float) -> None:
        self.latencies.append(latency)
        if 200 <= status < 300:
            self.ok += 1
        elif status == 409:
            self.conflicts += 1
        else:
            self.errors += 1


@dataclass
class OpenLoopResult:
    """A phase's endpoints and how far behind schedule the generator sent (`lags`, in seconds)."""

    rate: float  # offered, req/s
    endpoints: dict[str, Endpoint]
    lags: list[float] = field(default_factory=list)
    started: float = 0.0  # the first request's due time, on time.perf_counter()
    last_sent: float = 0.0

    @property
    def sending_seconds(self) -> float:
        """From the first due time to the last send, plus the last request's own interval: D when on time."""
        return self.last_sent - self.started + 1 / self.rate if self.lags else 0.0

    def offered_rate(self, endpoint: Endpoint) -> float:
        """Requests per second the generator really sent to `endpoint`."""
        return endpoint.sent / self.sending_seconds if self.sending_seconds else 0.0

    def total(self) -> Endpoint:
        """Every endpoint's requests as one, named "all"."""
        parts = self.endpoints.values()
        return Endpoint(
            "all",
            sum(part.sent for part in parts),
            sum(part.ok for part in parts),
            sum(part.conflicts for part in parts),
            sum(part.errors for part in parts),
            [latency for part in parts for latency in part.latencies],
        )

    def lag(self) -> Summary:
        return summarize(self.lags)

    @property
    def generator_lagged(self) -> bool:
        """Whether the generator fell far enough behind that the latencies partly measure it, not the server."""
        return self.lag().p99_ms > LAG_WARNING_SECONDS * 1000


async def run(
    base_url: str,
    rate: float,
    seconds: float,
    calls: Iterable[tuple[str, Call]],
    headers: dict[str, str],
    request_timeout: float = TIMEOUT_SECONDS,
) -> OpenLoopResult:
    """Send the first rate × seconds `(endpoint, call)` pairs, request i due i/rate after the start; await all.

    A request unanswered after `request_timeout` seconds counts as an error.
    """
    requests = [prepare(base_url, endpoint, call) for endpoint, call in islice(calls, round(rate * seconds))]
    result = OpenLoopResult(rate, {request.endpoint: Endpoint(request.endpoint) for request in requests})
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(
        connector=connector, headers=headers, timeout=aiohttp.ClientTimeout(total=request_timeout)
    ) as session:
        result.started = time.perf_counter()
        in_flight = []
        for number, request in enumerate(requests):
            due = result.started + number / rate
            delay = due - time.perf_counter()
            if delay > 0:  # else it is late: it goes at once, and its lateness counts in its latency
                await asyncio.sleep(delay)
            in_flight.append(asyncio.create_task(_send(session, request, due, result)))
        await asyncio.gather(*in_flight)
    return result


async def _send(session: aiohttp.ClientSession, request: Request, due: float, result: OpenLoopResult) -> None:
    result.last_sent = time.perf_counter()
    result.lags.append(result.last_sent - due)
    endpoint = result.endpoints[request.endpoint]
    endpoint.sent += 1
    try:
        async with session.request(request.method, request.url, data=request.body, headers=request.headers) as response:
            await response.read()
    except (TimeoutError, aiohttp.ClientError):
        endpoint.errors += 1
        return
    endpoint.record(response.status, time.perf_counter() - due)
