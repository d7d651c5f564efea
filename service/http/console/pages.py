"""What every console answer shares: the sign-in guard, the CSRF check, security headers, HTML error pages.

The console's only middleware. A POST without the form's `csrf_token` matching its cookie is
refused (403) before any handler runs, so nothing changes; a page asked for without a session
goes to the sign-in form. Refusals and outages are HTML pages here, never the API's JSON.
"""

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from rewards_contract.errors import RewardsApiError

from service.db.availability import cause, is_unavailable
from service.http.console.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    Session,
    Sessions,
    SignInLimiter,
    csrf_matches,
)
from service.http.keys import RUNTIME
from service.http.middleware import RETRY_AFTER_SECONDS
from service.usecases.context import Context, Role

log = logging.getLogger(__name__)

# No inline script or style anywhere: every page's look comes from /admin/static/console.css.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; style-src 'self'; script-src 'none'; "
    "form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
_PUBLIC_PATHS = ("/admin/login", "/admin/static/")


@dataclass
class ConsoleState:
    sessions: Sessions
    limiter: SignInLimiter


CONSOLE = web.AppKey("console", ConsoleState)
SESSION_KEY = web.RequestKey("console_session", Session)
CSRF_KEY = web.RequestKey("console_csrf", str)


def state(request: web.Request) -> ConsoleState:
    return request.config_dict[CONSOLE]


def context(request: web.Request) -> Context:
    """What the page's use case receives: a signed-in admin, asking now, in the deployment's default language."""
    return Context.of(request.config_dict[RUNTIME], Role.ADMIN if SESSION_KEY in request else None)


def redirect(location: str) -> web.Response:
    """303 See Other: after a POST the browser GETs the next page."""
    return web.Response(status=303, headers={"Location": location})


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A console page: the template with the header's context (signed in or not, the CSRF token)."""
    response = aiohttp_jinja2.render_template(
        template,
        request,
        {"signed_in": SESSION_KEY in request, "csrf_token": request[CSRF_KEY], **context},
        status=status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return page(request, "error.html", status=status, status_code=status, message=message)


async def not_found(request: web.Request) -> web.Response:
    return error_page(request, 404, "There is no console page at this address.")


def _is_public(path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in _PUBLIC_PATHS)


def _csrf_token(request: web.Request) -> tuple[str, bool]:
    """The request's CSRF token, and whether it is new (then the answer sets its cookie)."""
    sessions = state(request).sessions
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie and sessions.valid_csrf(cookie):
        return cookie, False
    return sessions.new_csrf(), True


async def _guarded(request: web.Request, handler: Any) -> web.StreamResponse:
    sessions = state(request).sessions
    session = sessions.session_of(request)
    if session is not None:
        request[SESSION_KEY] = session
    if request.method == "POST":
        form = await request.post()
        submitted = form.get(CSRF_FIELD)
        cookie = request.cookies.get(CSRF_COOKIE)
        if not (
            csrf_matches(cookie, submitted if isinstance(submitted, str) else None)
            and sessions.valid_csrf(cookie or "")
        ):
            return error_page(
                request,
                403,
                "This form has expired or did not come from the console. Go back, reload the page and send it again.",
            )
    if session is None and not _is_public(request.path):
        return redirect("/admin/login")
    return await handler(request)


@web.middleware
async def console_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    token, new_token = _csrf_token(request)
    request[CSRF_KEY] = token
    try:
        response = await _guarded(request, handler)
    except RewardsApiError as error:
        response = error_page(request, error.status or 400, error.message)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        response = error_page(request, error.status, error.reason)
    except Exception as error:
        if not is_unavailable(error):
            log.exception("Unhandled error on console %s %s", request.method, request.path)
            response = error_page(request, 500, "Something went wrong on our side; it has been logged.")
        else:
            log.warning("Database unavailable on console %s %s: %s", request.method, request.path, cause(error))
            response = error_page(request, 503, "The database is unavailable right now; retry in a few seconds.")
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if new_token:
        state(request).sessions.set_csrf_cookie(response, request, token)
    response.headers.update(SECURITY_HEADERS)
    return response
