"""How an entry of the route table (`routes.py`) becomes an aiohttp handler.

Each `Route` declares its role and the pydantic models of its path, query, headers, body and
response. The wrapper built here authenticates, parses those inputs once, calls the handler and
serializes its result; `setup_routes` first checks each handler takes exactly those inputs. The
OpenAPI document is generated from the same declarations, so it and the running code cannot drift.
"""

import hmac
import inspect
import json
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel
from rewards_contract.errors import (
    DetailType,
    Forbidden,
    InvalidJson,
    RewardsApiError,
    Unauthorized,
    ValidationFailed,
)

from service.http.keys import SETTINGS
from service.http.responses import Trusted, json_model, json_trusted
from service.plain_errors import summary, validated


class Role(StrEnum):
    """Who may call a route. Admins may do everything the bot may."""

    BOT = "bot"
    ADMIN = "admin"


Headers = TypeVar("Headers", bound=BaseModel)
Handler = Callable[..., Awaitable[BaseModel | Trusted | web.StreamResponse]]


@dataclass(frozen=True, eq=False)
class Example:
    """A request body the OpenAPI document shows under `name`; a test sends each one and expects a 2xx.

    eq=False: compared and hashed by identity, so a Route holding one (a dict inside) stays hashable.
    """

    name: str
    summary: str
    value: dict[str, Any]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    # More than the summary says, above all what a read also writes (the operation's description).
    description: str = ""
    # None: public (no token).
    role: Role | None = Role.BOT
    path_params: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    # The answer's media type when it is no JSON model (response=None): /metrics' text, /docs' page.
    media_type: str = "text/plain"
    status: int = 200
    # Statuses besides `status` answered with the response model, not the error envelope (/health's 503).
    other_statuses: tuple[int, ...] = ()
    # Error codes this route can answer with besides the ones every route shares.
    errors: tuple[type[RewardsApiError], ...] = field(default_factory=tuple)
    tags: tuple[str, ...] = ()
    # Realistic bodies the service accepts, shown in the reference: every route with a body has some.
    examples: tuple[Example, ...] = ()


ROLE_KEY = web.RequestKey("role", Role)
# The table the app was built from, for the routes that describe the API (/openapi.json): no route
# needs to refer to the table it is part of.
ROUTE_TABLE = web.AppKey("route_table", tuple[Route, ...])


def caller_role(request: web.Request) -> Role | None:
    """The authenticated caller's role (None on public routes)."""
    return request.get(ROLE_KEY)


def require_admin_for(request: web.Request, what: str) -> None:
    """Refuse an admin-only option to the bot (403)."""
    if caller_role(request) is not Role.ADMIN:
        raise Forbidden(f"{what} needs the admin token.")


def _authenticate(request: web.Request, required: Role) -> Role:
    settings = request.app[SETTINGS]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Missing bearer token.")
    presented = token.strip().encode()
    # Both comparisons always run: constant time whichever token was presented.
    is_admin = hmac.compare_digest(presented, settings.admin_token.encode())
    is_bot = hmac.compare_digest(presented, settings.bot_token.encode())
    if not (is_admin or is_bot):
        raise Unauthorized("Invalid bearer token.")
    role = Role.ADMIN if is_admin else Role.BOT
    if required is Role.ADMIN and role is not Role.ADMIN:
        raise Forbidden("This route needs the admin token.")
    return role


async def read_json(request: web.Request) -> Any:
    """The body as JSON; 400 invalid_json otherwise (size is capped by client_max_size: 413)."""
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        raise InvalidJson("The request body is not valid JSON.") from None


def _json_object(body: Any) -> dict[str, Any]:
    """Every body is a JSON object: refuse anything else in those words, before a model names itself."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            "The request body must be a JSON object.",
            [{"field": "", "message": "the body must be a JSON object", "type": DetailType.NOT_AN_OBJECT}],
        )
    return body


def _validated_headers(model: type[Headers], request: web.Request) -> Headers:
    """The headers, matched case-insensitively; a refused one is named as the caller spelt it (Idempotency-Key)."""
    try:
        return validated(model, {name.lower(): value for name, value in request.headers.items()})
    except ValidationFailed as refused:
        spelt = {name.lower(): name for name in request.headers}
        for item in refused.details:
            item["field"] = spelt.get(item["field"], item["field"])
        refused.message = summary(refused.details)
        raise


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        # Refusals here (auth, bad JSON, invalid input) are raised like any other: the error
        # middleware answers them.
        if route.role is not None:
            request[ROLE_KEY] = _authenticate(request, route.role)
        kwargs: dict[str, Any] = {}
        if route.path_params is not None:
            kwargs["path"] = validated(route.path_params, dict(request.match_info))
        if route.query is not None:
            kwargs["query"] = validated(route.query, dict(request.query))
        if route.headers is not None:
            kwargs["headers"] = _validated_headers(route.headers, request)
        if route.body is not None:
            kwargs["body"] = validated(route.body, _json_object(await read_json(request)))
        result = await route.handler(request, **kwargs)
        if isinstance(result, web.StreamResponse):
            return result
        if isinstance(result, Trusted):
            return json_trusted(result, route.status, check=request.app[SETTINGS].check_answers)
        return json_model(result, route.status)

    endpoint.__name__ = route.handler.__name__
    return endpoint


class HandlerMismatch(TypeError):
    """A handler whose parameters are not the inputs its route declares (found at start-up)."""


def declared_inputs(route: Route) -> dict[str, type[BaseModel]]:
    """The keyword arguments the wrapper passes the handler, with their models."""
    declared = {"path": route.path_params, "query": route.query, "headers": route.headers, "body": route.body}
    return {name: model for name, model in declared.items() if model is not None}


def check_handler(route: Route) -> None:
    """The handler takes `request`, then exactly the route's declared inputs, each typed with its model.

    Inputs are passed by name; without this check a misspelt or mistyped parameter would only fail
    when the first request arrives.
    """
    where = f"{route.method} {route.path}: {route.handler.__module__}.{route.handler.__qualname__}"
    parameters = list(inspect.signature(route.handler).parameters)
    hints = typing.get_type_hints(route.handler)
    expected = declared_inputs(route)
    if parameters[:1] != ["request"] or set(parameters[1:]) != set(expected):
        raise HandlerMismatch(f"{where} takes {parameters}, but the route declares request + {sorted(expected)}")
    for name, model in expected.items():
        if hints.get(name) is not model:
            raise HandlerMismatch(
                f"{where}: `{name}` is typed {hints.get(name)!r}, the route declares {model.__name__}"
            )


def setup_routes(app: web.Application, routes: Iterable[Route]) -> None:
    """Check every handler against its route, then register every route of the table on the app (and keep it)."""
    table = tuple(routes)
    for route in table:
        check_handler(route)
        app.router.add_route(route.method, route.path, _wrap(route), name=route.handler.__name__)
    app[ROUTE_TABLE] = table
