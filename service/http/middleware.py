"""One middleware that turns every failure into the JSON error envelope.

Every refusal is a `RewardsApiError` from the contract, wherever it was raised (auth and body
parsing at the edge, or the operations), and carries its own status; this is the only place that
answers with one.
"""

import logging

from aiohttp import web
from pydantic import ValidationError
from rewards_contract import errors

from service.http.responses import json_error

log = logging.getLogger(__name__)

# aiohttp's own refusals (no route, wrong method, body over client_max_size), in our words.
_MESSAGE_BY_STATUS = {413: "The request body is larger than 64 KiB."}


def validation_details(error: ValidationError) -> list[dict[str, object]]:
    """The offending fields, without echoing the (possibly large) input back."""
    return [
        {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"], "type": item["type"]}
        for item in error.errors(include_url=False, include_input=False)
    ]


@web.middleware
async def error_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        return await handler(request)
    except errors.RewardsApiError as error:
        return json_error(error)
    except ValidationError as error:
        return json_error(errors.ValidationFailed("The request is not valid.", validation_details(error)))
    except web.HTTPException as error:
        if error.status < 400:
            raise
        response = json_error(errors.error_for_status(error.status, _MESSAGE_BY_STATUS.get(error.status, error.reason)))
        if "Allow" in error.headers:  # 405 keeps telling the caller which methods exist
            response.headers["Allow"] = error.headers["Allow"]
        return response
    except Exception:
        # Internals stay in the log; the caller gets a stable, content-free answer.
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return json_error(errors.ServerError("Internal server error."))
