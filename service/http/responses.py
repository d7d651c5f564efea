"""The one JSON error shape, and JSON serialization of answers: pydantic models, or trusted plain data."""

import json

import orjson
from aiohttp import web
from pydantic import BaseModel
from rewards_contract.errors import RewardsApiError

from service.engine.views import Trusted


class AnswerDrift(AssertionError):
    """A trusted answer differs from what its model would answer (a bug: only raised when checking)."""


def json_trusted(answer: Trusted, status: int = 200, check: bool = False) -> web.Response:
    body = orjson.dumps(answer.payload, option=orjson.OPT_UTC_Z)
    if check:  # from the bytes written: what the caller would read is what is checked
        expected = answer.model.model_validate_json(body).model_dump_json()
        if json.loads(body) != json.loads(expected):
            raise AnswerDrift(f"{answer.model.__name__}: the trusted answer differs from the model's")
    return web.Response(body=body, status=status, content_type="application/json")


def json_error(error: RewardsApiError) -> web.Response:
    """`{"error": {"code", "message", "details"}}` with the error's status: the only error shape answered."""
    return web.json_response(error.envelope(), status=error.status or 500)


def json_model(model: BaseModel, status: int = 200) -> web.Response:
    """Serialize a response model in JSON mode (datetimes as ISO 8601 with offset)."""
    return web.Response(
        body=model.model_dump_json().encode(),
        status=status,
        content_type="application/json",
    )
