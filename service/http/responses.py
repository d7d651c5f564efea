"""The one JSON error shape, and JSON serialization of answers: pydantic models, or trusted plain data."""

import json
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel
from rewards_contract.errors import RewardsApiError


@dataclass(frozen=True)
class Trusted:
    """An answer the service built itself from validated parts, as plain data in `model`'s shape.

    Serialized in one pass by orjson, without validating it again: on the hot paths that second
    validation cost more than the rest of the request (and orjson serializes a user's rewards list
    ten times faster than pydantic-core's generic `to_json`, to the same bytes). With
    `Settings.check_answers` (the tests) every trusted answer is validated against `model` and must
    serialize to the same JSON as the model would, so the shortcut can never drift from the contract.
    `payload` may hold parts serialized beforehand (`orjson.Fragment`), written as they are.
    """

    model: type[BaseModel]
    payload: Any


class AnswerDrift(AssertionError):
    """A trusted answer differs from what its model would answer (a bug: only raised when checking)."""


def json_trusted(answer: Trusted, status: int = 200, check: bool = False) -> web.Response:
    body = orjson.dumps(answer.payload, option=orjson.OPT_UTC_Z)
    if check:  # from the bytes written, so pre-serialized parts (`orjson.Fragment`) are checked too
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
