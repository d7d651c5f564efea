"""How an entry of the route table (`routes.py`) becomes an aiohttp handler.

Each `Route` declares its role and the pydantic models of its path, query, headers, body and
response. The wrapper built here authenticates, parses those inputs once, resolves what the request
already knows (the caller's role, its language, now) into one `Context`, calls the handler with what
it takes of those, and serializes its result; `setup_routes` first checks every handler's parameters
against its route. The OpenAPI document is generated from the same declarations, so it and the
running code cannot drift.
"""

import inspect
import json
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
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

from service.engine.views import Trusted
from service.http.keys import RUNTIME, SETTINGS
from service.http.responses import json_model, json_trusted
from service.plain_errors import summary, validated
from service.usecases.context import Context, Role

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


# The table the app was built from, for the routes that describe the API (/openapi.json): no route
# needs to refer to the table it is part of.
ROUTE_TABLE = web.AppKey("route_table", tuple[Route, ...])


def _authenticate(request: web.Request, required: Role) -> Role:
    settings = request.app[SETTINGS]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Missing bearer token.")
    # The header's bytes as sent: aiohttp decodes them as UTF-8 with surrogateescape, so this never fails.
    presented = token.strip().encode("utf-8", "surrogateescape")
    # Both checks always run, each over every token of its role: the time taken tells no token or role apart.
    is_admin = settings.is_admin_token(presented)
    is_bot = settings.is_bot_token(presented)
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
        details = refused.details or []  # validated() always names the refused fields
        for item in details:
            item["field"] = spelt.get(item["field"], item["field"])
        refused.message = summary(details)
        raise


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    takes = set(inspect.signature(route.handler).parameters)

    async def endpoint(request: web.Request) -> web.StreamResponse:
        # Refusals here (auth, bad JSON, invalid input) are raised like any other: the error
        # middleware answers them.
        role = _authenticate(request, route.role) if route.role is not None else None
        inputs: dict[str, Any] = {}
        if route.path_params is not None:
            inputs["path"] = validated(route.path_params, dict(request.match_info))
        if route.query is not None:
            inputs["query"] = validated(route.query, dict(request.query))
        if route.headers is not None:
            inputs["headers"] = _validated_headers(route.headers, request)
        if route.body is not None:
            inputs["body"] = validated(route.body, _json_object(await read_json(request)))
        if "ctx" in takes:
            lang = getattr(inputs.get("query"), "lang", None)
            accept_language = getattr(inputs.get("headers"), "accept_language", None)
            inputs["ctx"] = Context.of(request.app[RUNTIME], role, lang, accept_language)
        inputs["request"] = request
        result = await route.handler(**{name: value for name, value in inputs.items() if name in takes})
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
    """The handler takes only what the wrapper can give: `request`, `ctx`, and inputs the route declares, typed.

    Inputs are passed by name; without this check a misspelt or mistyped parameter would only fail
    when the first request arrives. A declared input the handler does not take is still parsed (and
    refused when invalid): the language headers, say, which `ctx` already resolved.
    """
    where = f"{route.method} {route.path}: {route.handler.__module__}.{route.handler.__qualname__}"
    parameters = list(inspect.signature(route.handler).parameters)
    hints = typing.get_type_hints(route.handler)
    expected: dict[str, Any] = {**declared_inputs(route), "ctx": Context, "request": web.Request}
    unknown = sorted(set(parameters) - set(expected))
    if unknown:
        raise HandlerMismatch(f"{where} takes {unknown}, which the route does not declare")
    for name in parameters:
        if hints.get(name) is not expected[name]:
            raise HandlerMismatch(f"{where}: `{name}` is typed {hints.get(name)!r}, not {expected[name].__name__}")


def setup_routes(app: web.Application, routes: Iterable[Route]) -> None:
    """Check every handler against its route, then register every route of the table on the app (and keep it)."""
    table = tuple(routes)
    for route in table:
        check_handler(route)
        app.router.add_route(route.method, route.path, _wrap(route), name=route.handler.__name__)
    app[ROUTE_TABLE] = table
