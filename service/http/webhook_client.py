"""The webhook sender's HTTP side: one aiohttp session POSTing to the configured URL, and nowhere else."""

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from service.operations.leases import release_lease
from service.operations.webhooks import LEASE_JOB, Attempt, WebhookSender
from service.settings import Settings, mask_webhook_url

# The receiver's answer is read up to this size only: nothing it sends can fill our memory.
MAX_ANSWER_BYTES = 64 * 1024
MAX_ERROR_CHARS = 200


@dataclass
class WebhookClient:
    """POSTs to one URL, fixed at start-up; redirects are not followed, so no other URL is ever called."""

    url: str = field(repr=False)
    session: aiohttp.ClientSession = field(repr=False)
    timeout_seconds: float = 10.0

    async def __call__(self, body: bytes, headers: dict[str, str]) -> Attempt:
        try:
            async with self.session.post(
                self.url,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
            ) as answer:
                await read_at_most(answer.content, MAX_ANSWER_BYTES)
                if 200 <= answer.status < 300:
                    return Attempt(delivered=True)
                return Attempt(delivered=False, error=f"HTTP {answer.status} {answer.reason or ''}".strip())
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return Attempt(delivered=False, error=self.describe(error))

    def describe(self, error: BaseException) -> str:
        """Error class and a short message, the URL masked (its password or query may be a credential)."""
        message = str(error).replace(self.url, mask_webhook_url(self.url))
        text = f"{type(error).__name__}: {message}" if message else type(error).__name__
        return text[:MAX_ERROR_CHARS]


async def read_at_most(stream: aiohttp.StreamReader, limit: int) -> int:
    """Read the answer up to `limit` bytes and drop them; the rest is never read (the connection is closed)."""
    read = 0
    while read < limit:
        chunk = await stream.read(limit - read)
        if not chunk:
            break
        read += len(chunk)
    return read


def lease_duration(settings: Settings) -> timedelta:
    """Long enough to outlast one attempt and a poll, short enough that a crashed sender is replaced soon."""
    return timedelta(seconds=3 * (settings.webhook_timeout_seconds + settings.webhook_poll_seconds))


@contextlib.asynccontextmanager
async def open_sender(
    settings: Settings, clock: Callable[[], datetime], **options: Any
) -> AsyncIterator[WebhookSender]:
    """A sender with one HTTP session for its lifetime; at exit the session closes and the lease is released."""
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ValueError("webhooks are not configured")
    async with aiohttp.ClientSession() as session:
        sender = WebhookSender(
            secret=settings.webhook_secret,
            transport=WebhookClient(settings.webhook_url, session, settings.webhook_timeout_seconds),
            clock=clock,
            lease=lease_duration(settings),
            **options,
        )
        try:
            yield sender
        finally:
            with contextlib.suppress(Exception):  # shutting down with the database away: the lease expires
                await release_lease(LEASE_JOB, sender.owner)
