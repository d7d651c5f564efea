"""The real service on a loopback socket for the client's end-to-end tests, with injectable lost answers.

`LostAnswers` is an outermost middleware: it lets a chosen request reach the service and be
handled completely, then spoils the answer the way networks do (a 503 from a proxy, an answer
that never comes, a connection dropped mid-way), or the way the service does when its database
call ran out of time (a 503 `database_unavailable` with `Retry-After`). The client cannot tell the
request was applied, which is exactly the situation its retries must survive without granting or
counting twice.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from aiohttp import web
from rewards_client import RewardsClient
from rewards_contract.errors import DatabaseUnavailable, ServerError

from service.http.app import init_app
from service.http.responses import json_error
from service.settings import Settings
from tests.support.environment import ADMIN_TOKEN, BOT_TOKEN, FakeClock, drop_database

How = Literal["503", "no_answer", "dropped", "database_unavailable"]
# Long enough for any loopback request, short enough that a "no answer" test stays quick.
SHORT_TIMEOUT = 1.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when it arrived, on the client's clock


@dataclass
class LostAnswers:
    """Records every request; spoils the answers of the next `times` requests to a path once handled."""

    seen: list[Seen] = field(default_factory=list)
    # Answers the service produced but the client never received.
    lost: list[bytes] = field(default_factory=list)
    plans: dict[tuple[str, str], tuple[How, int, str]] = field(default_factory=dict)
    # Held "no answer" requests wait for this (set at teardown) instead of hanging the server's close.
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def spoil(self, method: str, path: str, how: How, times: int = 1, retry_after: str = "2") -> None:
        """`retry_after` is the `Retry-After` of a `database_unavailable` answer (the service's own by default)."""
        self.plans[(method, path)] = (how, times, retry_after)

    def count(self, method: str, path: str) -> int:
        return sum(1 for s in self.seen if (s.method, s.path) == (method, path))

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.seen.append(Seen(request.method, request.path, dict(request.headers)))
        response = await handler(request)
        how, times, retry_after = self.plans.get((request.method, request.path), ("503", 0, ""))
        if times == 0:
            return response
        self.plans[(request.method, request.path)] = (how, times - 1, retry_after)
        assert isinstance(response, web.Response)
        assert isinstance(response.body, bytes)
        self.lost.append(response.body)
        if how == "503":
            return json_error(ServerError("The upstream answer was lost.", status=503, code="service_unavailable"))
        if how == "database_unavailable":
            unavailable = json_error(DatabaseUnavailable("The database did not answer in time."))
            unavailable.headers["Retry-After"] = retry_after
            return unavailable
        if how == "no_answer":
            await asyncio.wait_for(self.release.wait(), timeout=30)
            return response
        assert request.transport is not None
        request.transport.abort()  # "dropped": the connection dies before the answer is written
        return response


@dataclass
class RunningService:
    url: str
    faults: LostAnswers
    clock: FakeClock
    app: web.Application  # for a test that runs a background job's step itself (the jobs wait on real time)

    def client(self, token: str = BOT_TOKEN, **options: Any) -> RewardsClient:
        """A client of this service; no pause between retries unless asked."""
        return RewardsClient(self.url, token, **{"timeout": 5.0, "backoff": 0.0, **options})


@pytest.fixture
async def service(aiohttp_server: Any, settings: Settings, clock: FakeClock) -> AsyncIterator[RunningService]:
    """The real app factory served on 127.0.0.1 (a real socket), with the test's clock and database."""
    faults = LostAnswers()
    app = init_app(settings, clock=clock)
    app.middlewares.insert(0, faults.middleware)
    server = await aiohttp_server(app)
    try:
        yield RunningService(url=str(server.make_url("")), faults=faults, clock=clock, app=app)
    finally:
        faults.release.set()
        await server.close()
        await drop_database(settings)


@pytest.fixture
async def bot(service: RunningService) -> AsyncIterator[RewardsClient]:
    async with service.client() as client:
        yield client


@pytest.fixture
async def admin(service: RunningService) -> AsyncIterator[RewardsClient]:
    async with service.client(ADMIN_TOKEN) as client:
        yield client
