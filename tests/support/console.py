"""The admin console as a manager uses it, over the aiohttp test client: read a page's form token, sign in, send forms.

Also the reverse proxy in front, for the tests of the console's transport and its sign-in limit: the
test client connects from loopback, which `behind_a_trusted_proxy` lists in REWARDS_TRUSTED_PROXIES,
so the headers below are what that proxy tells the service about each client.
"""

import re
from dataclasses import replace
from ipaddress import ip_network
from typing import Any

from service.http.console.security import HOST_PREFIX, SESSION_COOKIE
from service.settings import Settings
from tests.support.environment import ADMIN_TOKEN

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Where the test client connects from: the trusted proxy, once listed.
TEST_CLIENT_NETWORKS = (ip_network("127.0.0.1"), ip_network("::1"))
# A client that reached the proxy over HTTPS.
HTTPS = {"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"}


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


async def signed_in(client: Any) -> Any:
    """The client, signed in to the console with the admin token."""
    assert (await sign_in(client)).status == 303
    return client


async def submit(client: Any, form_path: str, fields: dict[str, str], action: str | None = None) -> Any:
    """Send the form found on `form_path` with these fields (and its CSRF token) to `action` (default: the same path)."""
    csrf = await csrf_token(client, form_path)
    return await client.post(action or form_path, data={**fields, "csrf_token": csrf}, allow_redirects=False)


def session_cookie(response: Any, prefix: str = "") -> Any:
    """The session cookie an answer sets (a Morsel), or None."""
    return response.cookies.get(prefix + SESSION_COOKIE)


def https_session_cookie(response: Any) -> Any:
    return session_cookie(response, HOST_PREFIX)


def behind_a_trusted_proxy(settings: Settings) -> Settings:
    """The settings of a service whose trusted proxy is the test client (it connects from loopback)."""
    return replace(settings, trusted_proxies=TEST_CLIENT_NETWORKS)


def from_address(address: str) -> dict[str, str]:
    """The header the trusted proxy appends for a client at `address`."""
    return {"X-Forwarded-For": address}
