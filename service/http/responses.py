"""The one JSON error shape, and JSON serialization of pydantic models."""

from aiohttp import web
from pydantic import BaseModel
from rewards_contract.errors import RewardsApiError


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
