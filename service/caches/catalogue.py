"""The in-process cache of the active catalogue: every request reads it, the catalogue's use cases invalidate it.

Rewards change rarely and every request reads them, so each instance keeps the active ones in
memory. Its own admin changes invalidate the cache at once; changes made through another
instance (or a seed run) are noticed within `ttl_seconds` by comparing the stored catalogue
version, one tiny read per TTL at most.
"""

import asyncio
import time
from collections.abc import Callable

from service.engine.catalogue import ActiveRewards
from service.operations.catalog_version import current_catalog_version
from service.operations.rewards import load_active_rewards


class CatalogCache:
    """Active rewards, reloaded when the stored version moves (checked at most every TTL)."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._rewards: ActiveRewards | None = None
        self._version: int | None = None
        self._checked_at = 0.0
        self._lock = asyncio.Lock()
        # Bumped by invalidate(): a reload that began before a change must not be kept after it.
        self._generation = 0

    def invalidate(self) -> None:
        """Forget everything: the next read reloads (after a change made by this instance)."""
        self._rewards = None
        self._generation += 1

    async def active(self) -> ActiveRewards:
        if self._rewards is not None and self._clock() - self._checked_at < self._ttl:
            return self._rewards
        async with self._lock:  # one refresh at a time; the others reuse its result
            if self._rewards is not None and self._clock() - self._checked_at < self._ttl:
                return self._rewards
            generation = self._generation
            version = await current_catalog_version()
            rewards = self._rewards
            if rewards is None or version != self._version:
                rewards = await load_active_rewards()
            if generation == self._generation:  # no change by this instance while we read
                self._rewards, self._version, self._checked_at = rewards, version, self._clock()
            return rewards

    async def knowing_counter(self, name: str) -> ActiveRewards:
        """The active catalogue; re-checked once when it does not know `name` (declared on another instance since).

        Costs a round trip only on a miss: a counter just declared elsewhere is never refused.
        """
        current = await self.active()
        if name in current.counters:
            return current
        if self._rewards is current:
            self._checked_at = float("-inf")  # due now: the next read compares the stored version
        return await self.active()
