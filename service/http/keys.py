"""Typed keys for everything stored on the aiohttp application."""

from aiohttp import web

from service.database import Database
from service.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
