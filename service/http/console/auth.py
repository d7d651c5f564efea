"""Signing in with the admin token, and out.

The form holds one field, `token`. Only the admin token opens the console (the bot token is
refused like any wrong one); the token is never echoed back, put in a URL or logged. Attempts are
limited per client address, per instance.
"""

import time

from aiohttp import web

from service.http.console.pages import CSRF_KEY, SESSION_KEY, page, redirect, state
from service.http.console.security import client_address
from service.http.keys import SETTINGS

WRONG_TOKEN = "That is not the admin token."
TOO_MANY = "Too many sign-in attempts from your address; wait a minute and try again."


async def home(request: web.Request) -> web.StreamResponse:
    return redirect("/admin/rewards" if SESSION_KEY in request else "/admin/login")


async def login_form(request: web.Request) -> web.StreamResponse:
    if SESSION_KEY in request:
        return redirect("/admin/rewards")
    return page(request, "login.html", error=None)


async def login(request: web.Request) -> web.StreamResponse:
    settings = request.config_dict[SETTINGS]
    if not state(request).limiter.allow(client_address(request, settings), time.monotonic()):
        return page(request, "login.html", status=429, error=TOO_MANY)
    token = (await request.post()).get("token")
    presented = token.strip().encode() if isinstance(token, str) else b""
    if not settings.is_admin_token(presented):
        return page(request, "login.html", status=401, error=WRONG_TOKEN)
    response = redirect("/admin/rewards")
    state(request).sessions.start(response, request, request[CSRF_KEY])
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    response = redirect("/admin/login")
    state(request).sessions.end(response, request)
    return response
