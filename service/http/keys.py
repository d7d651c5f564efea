"""Typed keys for everything stored on the aiohttp application."""

from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from service.caches.catalogue import CatalogCache
from service.caches.rarity import RarityHolder
from service.db.availability import OutageLog
from service.db.connection import Database
from service.http.in_flight import InFlightRequests
from service.observability.metrics import Metrics
from service.settings import Settings
from service.usecases.runtime import Runtime

SETTINGS = web.AppKey("settings", Settings)
# What the use cases and the background jobs share: settings, clock, metrics, caches.
RUNTIME = web.AppKey("runtime", Runtime)
DATABASE = web.AppKey("database", Database)
METRICS = web.AppKey("metrics", Metrics)
IN_FLIGHT = web.AppKey("in_flight", InFlightRequests)
CATALOG = web.AppKey("catalog", CatalogCache)
# What the readiness probe saw of the database: one log line when it goes away, one when it is back.
DATABASE_PROBE = web.AppKey("database_probe", OutageLog)
# The rarity board every answer reads (set at start-up, swapped by the background refresher).
RARITY = web.AppKey("rarity", RarityHolder)
# The service's clock: UTC now at MongoDB precision. Tests replace it to control time.
CLOCK = web.AppKey("clock", Callable[[], datetime])
