"""The console's security promises: CSRF on every POST, the session cookie's flags, escaping, who may sign in, headers."""

from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from service.http.app import init_app
from service.http.console.security import CSRF_COOKIE, SESSION_COOKIE, Sessions
from service.jobs.webhook_sender import Attempt, WebhookSender
from tests.support.api import create_reward, declare_counter, send_event
from tests.support.console import csrf_token, page_text, sign_in, submit
from tests.support.environment import ADMIN, ADMIN_TOKEN, BOT_TOKEN, make_settings
from tests.support.feed import relay_all
from tests.support.webhooks import SECRET

XSS = "<script>alert(1)</script>"
NEW_REWARD = {
    "slug": "from-the-form",
    "name": "From the form",
    "reward_type": "besitos",
    "amount": "5",
    "claim_window_hours": "24",
    "is_active": "on",
    "action": "save",
}


async def _stored(client: Any, slug: str) -> int:
    return (await client.get(f"/v1/rewards/{slug}", headers=ADMIN)).status


async def _signed_in(client: Any) -> Any:
    assert (await sign_in(client)).status == 303
    return client


def _session_cookie(response: Any) -> Any:
    return response.cookies.get(SESSION_COOKIE)


async def test_a_post_without_its_csrf_token_is_refused_and_nothing_changes(client):
    await _signed_in(client)
    response = await client.post("/admin/rewards/new", data=NEW_REWARD, allow_redirects=False)
    assert response.status == 403
    assert await _stored(client, "from-the-form") == 404


async def test_a_post_whose_csrf_token_differs_from_its_cookie_is_refused(client):
    await _signed_in(client)
    await csrf_token(client, "/admin/rewards/new")
    response = await client.post(
        "/admin/rewards/new", data={**NEW_REWARD, "csrf_token": "forged.token"}, allow_redirects=False
    )
    assert response.status == 403
    assert await _stored(client, "from-the-form") == 404


async def test_the_same_form_with_its_csrf_token_is_saved(client):
    await _signed_in(client)
    response = await submit(client, "/admin/rewards/new", NEW_REWARD)
    assert (response.status, response.headers["Location"]) == (303, "/admin/rewards/from-the-form?saved=1")
    assert await _stored(client, "from-the-form") == 200


async def test_signing_in_without_the_form_token_is_refused_before_the_token_is_looked_at(client):
    await page_text(client, "/admin/login")
    response = await client.post("/admin/login", data={"token": ADMIN_TOKEN}, allow_redirects=False)
    assert response.status == 403
    assert _session_cookie(response) is None


async def test_the_session_cookie_is_http_only_same_site_lax_and_not_secure_over_plain_http(client):
    cookie = _session_cookie(await sign_in(client))
    assert (cookie["httponly"], cookie["samesite"], cookie["secure"], cookie["path"]) == (True, "Lax", "", "/admin")
    assert int(cookie["max-age"]) == 12 * 3600


