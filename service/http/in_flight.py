"""Counting the requests being handled, so a shutdown can wait for them (see service/http/server.py)."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class InFlightRequests:
    """How many requests are being handled, so a shutdown can wait until none are."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextmanager
    def track(self) -> Iterator[None]:
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait_idle(self) -> None:
        """Return once no request is in flight; the caller bounds the wait."""
        await self._idle.wait()
