"""What every use case of one running service shares: its settings, clock, metrics and in-process caches."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from documents.clock import utc_now
from service.caches.catalogue import CatalogCache
from service.caches.rarity import RarityHolder
from service.engine.rarity import RarityBoard
from service.observability.metrics import Metrics
from service.settings import Settings


@dataclass(frozen=True)
class Runtime:
    """One running service's shared parts: built once by the app factory; the background jobs run on it too."""

    settings: Settings
    # UTC now at MongoDB precision. Tests replace it to control time.
    clock: Callable[[], datetime]
    metrics: Metrics
    catalogue: CatalogCache
    # Loaded at start-up, before serving, by the rarity job, which swaps in every newer board.
    rarity: RarityHolder

    @classmethod
    def of(cls, settings: Settings, clock: Callable[[], datetime] = utc_now) -> "Runtime":
        """A service's runtime for these settings: fresh metrics, an empty catalogue cache, no rarity figures yet.

        The app's rarity job loads the stored figures before the service answers; a tool that runs use
        cases without it answers every reward's rarity as none yet.
        """
        holder = RarityHolder(RarityBoard(as_of=clock()))
        return cls(settings, clock, Metrics(), CatalogCache(settings.catalog_ttl_seconds), holder)
