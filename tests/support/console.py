"""The admin console as a manager uses it, over the aiohttp test client: read a page's form token, sign in, send forms.

Also what a deployment puts in front of the console, for the tests of its transport and its sign-in
limit: `behind_trusted_proxy` gives each request the client address and scheme a trusted proxy
resolved (`request.remote`, `request.scheme`), as the trusted-proxy middleware does in production.
"""

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from service.http.console.security import HOST_PREFIX, SESSION_COOKIE
from tests.support.environment import ADMIN_TOKEN

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Headers only these tests send: the address and scheme the trusted proxy resolved for the request.
RESOLVED_ADDRESS = "X-Test-Resolved-Address"
RESOLVED_SCHEME = "X-Test-Resolved-Scheme"
HTTPS = {RESOLVED_SCHEME: "https"}


async def page_text(client: Any, path: str, status: int = 200, **options: Any) -> str:
    response = await client.get(path, **options)
    text = await response.text()
    assert response.status == status, text
    return text


def form_token(text: str) -> str:
    found = _CSRF.search(text)
    assert found, "no form token on the page"
    return found[1]


async def csrf_token(client: Any, path: str = "/admin/login", **options: Any) -> str:
    """The CSRF token of the form on `path` (its cookie, if any, is set on the client by the same answer)."""
    return form_token(await page_text(client, path, **options))


async def sign_in(client: Any, token: str = ADMIN_TOKEN, **options: Any) -> Any:
    csrf = await csrf_token(client, **options)
    return await client.post(
        "/admin/login", data={"token": token, "csrf_token": csrf}, allow_redirects=False, **options
    )


async def submit(client: Any, form_path: str, fields: dict[str, str], action: str | None = None) -> Any:
    """Send the form found on `form_path` with these fields (and its CSRF token) to `action` (default: the same path)."""
    csrf = await csrf_token(client, form_path)
    return await client.post(action or form_path, data={**fields, "csrf_token": csrf}, allow_redirects=False)


def session_cookie(response: Any, prefix: str = "") -> Any:
    """The session cookie an answer sets (a Morsel), or None."""
    return response.cookies.get(prefix + SESSION_COOKIE)


def https_session_cookie(response: Any) -> Any:
    return session_cookie(response, HOST_PREFIX)


@web.middleware
async def _as_the_trusted_proxy_resolved(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    address = request.headers.get(RESOLVED_ADDRESS, request.remote or "")
    scheme = request.headers.get(RESOLVED_SCHEME, request.scheme)
    return await handler(request.clone(remote=address, scheme=scheme))


def behind_trusted_proxy(app: web.Application) -> web.Application:
    """The app, with the client address and scheme of each request as the trusted proxy resolved them.

    A test names them in RESOLVED_ADDRESS and RESOLVED_SCHEME; the service's trusted-proxy middleware
    does the same from the proxy's headers, so the console sees them as `request.remote` and `request.secure`.
    """
    app.middlewares.insert(0, _as_the_trusted_proxy_resolved)
    return app


def from_address(address: str) -> dict[str, str]:
    return {RESOLVED_ADDRESS: address}
