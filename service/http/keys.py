"""Typed keys for everything stored on the aiohttp application."""

from aiohttp import web

from service.db.availability import OutageLog
from service.db.connection import Database
from service.http.in_flight import InFlightRequests
from service.settings import Settings
from service.usecases.runtime import Runtime

SETTINGS = web.AppKey("settings", Settings)
# What the use cases and the background jobs share: settings, clock, metrics, caches.
RUNTIME = web.AppKey("runtime", Runtime)
DATABASE = web.AppKey("database", Database)
IN_FLIGHT = web.AppKey("in_flight", InFlightRequests)
# What the readiness probe saw of the database: one log line when it goes away, one when it is back.
DATABASE_PROBE = web.AppKey("database_probe", OutageLog)
