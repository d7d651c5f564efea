"""Signing in with the admin token, and out (from this browser, or everywhere).

The form holds one field, `token`. Only the admin token opens the console (the bot token is
refused like any wrong one); the token is never echoed back, put in a URL or logged. Attempts are
limited per client address (`request.remote`, as the trusted-proxy middleware resolved it), across
instances: service/usecases/console_sessions.py.
"""

from aiohttp import web

from service.http.console.pages import SESSION_KEY, context, cookies, form, page, redirect
from service.usecases import console_sessions
from service.usecases.console_sessions import TooManySignIns, WrongToken

WRONG_TOKEN = "That is not the admin token."
TOO_MANY = "Too many sign-in attempts from your address; try again in {seconds} seconds."
# A client whose address the server does not know (a Unix socket) is counted under this one name.
UNKNOWN_ADDRESS = "unknown"


async def home(request: web.Request) -> web.StreamResponse:
    return redirect("/admin/rewards" if SESSION_KEY in request else "/admin/login")


async def login_form(request: web.Request) -> web.StreamResponse:
    if SESSION_KEY in request:
        return redirect("/admin/rewards")
    return page(request, "login.html", error=None)


async def login(request: web.Request) -> web.StreamResponse:
    token = (await form(request)).get("token")
    presented = token if isinstance(token, str) else ""
    address = request.remote or UNKNOWN_ADDRESS
    try:
        keys = await console_sessions.sign_in(context(request), address, presented, request.get(SESSION_KEY))
    except TooManySignIns as refused:
        response = page(request, "login.html", status=429, error=TOO_MANY.format(seconds=refused.retry_after))
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    except WrongToken:
        return page(request, "login.html", status=401, error=WRONG_TOKEN)
    response = redirect("/admin/rewards")
    lifetime = round(context(request).runtime.settings.admin_session_hours * 3600)
    cookies(request).set_session(response, request, keys, lifetime)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    await console_sessions.sign_out(context(request), request[SESSION_KEY])
    response = redirect("/admin/login")
    cookies(request).clear_session(response, request)
    return response


async def logout_everywhere(request: web.Request) -> web.StreamResponse:
    await console_sessions.sign_out_everywhere(context(request))
    response = redirect("/admin/login")
    cookies(request).clear_session(response, request)
    return response