@pytest.mark.parametrize(("trusted_proxies", "secure"), [(("127.0.0.1",), True), ((), False)])
async def test_the_session_cookie_is_secure_over_a_forwarded_https_only_from_a_trusted_proxy(
    aiohttp_client, trusted_proxies, secure
):
    # The test client connects from 127.0.0.1: a trusted proxy in the first case, a client in the second.
    client = await aiohttp_client(init_app(make_settings(trusted_proxies=trusted_proxies)))
    https = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    found = await client.get("/admin/login", headers=https)
    token = found.cookies[CSRF_COOKIE].value
    # The test client talks plain HTTP, so it keeps a Secure cookie to itself: send it as the browser would.
    response = await client.post(
        "/admin/login",
        data={"token": ADMIN_TOKEN, "csrf_token": token},
        headers={**https, "Cookie": f"{CSRF_COOKIE}={token}"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert bool(_session_cookie(response)["secure"]) is secure


async def test_the_bot_token_does_not_open_the_console(client):
    response = await sign_in(client, BOT_TOKEN)
    assert response.status == 401
    assert _session_cookie(response) is None
    assert (await client.get("/admin/rewards", allow_redirects=False)).headers["Location"] == "/admin/login"


async def test_a_refused_token_is_never_shown_back(client):
    response = await sign_in(client, "typed-by-mistake-secret")
    text = await response.text()
    assert "That is not the admin token." in text
    assert "typed-by-mistake-secret" not in text


async def test_sign_in_attempts_are_limited_per_address(client):
    for _ in range(10):
        assert (await sign_in(client, "wrong")).status == 401
    response = await sign_in(client)
    assert response.status == 429
    assert "Too many" in await response.text()
    assert _session_cookie(response) is None


async def test_signing_out_is_a_post_with_its_token_and_ends_the_session(client):
    await _signed_in(client)
    assert (await client.post("/admin/logout", allow_redirects=False)).status == 403
    response = await submit(client, "/admin/rewards", {}, action="/admin/logout")
    assert (response.status, response.headers["Location"]) == (303, "/admin/login")
    assert (await client.get("/admin/rewards", allow_redirects=False)).status == 303


def test_a_new_admin_token_ends_every_session():
    request = make_mocked_request("GET", "/admin/login")
    before = Sessions(make_settings())
    response = type(
        "Answer", (), {"cookies": {}, "set_cookie": lambda self, name, value, **_: self.cookies.update({name: value})}
    )()
    before.start(response, request, before.new_csrf())
    presented = make_mocked_request(
        "GET", "/admin/rewards", headers={"Cookie": f"{SESSION_COOKIE}={response.cookies[SESSION_COOKIE]}"}
    )
    assert before.session_of(presented) is not None
    assert (
        Sessions(make_settings(admin_tokens=("a-new-admin-token-of-at-least-32-characters",))).session_of(presented)
        is None
    )


async def test_admin_text_is_escaped_on_every_page_that_shows_it(client):
    await create_reward(
        client, slug="xss", name=XSS, is_secret=True, hint=XSS, translations={"es": {"name": XSS, "hint": XSS}}
    )
    await _signed_in(client)
    for path in ("/admin/rewards", "/admin/rewards/xss", "/admin/rewards/xss/deactivate", "/admin/rewards?q=%3Cscript"):
        text = await page_text(client, path)
        assert XSS not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text or path.endswith("%3Cscript"), path


async def test_admin_text_is_escaped_on_the_funnel_health_and_counters_pages(client, clock):
    await declare_counter(
        client, "xss_counter", display_name=XSS, description=XSS, translations={"es": {"display_name": XSS}}
    )
    await create_reward(
        client,
        slug="xss",
        name=XSS,
        conditions=[{"condition_type": "counter_at_least", "counter": "xss_counter", "value": 1}],
    )
    await send_event(client, 5, "xss-1", "counter", counter="xss_counter", amount=1)
    await relay_all(clock)

    async def refused(body: bytes, headers: dict[str, str]) -> Attempt:
        return Attempt(delivered=False, error=XSS)

    await WebhookSender(secret=SECRET, transport=refused, clock=clock, jitter=lambda: 0.5).step()
    await _signed_in(client)
    for path in ("/admin/rewards/xss/funnel", "/admin/health", "/admin/counters", "/admin/counters/xss_counter"):
        text = await page_text(client, path)
        assert XSS not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


SIGNED_IN_PAGES = ["/admin/rewards/xss/funnel", "/admin/health", "/admin/counters", "/admin/counters/xss_counter"]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
async def test_the_new_pages_carry_the_security_headers_and_no_inline_style_or_script(client, path):
    await declare_counter(client, "xss_counter")
    await create_reward(client, slug="xss")
    await _signed_in(client)
    response = await client.get(path)
    text = await response.text()
    assert response.status == 200, text
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    assert "style=" not in text
    assert "<style" not in text
    assert "<script" not in text


@pytest.mark.parametrize("path", ["/admin/login", "/admin/rewards", "/admin/static/console.css", "/admin/nowhere"])
async def test_every_console_answer_carries_the_security_headers(client, path):
    response = await client.get(path, allow_redirects=False)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


async def test_an_unknown_console_address_is_an_html_page_and_the_api_keeps_its_json(client):
    await _signed_in(client)
    page = await client.get("/admin/nowhere")
    assert (page.status, page.content_type) == (404, "text/html")
    api = await client.get("/v1/nowhere")
    assert (api.status, api.content_type) == (404, "application/json")


async def test_a_console_switched_off_is_not_served(aiohttp_client):
    client = await aiohttp_client(init_app(make_settings(admin_console=False)))
    for path in ("/admin/login", "/admin/static/console.css"):
        assert (await client.get(path)).status == 404


async def test_a_database_away_is_an_html_page_503_with_retry_after(client, monkeypatch):
    from tests.support.outage import database_away

    await _signed_in(client)
    with database_away(monkeypatch):
        response = await client.get("/admin/users/5")
        text = await response.text()
    assert (response.status, response.content_type, response.headers.get("Retry-After")) == (503, "text/html", "2")
    assert "The database is unavailable" in text


@pytest.mark.parametrize("path", ["/admin/counters", "/admin/counters/messages"])
async def test_the_counter_forms_without_their_csrf_token_are_refused_and_nothing_changes(client, path):
    await declare_counter(client, "messages", display_name="Messages")
    await _signed_in(client)
    response = await client.post(path, data={"name": "other", "kind": "count", "display_name": "Changed"})
    assert response.status == 403
    listed = await (await client.get("/v1/counters", headers=ADMIN)).json()
    assert [(c["name"], c["display_name"]) for c in listed["counters"]] == [("messages", "Messages")]
