"""One middleware that gives every request its database deadline and turns every failure into the JSON error envelope.

Every refusal is a `RewardsApiError` from the contract, wherever it was raised (auth and body
parsing at the edge, or the operations), and carries its own status; this is the only place that
answers with one. A database that cannot be reached in time is not a bug: it answers
`503 database_unavailable` with `Retry-After`, logged in one line without a stack trace.
"""

import logging

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError
from rewards_contract import errors

from service.db.availability import cause, deadline, is_unavailable
from service.http.access_log import route_of
from service.http.keys import RUNTIME, SETTINGS
from service.http.responses import json_error
from service.plain_errors import refusal

log = logging.getLogger(__name__)

# aiohttp's own refusals (no route, wrong method, body over client_max_size), in our words.
_MESSAGE_BY_STATUS = {413: "The request body is larger than 64 KiB."}
# The same few seconds on every 503: long enough for a failover or a restart, short enough for a bot's budget.
RETRY_AFTER_SECONDS = 2
DATABASE_UNAVAILABLE = (
    "The database is unavailable; retry in a few seconds. A write that was refused this way may or may not "
    "have been applied: send it again with the same event_id or Idempotency-Key and it is applied once."
)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        # One deadline for every database call the request makes, retries and backoffs included.
        with deadline(request.app[SETTINGS].db_timeout_seconds):
            return await handler(request)
    except errors.RewardsApiError as error:
        return json_error(error)
    except ValidationError as error:
        # Inputs are refused in plain words where they are parsed (wiring, operations), with their model;
        # one that escaped them still gets the plain words, without a schema to tell branch labels by.
        return json_error(refusal(error))
    except web.HTTPException as error:
        if error.status < 400:
            raise
        response = json_error(_refusal_of_aiohttp(error.status, _MESSAGE_BY_STATUS.get(error.status, error.reason)))
        if "Allow" in error.headers:  # 405 keeps telling the caller which methods exist
            response.headers["Allow"] = error.headers["Allow"]
        return response
    except Exception as error:
        if is_unavailable(error):
            route = route_of(request)
            log.warning("Database unavailable on %s %s: %s", request.method, route, cause(error))
            request.app[RUNTIME].metrics.database_unavailable.labels(request.method, route).inc()
            response = json_error(errors.DatabaseUnavailable(DATABASE_UNAVAILABLE))
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        # Internals stay in the log; the caller gets a stable, content-free answer.
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return json_error(errors.ServerError("Internal server error."))


def _refusal_of_aiohttp(status: int, message: str) -> errors.RewardsApiError:
    """A failure aiohttp answered itself (no route, wrong method, body too large), as its family's error."""
    cls = errors.family_of(status)
    return cls(message, status=status, code=cls.code if cls is not errors.RewardsApiError else "http_error")
