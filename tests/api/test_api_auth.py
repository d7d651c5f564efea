"""Every route of the table: no token and a wrong token are 401, the bot token on admin routes is 403."""

import re

import pytest

from service.http.routes import ROUTES
from service.http.wiring import Role, Route
from tests.support.environment import ADMIN_TOKEN, BOT

# A valid-looking value for every path parameter the table uses; a new one fails loudly here.
SAMPLE_PATH_VALUES = {
    "name": "messages_sent",
    "user_id": "1",
    "slug": "some-reward",
    "grant_id": "g-1",
    "run": "2026-W49",
}

TOKEN_ROUTES = [route for route in ROUTES if route.role is not None]
ADMIN_ROUTES = [route for route in ROUTES if route.role is Role.ADMIN]
PUBLIC_ROUTES = [route for route in ROUTES if route.role is None]


def _url(route: Route) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: SAMPLE_PATH_VALUES[match.group(1)], route.path)


def _id(route: Route) -> str:
    return f"{route.method} {route.path}"


async def _call(client, route: Route, headers: dict[str, str]):
    return await client.request(route.method, _url(route), headers=headers, json={} if route.body else None)


@pytest.mark.parametrize("route", TOKEN_ROUTES, ids=_id)
async def test_route_without_a_token_is_unauthorized(client, route):
    response = await _call(client, route, {})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("route", TOKEN_ROUTES, ids=_id)
async def test_route_with_a_wrong_token_is_unauthorized(client, route):
    response = await _call(client, route, {"Authorization": f"Bearer {ADMIN_TOKEN}x"})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("route", TOKEN_ROUTES, ids=_id)
async def test_route_with_another_scheme_is_unauthorized(client, route):
    response = await _call(client, route, {"Authorization": f"Basic {ADMIN_TOKEN}"})
    assert response.status == 401


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=_id)
async def test_bot_token_on_admin_route_is_forbidden(client, route):
    response = await _call(client, route, BOT)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "forbidden"


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=_id)
async def test_public_route_answers_without_a_token(client, route):
    response = await _call(client, route, {})
    assert response.status == 200


def test_the_route_table_has_admin_routes_and_public_routes():
    """Guards the parametrizations above against silently running over nothing."""
    assert len(ADMIN_ROUTES) >= 4
    assert {r.path for r in PUBLIC_ROUTES} >= {"/health", "/openapi.json"}
