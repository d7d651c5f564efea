"""Several tokens per role (rotation without downtime), and headers no token can match."""

import asyncio

import pytest

from service.settings import Settings
from tests.support.environment import ADMIN_TOKEN, BOT_TOKEN, make_settings

NEXT_BOT_TOKEN = "the-next-bot-token-of-at-least-32-characters"
NEXT_ADMIN_TOKEN = "the-next-admin-token-of-at-least-32-characters"
BOT_ROUTE = "/v1/rewards"
ADMIN_ROUTE = "/v1/webhooks/status"


@pytest.fixture
def settings() -> Settings:
    """Two tokens per role, as while an operator replaces one with the next."""
    return make_settings(bot_tokens=(BOT_TOKEN, NEXT_BOT_TOKEN), admin_tokens=(ADMIN_TOKEN, NEXT_ADMIN_TOKEN))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("token", [BOT_TOKEN, NEXT_BOT_TOKEN, ADMIN_TOKEN, NEXT_ADMIN_TOKEN])
async def test_every_token_of_both_roles_calls_the_bots_routes(client, token):
    response = await client.get(BOT_ROUTE, headers=bearer(token))

    assert response.status == 200


@pytest.mark.parametrize("token", [ADMIN_TOKEN, NEXT_ADMIN_TOKEN])
async def test_every_admin_token_calls_the_admin_routes(client, token):
    response = await client.get(ADMIN_ROUTE, headers=bearer(token))

    assert response.status == 200


@pytest.mark.parametrize("token", [BOT_TOKEN, NEXT_BOT_TOKEN])
async def test_no_bot_token_calls_the_admin_routes(client, token):
    response = await client.get(ADMIN_ROUTE, headers=bearer(token))

    assert response.status == 403


async def test_two_tokens_run_together_are_no_token(client):
    response = await client.get(BOT_ROUTE, headers=bearer(f"{BOT_TOKEN},{NEXT_BOT_TOKEN}"))

    assert response.status == 401


async def raw_status(client, authorization: bytes) -> tuple[int, bytes]:
    """The status and body of a GET whose Authorization header is these bytes, sent as they are."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        b"GET " + BOT_ROUTE.encode() + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        b"Authorization: " + authorization + b"\r\n\r\n"
    )
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize(
    ("authorization", "answer"),
    [
        # Not text at all: refused at the edge, before any token is compared, as every unreadable header is.
        (b"Bearer \xff\xfe", (400, b'"bad_request"')),
        (b"Bearer " + BOT_TOKEN.encode() + b"\xc3", (400, b'"bad_request"')),
        # Text, but no token: an unknown token.
        (b"Bearer \xc3\xa9" + BOT_TOKEN.encode(), (401, b'"unauthorized"')),
    ],
    ids=["not-utf8", "valid-token-then-a-stray-byte", "utf8-accent-then-a-valid-token"],
)
async def test_an_authorization_header_that_is_not_a_token_is_refused_never_a_500(client, authorization, answer):
    status, body = await raw_status(client, authorization)

    assert status == answer[0]
    assert answer[1] in body


async def test_the_raw_request_helper_sends_a_valid_token_as_it_is(client):
    """Guards the test above: the same path with a plain valid token is answered, so the 401s mean something."""
    status, _ = await raw_status(client, b"Bearer " + NEXT_BOT_TOKEN.encode())

    assert status == 200
