"""Every handler takes only what its route declares (and the request's context), typed, checked when the app is built."""

import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from pydantic import BaseModel
from rewards_contract.api import ClaimHeaders, UserPath, UserRewardPath

from service.http.routes import ROUTES
from service.http.wiring import ROUTE_TABLE, HandlerMismatch, Route, check_handler, setup_routes


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_every_handler_in_the_table_matches_its_route(route):
    check_handler(route)  # raises on a mismatch


async def _misspelt(request: web.Request, pth: UserPath) -> web.Response:
    return web.Response()


async def _mistyped(request: web.Request, path: UserPath, headers: UserPath) -> web.Response:
    return web.Response()


async def _context_mistyped(ctx: dict, path: UserRewardPath) -> web.Response:
    return web.Response()


# Each handler, the models its route declares, and what the refusal says.
MISMATCHES: list[tuple[Callable[..., Awaitable[web.Response]], dict[str, type[BaseModel]], str]] = [
    (_misspelt, {"path_params": UserPath}, "takes ['pth'], which the route does not declare"),
    (_mistyped, {"path_params": UserPath, "headers": ClaimHeaders}, "`headers` is typed"),
    (_context_mistyped, {"path_params": UserRewardPath, "headers": ClaimHeaders}, "`ctx` is typed"),
]


@pytest.mark.parametrize(
    ("handler", "route_inputs", "complaint"), MISMATCHES, ids=["misspelt", "mistyped", "context mistyped"]
)
def test_a_handler_that_does_not_match_its_route_stops_the_app_from_being_built(handler, route_inputs, complaint):
    route = Route("POST", "/v1/x/{user_id}", handler, "x", **route_inputs)
    with pytest.raises(HandlerMismatch, match=re.escape(complaint)):
        setup_routes(web.Application(), [route])


def test_every_method_and_path_is_declared_once():
    declared = [(route.method, route.path) for route in ROUTES]
    assert len(declared) == len(set(declared))


def test_every_handler_serves_one_route():
    """Handler names are route names and operation ids: a second route on one handler would need another name."""
    names = [route.handler.__name__ for route in ROUTES]
    assert len(names) == len(set(names))


def test_the_app_keeps_the_table_it_registered():
    """What describes the API (the OpenAPI document) reads this table, so it lists exactly what is served."""
    app = web.Application()
    setup_routes(app, ROUTES)
    assert app[ROUTE_TABLE] == ROUTES
    registered = {(r.method, r.resource.canonical) for r in app.router.routes() if r.method != "HEAD" and r.resource}
    assert registered == {(route.method, route.path) for route in ROUTES}
