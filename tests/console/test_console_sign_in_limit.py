"""The console's sign-in limit: per client address as the trusted proxy resolved it, kept in MongoDB for every
instance, with a growing Retry-After, and no lock an outsider could put on the admins. Careless input at the
sign-in form is a refusal, never a 500.
"""

import asyncio
from typing import Any

import pytest

from service.db import collections
from service.http.app import init_app
from service.usecases.console_sessions import FREE_TRIES, limited_address
from tests.support.console import behind_a_trusted_proxy, csrf_token, from_address, session_cookie, sign_in
from tests.support.environment import ADMIN_TOKEN

ATTACKER = "203.0.113.7"
ADMIN_ADDRESS = "198.51.100.20"


@pytest.fixture
async def proxied(aiohttp_client, settings, clock) -> Any:
    """The service behind a trusted proxy, which tells it each client's address."""
    return await aiohttp_client(init_app(behind_a_trusted_proxy(settings), clock=clock))


async def attempt(client: Any, address: str, token: str = "wrong", **headers: str) -> Any:
    return await sign_in(client, token, headers={**from_address(address), **headers})


async def fail(client: Any, address: str, times: int) -> None:
    for _ in range(times):
        assert (await attempt(client, address)).status == 401


async def test_after_five_failures_an_address_must_wait_and_the_right_token_is_not_looked_at(proxied):
    await fail(proxied, ATTACKER, FREE_TRIES)
    response = await attempt(proxied, ATTACKER, ADMIN_TOKEN)
    assert (response.status, response.headers["Retry-After"]) == (429, "15")
    assert "try again in 15 seconds" in await response.text()
    assert session_cookie(response) is None


async def test_the_wait_doubles_after_each_failure_past_the_free_ones(proxied, clock):
    await fail(proxied, ATTACKER, FREE_TRIES)
    waits = []
    for _ in range(4):
        refused = await attempt(proxied, ATTACKER)
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(seconds=waits[-1] - 1)
        assert (await attempt(proxied, ATTACKER)).status == 429  # one second early
        clock.advance(seconds=1)
        assert (await attempt(proxied, ATTACKER)).status == 401
    assert waits == [15, 30, 60, 120]


async def test_the_wait_never_passes_an_hour(proxied, clock):
    for _ in range(FREE_TRIES + 12):
        clock.advance(hours=1)
        await attempt(proxied, ATTACKER)
    assert (await attempt(proxied, ATTACKER)).headers["Retry-After"] == "3600"


async def test_a_waiting_address_does_not_lock_out_an_admin_elsewhere(proxied):
    await fail(proxied, ATTACKER, FREE_TRIES)
    assert (await attempt(proxied, ATTACKER)).status == 429
    assert (await attempt(proxied, ADMIN_ADDRESS, ADMIN_TOKEN)).status == 303


async def test_a_successful_sign_in_clears_the_addresss_count(proxied):
    await fail(proxied, ADMIN_ADDRESS, FREE_TRIES - 1)
    assert (await attempt(proxied, ADMIN_ADDRESS, ADMIN_TOKEN)).status == 303
    assert await collections.sign_in_attempts().count_documents({}) == 0
    proxied.session.cookie_jar.clear()
    await fail(proxied, ADMIN_ADDRESS, FREE_TRIES)


async def test_the_count_is_forgotten_a_day_after_the_last_attempt(proxied, clock):
    await fail(proxied, ATTACKER, FREE_TRIES)
    clock.advance(hours=24)
    await fail(proxied, ATTACKER, FREE_TRIES)


async def test_the_limit_holds_across_instances(aiohttp_client, settings, clock):
    first = await aiohttp_client(init_app(behind_a_trusted_proxy(settings), clock=clock))
    second = await aiohttp_client(init_app(behind_a_trusted_proxy(settings), clock=clock))
    await fail(first, ATTACKER, FREE_TRIES)
    assert (await attempt(second, ATTACKER)).status == 429


async def test_a_client_behind_the_proxy_cannot_pick_its_address_with_x_forwarded_for(proxied):
    # What the client writes comes first; the trusted proxy appends the address it saw.
    for number in range(FREE_TRIES):
        assert (await attempt(proxied, f"192.0.2.{number}, {ATTACKER}")).status == 401
    assert (await attempt(proxied, f"192.0.2.99, {ATTACKER}")).status == 429
    assert (await attempt(proxied, ADMIN_ADDRESS, ADMIN_TOKEN)).status == 303


