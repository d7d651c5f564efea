"""The console's security promises: CSRF on every POST, the cookies' flags on each transport, escaping, who may
sign in, headers."""

from typing import Any

import pytest

from service.http.app import init_app
from service.http.console.security import HOST_PREFIX, PRE_SESSION_COOKIE, SESSION_COOKIE
from service.jobs.webhook_sender import Attempt, WebhookSender
from tests.support.api import create_reward, declare_counter, send_event
from tests.support.console import (
    HTTPS,
    behind_a_trusted_proxy,
    csrf_token,
    form_token,
    https_session_cookie,
    page_text,
    session_cookie,
    sign_in,
    submit,
)
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


async def test_a_post_without_its_csrf_token_is_refused_and_nothing_changes(client):
    await _signed_in(client)
    response = await client.post("/admin/rewards/new", data=NEW_REWARD, allow_redirects=False)
    assert response.status == 403
    assert await _stored(client, "from-the-form") == 404


async def test_a_post_whose_csrf_token_is_not_its_sessions_is_refused(client):
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
    assert session_cookie(response) is None


async def test_the_session_cookie_is_http_only_same_site_lax_and_not_secure_over_plain_http(client):
    cookie = session_cookie(await sign_in(client))
    assert (cookie["httponly"], cookie["samesite"], cookie["secure"], cookie["path"]) == (True, "Lax", "", "/admin")
    assert int(cookie["max-age"]) == 12 * 3600


async def test_the_sign_in_forms_cookie_is_http_only_same_site_lax_and_scoped_to_the_console(client):
    cookie = (await client.get("/admin/login")).cookies[PRE_SESSION_COOKIE]
    assert (cookie["httponly"], cookie["samesite"], cookie["secure"], cookie["path"]) == (True, "Lax", "", "/admin")


async def test_over_plain_http_no_answer_carries_hsts(client):
    assert "Strict-Transport-Security" not in (await client.get("/admin/login")).headers


async def _sign_in_over(client: Any, headers: dict[str, str], prefix: str) -> tuple[Any, Any]:
    """Sign in with these headers; the sign-in page's answer and the sign-in's."""
    found = await client.get("/admin/login", headers=headers)
    pre_session = found.cookies[prefix + PRE_SESSION_COOKIE]
    # The test client talks plain HTTP, so it keeps a Secure cookie to itself: send it as the browser would.
    response = await client.post(
        "/admin/login",
        data={"token": ADMIN_TOKEN, "csrf_token": form_token(await found.text())},
        headers={**headers, "Cookie": f"{prefix}{PRE_SESSION_COOKIE}={pre_session.value}"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return found, response


async def test_under_https_the_cookies_are_host_prefixed_secure_and_the_answer_carries_hsts(aiohttp_client, settings):
    client = await aiohttp_client(init_app(behind_a_trusted_proxy(settings)))
    found, response = await _sign_in_over(client, HTTPS, HOST_PREFIX)
    for cookie in (found.cookies[HOST_PREFIX + PRE_SESSION_COOKIE], https_session_cookie(response)):
        assert (cookie["secure"], cookie["path"], cookie["domain"], cookie["httponly"]) == (True, "/", "", True)
    for answer in (found, response):
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert session_cookie(response) is None  # no unprefixed cookie a sibling subdomain could overwrite


async def test_a_clients_own_x_forwarded_proto_makes_nothing_secure(aiohttp_client, settings):
    client = await aiohttp_client(init_app(settings))  # no trusted proxy: the test client is a client
    _, response = await _sign_in_over(client, HTTPS, "")
    assert (session_cookie(response)["secure"], https_session_cookie(response)) == ("", None)
    assert "Strict-Transport-Security" not in response.headers


async def test_under_https_a_plain_cookie_planted_beside_the_host_cookie_is_not_read(aiohttp_client, settings):
    client = await aiohttp_client(init_app(behind_a_trusted_proxy(settings)))
    cookie = session_cookie(await sign_in(client)).value  # a session over plain HTTP: a cookie without the prefix
    response = await client.get(
        "/admin/rewards", headers={**HTTPS, "Cookie": f"{SESSION_COOKIE}={cookie}"}, allow_redirects=False
    )
    assert (response.status, response.headers["Location"]) == (303, "/admin/login")


async def test_the_bot_token_does_not_open_the_console(client):
    response = await sign_in(client, BOT_TOKEN)
    assert response.status == 401
    assert session_cookie(response) is None
    assert (await client.get("/admin/rewards", allow_redirects=False)).headers["Location"] == "/admin/login"


async def test_a_refused_token_is_never_shown_back(client):
    response = await sign_in(client, "typed-by-mistake-secret")
    text = await response.text()
    assert "That is not the admin token." in text
    assert "typed-by-mistake-secret" not in text


async def test_signing_out_is_a_post_with_its_token_and_ends_the_session(client):
    await _signed_in(client)
    assert (await client.post("/admin/logout", allow_redirects=False)).status == 403
    response = await submit(client, "/admin/rewards", {}, action="/admin/logout")
    assert (response.status, response.headers["Location"]) == (303, "/admin/login")
    assert (await client.get("/admin/rewards", allow_redirects=False)).status == 303


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
