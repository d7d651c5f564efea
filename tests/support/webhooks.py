"""A real webhook receiver for the tests (its own aiohttp server on 127.0.0.1), and feed entries to send it.

The receiver checks every request with the Standard Webhooks specification's own library, so a
delivery counts only if the bot could have trusted it.
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from rewards_contract.webhooks import WebhookVerificationError
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError as SpecVerificationError

from service.db import collections

SECRET = "whsec_" + base64.b64encode(b"a test secret of thirty-two bytes").decode()


@dataclass
class Received:
    """One request as the receiver saw it."""

    webhook_id: str
    headers: dict[str, str]
    body: bytes
    payload: dict[str, Any] | None  # None: the signature did not verify
    status: int


@dataclass
class Receiver:
    """Answers each request with `answer(request_number, webhook_id)` (1-based); records everything."""

    answer: Callable[[int, str], int] = lambda number, webhook_id: 200
    secret: str = SECRET
    # The clock the signature's timestamp is checked against (standardwebhooks: the real time).
    verify: Callable[[bytes, dict[str, str]], Any] | None = None
    requests: list[Received] = field(default_factory=list)
    other_paths: list[str] = field(default_factory=list)
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        app.router.add_route("*", "/{tail:.*}", self._elsewhere)
        return app

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        try:
            payload = (self.verify or Webhook(self.secret).verify)(body, headers)
        except (WebhookVerificationError, SpecVerificationError, ValueError):
            payload = None  # answered 400, like a receiver that cannot trust the request
        webhook_id = request.headers.get("webhook-id", "")
        status = self.answer(len(self.requests) + 1, webhook_id) if payload is not None else 400
        self.requests.append(Received(webhook_id, headers, body, payload, status))
        return web.Response(status=status, text="ok" if status < 300 else "not now")

    async def _elsewhere(self, request: web.Request) -> web.Response:
        self.other_paths.append(request.path)
        return web.Response(status=200)

    @property
    def accepted_ids(self) -> list[str]:
        return [r.webhook_id for r in self.requests if 200 <= r.status < 300]

    @property
    def attempted_ids(self) -> list[str]:
        return [r.webhook_id for r in self.requests]


async def start_receiver(aiohttp_server: Any, receiver: Receiver) -> Receiver:
    server = await aiohttp_server(receiver.app(), host="127.0.0.1")
    receiver.url = str(server.make_url("/hook"))
    return receiver


@pytest.fixture
async def receiver(aiohttp_server: Any) -> Receiver:
    """A receiver answering 200 to everything (tests change `answer`), already listening."""
    return await start_receiver(aiohttp_server, Receiver())


def entry_id(seq: int) -> str:
    return f"grant_created:g-{seq}"


async def insert_feed_entries(first: int, last: int, at: datetime) -> None:
    """Entries first..last, numbered contiguously as the relay numbers them."""
    await collections.feed().insert_many(
        [
            {
                "entry_id": entry_id(seq),
                "seq": seq,
                "type": "grant_created",
                "user_id": 1000 + seq,
                "reward_slug": "streak-7",
                "at": at,
                "data": {"grant_id": f"g-{seq}", "claimed_at": at, "amount": seq},
                "created_at": at,
                "expires_at": at + timedelta(days=7),
            }
            for seq in range(first, last + 1)
        ]
    )


async def sender_writes(clock: Callable[[], datetime]) -> None:
    """What the webhook sender stores: one step failing on the first entry, one delivering it (no HTTP)."""
    from service.jobs.webhook_sender import Attempt, WebhookSender
    from service.operations.webhooks import load_state

    answers = iter([Attempt(delivered=False, error="HTTP 500 Internal Server Error")])

    async def transport(body: bytes, headers: dict[str, str]) -> Attempt:
        return next(answers, Attempt(delivered=True))

    now = clock()
    sender = WebhookSender(
        secret=SECRET, transport=transport, clock=lambda: now, owner="schema-check", jitter=lambda: 0.0
    )
    await sender.step()
    now = (await load_state())["next_attempt_at"] or now
    await sender.step()
