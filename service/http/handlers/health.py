"""Liveness and readiness: is the service up, and does its database answer."""

from aiohttp import web
from rewards_contract.api import HealthResponse

from service.db.connection import ping
from service.http.keys import DATABASE
from service.http.responses import json_model


async def health(request: web.Request) -> web.Response:
    """200 when the database answers a ping, 503 when it does not."""
    healthy = await ping(request.app[DATABASE])
    if healthy:
        return json_model(HealthResponse(status="ok", database="ok"))
    return json_model(HealthResponse(status="degraded", database="unavailable"), status=503)
