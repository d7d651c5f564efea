"""Readiness and liveness: can this instance serve (its database answers), and is the process up at all."""

from aiohttp import web
from rewards_contract.api import LivenessResponse

from service.http.keys import DATABASE, DATABASE_PROBE
from service.http.responses import json_model
from service.usecases.service_status import readiness


async def health(request: web.Request) -> web.Response:
    """200 when the database answers a ping within the probe's deadline, 503 when it does not."""
    answer = await readiness(request.app[DATABASE], request.app[DATABASE_PROBE])
    return json_model(answer, status=200 if answer.status == "ok" else 503)


async def live(request: web.Request) -> web.Response:
    """200 as long as the process answers: an orchestrator restarts on this, never on a database outage."""
    return json_model(LivenessResponse(status="ok"))
