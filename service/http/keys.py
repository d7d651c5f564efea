"""Typed keys for everything stored on the aiohttp application."""

from aiohttp import web

from service.database import Database
from service.metrics import Metrics
from service.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
METRICS = web.AppKey("metrics", Metrics)
