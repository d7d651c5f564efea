"""The admin console as a manager uses it, over the aiohttp test client: read a page's form token, sign in, send forms."""

import re
from typing import Any

from tests.support.environment import ADMIN_TOKEN

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def page_text(client: Any, path: str, status: int = 200) -> str:
    response = await client.get(path)
    text = await response.text()
    assert response.status == status, text
    return text


async def csrf_token(client: Any, path: str = "/admin/login") -> str:
    """The CSRF token of the form on `path` (its cookie is set on the client by the same answer)."""
    found = _CSRF.search(await page_text(client, path))
    assert found, f"no form token on {path}"
    return found[1]


async def sign_in(client: Any, token: str = ADMIN_TOKEN) -> Any:
    csrf = await csrf_token(client)
    return await client.post("/admin/login", data={"token": token, "csrf_token": csrf}, allow_redirects=False)


async def submit(client: Any, form_path: str, fields: dict[str, str], action: str | None = None) -> Any:
    """Send the form found on `form_path` with these fields (and its CSRF token) to `action` (default: the same path)."""
    csrf = await csrf_token(client, form_path)
    return await client.post(action or form_path, data={**fields, "csrf_token": csrf}, allow_redirects=False)
