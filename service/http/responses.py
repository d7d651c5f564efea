"""The one JSON error shape, and JSON serialization of pydantic models."""

from typing import Any

from aiohttp import web
from pydantic import BaseModel

from service.errors import error_envelope


def json_error(status: int, code: str, message: str, details: Any = None) -> web.Response:
    """`{"error": {"code", "message", "details"}}`: the only error shape the API answers with."""
    return web.json_response(error_envelope(code, message, details), status=status)


def json_model(model: BaseModel, status: int = 200) -> web.Response:
    """Serialize a response model in JSON mode (datetimes as ISO 8601 with offset)."""
    return web.Response(
        body=model.model_dump_json().encode(),
        status=status,
        content_type="application/json",
    )
