"""Readiness and liveness: can this instance serve (its database answers), and is the process up at all."""

from aiohttp import web
from rewards_contract.api import HealthResponse, LivenessResponse

from service.db.connection import ping
from service.http.keys import DATABASE, DATABASE_PROBE
from service.http.responses import json_model


async def health(request: web.Request) -> web.Response:
    """200 when the database answers a ping within the probe's deadline, 503 when it does not."""
    probe = request.app[DATABASE_PROBE]
    try:
        await ping(request.app[DATABASE])
    except Exception as error:  # whatever the driver raised, the instance is not ready; logged once per outage
        probe.failed(error)
        return json_model(HealthResponse(status="degraded", database="unavailable"), status=503)
    probe.succeeded()
    return json_model(HealthResponse(status="ok", database="ok"))


async def live(request: web.Request) -> web.Response:
    """200 as long as the process answers: an orchestrator restarts on this, never on a database outage."""
    return json_model(LivenessResponse(status="ok"))
