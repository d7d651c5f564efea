"""The access-log middleware: a request id, one log line and the request metrics per request.

It is the outermost middleware, so it sees the status error_middleware finally answered with and
times the whole request. It logs the route template, never the raw path or any header, so user
ids stay out of metric labels and tokens never reach the logs; and the client's address as the
trusted proxies resolved it (`proxies.py`), or the connection's when the request was refused first.
"""

import asyncio
import logging
import os
import re
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from service.db.commands import counting_commands
from service.http.keys import IN_FLIGHT, RUNTIME
from service.http.proxies import CLIENT_ADDRESS
from service.observability.logs import REQUEST_ID
from service.observability.metrics import UNMATCHED_ROUTE

log = logging.getLogger("service.access")

REQUEST_ID_HEADER = "X-Request-Id"
# What we accept from callers: short and log-safe (no spaces, quotes or control characters).
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Nginx's "client closed request": the caller went away before the answer was ready.
CLIENT_CLOSED = 499


def request_id_for(request: web.Request) -> str:
    """The caller's X-Request-Id when it is well-formed, else a fresh one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if _VALID_REQUEST_ID.fullmatch(given):
        return given
    return os.urandom(16).hex()  # as random as uuid4().hex, without building a UUID per request


def route_of(request: web.Request) -> str:
    """The matched route's template (`/v1/users/{user_id}/events`), not the raw path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED_ROUTE


@web.middleware
async def access_log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request_id_for(request)
    token = REQUEST_ID.set(request_id)
    started = time.perf_counter()
    status = 500
    commands: list[str] = []
    try:
        with request.app[IN_FLIGHT].track(), counting_commands() as commands:
            response = await handler(request)
        status = response.status
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response
    except web.HTTPException as error:  # redirects and the like pass error_middleware untouched
        status = error.status
        error.headers[REQUEST_ID_HEADER] = request_id
        raise
    except asyncio.CancelledError:
        status = CLIENT_CLOSED
        raise
    finally:
        seconds = time.perf_counter() - started
        route = route_of(request)
        client = request.get(CLIENT_ADDRESS) or request.remote or ""
        request.app[RUNTIME].metrics.observe_request(request.method, route, status, seconds, len(commands))
        log.info(
            "%s %s %s %.1fms %s",
            request.method,
            route,
            status,
            seconds * 1000,
            client,
            extra={
                "request_id": request_id,
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "client": client,
            },
        )
        REQUEST_ID.reset(token)
