"""A request that is not text (a header byte that is not UTF-8, a control character or a non-UTF-8 byte in the path)
is a 400 in the error envelope, never a 500 (the log lines such a request could forge: test_forged_log_lines.py)."""

import logging

import pytest

from tests.support.connections import raw_request
from tests.support.environment import BOT_TOKEN

AUTHORIZED = f"Authorization: Bearer {BOT_TOKEN}".encode()

UNREADABLE = {
    # Was a 500 with a traceback: the token check encoded the surrogate aiohttp kept the byte as.
    "a token byte that is not UTF-8": b"GET /v1/rewards HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \xff\xfe",
    "a header byte that is not UTF-8": b"GET /v1/rewards HTTP/1.1\r\nHost: localhost\r\nX-Note: caf\xe9\r\n"
    + AUTHORIZED,
    "a newline in the path": b"GET /v1/rewards/x%0A2031-01-01%2000:00:00,000%20INFO%20forged HTTP/1.1\r\nHost: localhost\r\n"
    + AUTHORIZED,
    "a NUL in the path": b"GET /v1/users/1%00/rewards HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZED,
    "a C1 line break in the path": b"GET /v1/rewards/x%C2%85y HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZED,
    "a path byte that is not UTF-8": b"GET /v1/rewards/%FF HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZED,
    "the console, a newline in its path": b"GET /admin/x%0Ay HTTP/1.1\r\nHost: localhost",
    "the console, a cookie byte that is not UTF-8": b"GET /admin/login HTTP/1.1\r\nHost: localhost\r\nCookie: a=\xff",
}


@pytest.mark.parametrize("head", UNREADABLE.values(), ids=UNREADABLE.keys())
async def test_a_request_that_is_not_text_is_a_400_in_the_error_envelope_and_logs_no_error(client, caplog, head):
    caplog.set_level(logging.INFO)
    answer = await raw_request(client, head)
    assert answer.status == 400
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "bad_request"
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []


async def test_a_header_value_may_hold_a_tab_and_any_utf_8(client):
    head = b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Note: caf\xc3\xa9\tau lait \xe2\x98\x95"
    assert (await raw_request(client, head)).status == 200


async def test_a_path_may_hold_any_utf_8_text(client):
    head = b"GET /v1/rewards/caf%C3%A9 HTTP/1.1\r\nHost: localhost\r\n" + AUTHORIZED
    answer = await raw_request(client, head)
    assert (answer.status, answer.json()["error"]["code"]) == (422, "validation_error")  # not a slug
