"""One middleware that turns every failure into the JSON error envelope."""

import logging

from aiohttp import web
from pydantic import ValidationError

from service import errors
from service.http.responses import json_error

log = logging.getLogger(__name__)

# Domain errors -> HTTP status. The most specific class wins (checked via the MRO).
_STATUS_BY_ERROR: dict[type[errors.ServiceError], int] = {
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.InvalidRequest: 422,
}

_CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}


def status_for(error: errors.ServiceError) -> int:
    for cls in type(error).__mro__:
        if cls in _STATUS_BY_ERROR:
            return _STATUS_BY_ERROR[cls]
    return 400


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
    except errors.ServiceError as error:
        return json_error(status_for(error), error.code, error.message, error.details)
    except ValidationError as error:
        return json_error(422, "validation_error", "The request is not valid.", validation_details(error))
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = _CODE_BY_STATUS.get(error.status, "http_error")
        message = {413: "The request body is larger than 64 KiB."}.get(error.status, error.reason)
        response = json_error(error.status, code, message)
        if "Allow" in error.headers:  # 405 keeps telling the caller which methods exist
            response.headers["Allow"] = error.headers["Allow"]
        return response
    except Exception:
        # Internals stay in the log; the caller gets a stable, content-free answer.
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return json_error(500, "internal_error", "Internal server error.")
