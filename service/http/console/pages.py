"""What every console answer shares: the sign-in guard, the CSRF check, security headers, HTML error pages.

The console's only middleware. It looks up the browser's session (one read of `console_sessions`)
and knows the token every form must carry: the session's own, or, without a session, the one the
sign-in form derives from the browser's pre-session cookie. A POST without that token is refused
(403) before any handler runs, so nothing changes; a page asked for without a session goes to the
sign-in form. Refusals and outages are HTML pages here, never the API's JSON.
"""

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy
from rewards_contract.errors import RewardsApiError

from service.db.availability import cause, is_unavailable
from service.http.console.security import (
    CSRF_FIELD,
    ConsoleCookies,
    csrf_matches,
    new_pre_session,
    transport_headers,
)
from service.http.keys import RUNTIME
from service.http.middleware import RETRY_AFTER_SECONDS
from service.usecases.console_sessions import SessionKeys, session_is_open
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
STATIC_PATH = "/admin/static/"
_PUBLIC_PATHS = ("/admin/login", STATIC_PATH)


@dataclass
class ConsoleState:
    """The console's shared part: its cookies, signed with the secret loaded at start-up."""

    cookies: ConsoleCookies | None = None


CONSOLE = web.AppKey("console", ConsoleState)
# The signed-in browser's session (checked against the database), and the token this request's forms carry.
SESSION_KEY = web.RequestKey("console_session", SessionKeys)
CSRF_KEY = web.RequestKey("console_csrf", str)
# A pre-session started by this request: the answer sets its cookie.
NEW_PRE_SESSION = web.RequestKey("console_new_pre_session", str)
# The browser presented the cookie of a session that has ended: the answer deletes it.
SESSION_ENDED = web.RequestKey("console_session_ended", bool)
FORM_UNREADABLE = "This form could not be read: it must be sent as UTF-8 text. Reload the page and send it again."
FORM_EXPIRED = "This form has expired or did not come from the console. Go back, reload the page and send it again."


def cookies(request: web.Request) -> ConsoleCookies:
    signed = request.config_dict[CONSOLE].cookies
    if signed is None:  # the console's start-up loads its secret before the app serves anything
        raise RuntimeError("the console's secret is not loaded")
    return signed


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
        {"signed_in": SESSION_KEY in request, "csrf_token": request.get(CSRF_KEY, ""), **context},
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


async def form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The POSTed form; 400 when its bytes are not text in the charset it names (a handler reads it the same way)."""
    try:
        return await request.post()
    except (UnicodeError, LookupError):  # LookupError: a charset Python does not know
        raise web.HTTPBadRequest(reason=FORM_UNREADABLE) from None


def _form_token(request: web.Request, session: SessionKeys | None) -> str:
    """The token this request's forms carry: the session's, or the sign-in form's, from the pre-session."""
    if session is not None:
        return session.csrf_token
    signed = cookies(request)
    pre_session = signed.pre_session(request)
    if pre_session is None:
        pre_session = request[NEW_PRE_SESSION] = new_pre_session()
    return signed.sign_in_form_token(pre_session)


async def _open_session(request: web.Request) -> SessionKeys | None:
    """The browser's session when it is open (signed in, not timed out, not signed out), else None."""
    keys = cookies(request).session_keys(request)
    if keys is None:
        return None
    if not await session_is_open(Context.of(request.config_dict[RUNTIME], None), keys):
        request[SESSION_ENDED] = True
        return None
    return keys


async def _guarded(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path.startswith(STATIC_PATH):  # the stylesheet: no session, no form, no database
        return await handler(request)
    session = await _open_session(request)
    if session is not None:
        request[SESSION_KEY] = session
    request[CSRF_KEY] = _form_token(request, session)
    if request.method == "POST" and not csrf_matches(request[CSRF_KEY], (await form(request)).get(CSRF_FIELD)):
        return error_page(request, 403, FORM_EXPIRED)
    if session is None and not _is_public(request.path):
        return redirect("/admin/login")
    return await handler(request)


@web.middleware
async def console_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
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
    if NEW_PRE_SESSION in request:
        cookies(request).start_pre_session(response, request, request[NEW_PRE_SESSION])
    if SESSION_ENDED in request:
        cookies(request).drop_ended_session(response, request)
    response.headers.update(SECURITY_HEADERS)
    response.headers.update(transport_headers(request))
    return response
