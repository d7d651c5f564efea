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

    Serialized in one pass by orjson, without validating it again. With `Settings.check_answers`
    (the tests) every trusted answer is validated against `model` and must serialize to the same JSON
    as the model would, so the shortcut can never drift from the contract.

    Why it stays, on the production path (Motor to a MongoDB server): `python -m bench --duration 5
    --idle-seconds 2` (wrk, SecantusDB, R=50 rewards, U=200 users, 16 connections, a shared 2-core VM),
    run twice as it is and twice with `json_trusted` writing `model.model_validate(payload)
    .model_dump_json()` instead, gave the list 1.42 and 1.34 ms of service CPU per request against
    3.45 and 4.91 ms (and 447-462 against 153-197 req/s). In process, one list answer of 50 rewards
    (58 KB) takes 0.05 ms here against 0.82 ms validated and dumped by pydantic (0.53 ms of it the
    validation; pydantic-core's `to_json` of the plain data alone takes 0.43 ms).
    """

    model: type[BaseModel]
    payload: Any


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
