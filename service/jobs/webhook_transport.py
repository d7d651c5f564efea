"""The webhook sender's HTTP side: POSTs to the configured URL, and nowhere else."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from service.settings import mask_webhook_url

# The receiver's answer is read up to this size only: nothing it sends can fill our memory.
MAX_ANSWER_BYTES = 64 * 1024
MAX_ERROR_CHARS = 200


@dataclass
class Attempt:
    """What one POST came to: delivered, or why not (never the headers or the secret)."""

    delivered: bool
    error: str | None = None


# POSTs a body with these headers to the configured URL.
Transport = Callable[[bytes, dict[str, str]], Awaitable[Attempt]]


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