async def test_a_client_reaching_the_service_directly_cannot_pick_its_address(client):
    for number in range(FREE_TRIES):
        assert (await attempt(client, f"192.0.2.{number}")).status == 401
    assert (await attempt(client, "192.0.2.99")).status == 429


async def test_the_addresses_of_one_ipv6_network_share_a_count(proxied):
    await fail(proxied, "2001:db8:1:2::1", FREE_TRIES)
    assert (await attempt(proxied, "2001:db8:1:2:ffff::9")).status == 429
    assert (await attempt(proxied, "2001:db8:1:3::1", ADMIN_TOKEN)).status == 303


def test_the_address_counted_is_an_ipv4_address_or_an_ipv6_network():
    assert [limited_address(a) for a in ("203.0.113.7", "::ffff:203.0.113.7", "2001:db8::1", "unknown")] == [
        "203.0.113.7",
        "203.0.113.7",
        "2001:db8::/64",
        "unknown",
    ]


async def test_concurrent_attempts_from_one_address_are_each_counted_once(proxied):
    token = await csrf_token(proxied)

    async def one() -> int:
        response = await proxied.post(
            "/admin/login",
            data={"token": "wrong", "csrf_token": token},
            headers=from_address(ATTACKER),
            allow_redirects=False,
        )
        return response.status

    statuses = await asyncio.gather(*(one() for _ in range(20)))
    looked_at = statuses.count(401)
    assert looked_at <= FREE_TRIES
    assert sorted(set(statuses) - {401}) == [429]
    stored = await collections.sign_in_attempts().find_one({"_id": ATTACKER})
    assert stored is not None
    assert stored["tries"] == looked_at


async def test_a_waiting_address_is_stored_with_its_next_try_and_cleaned_up_a_day_later(proxied, clock):
    await fail(proxied, ATTACKER, FREE_TRIES)
    stored = await collections.sign_in_attempts().find_one({"_id": ATTACKER})
    assert stored is not None
    assert (stored["tries"], stored["last_at"]) == (FREE_TRIES, clock())
    assert (stored["next_try_at"] - clock()).total_seconds() == 15
    assert (stored["expires_at"] - clock()).total_seconds() == 24 * 3600
    indexes = await collections.sign_in_attempts().index_information()
    assert indexes["expires_at_ttl"]["expireAfterSeconds"] == 0


# --- careless input -----------------------------------------------------------------------------------


def _multipart(csrf: str, token: bytes, charset: str) -> bytes:
    return (
        b'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + csrf.encode() + b"\r\n"
        b'--B\r\nContent-Disposition: form-data; name="token"\r\nContent-Type: text/plain; charset='
        + charset.encode()
        + b"\r\n\r\n"
        + token
        + b"\r\n--B--\r\n"
    )


async def test_a_token_that_is_no_utf_8_text_is_a_wrong_token_not_a_500(client):
    csrf = await csrf_token(client)
    response = await client.post(
        "/admin/login",
        data=_multipart(csrf, b"\\ud800", "unicode_escape"),  # decodes to a lone surrogate
        headers={"Content-Type": "multipart/form-data; boundary=B"},
        allow_redirects=False,
    )
    assert response.status == 401
    assert await collections.sign_in_attempts().count_documents({}) == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"csrf_token=x&token=\xff\xfe", "application/x-www-form-urlencoded"),
        (None, "multipart/form-data; boundary=B"),
    ],
    ids=["not-utf-8", "unknown-charset"],
)
async def test_a_form_that_cannot_be_read_as_text_is_a_400_page(client, body, content_type):
    csrf = await csrf_token(client)
    response = await client.post(
        "/admin/login",
        data=body if body is not None else _multipart(csrf, b"x", "no-such-charset"),
        headers={"Content-Type": content_type},
        allow_redirects=False,
    )
    assert (response.status, response.content_type) == (400, "text/html")
    assert "UTF-8" in await response.text()
    assert await collections.sign_in_attempts().count_documents({}) == 0


async def test_a_cookie_that_is_no_ascii_text_is_no_session(client):
    response = await client.get(
        "/admin/rewards", headers={"Cookie": "console_session=\u00e9t\u00e9.x.y"}, allow_redirects=False
    )
    assert (response.status, response.headers["Location"]) == (303, "/admin/login")
