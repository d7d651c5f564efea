"""The console's sign-in takes every admin token while one is being replaced, and still no bot token."""

import pytest

from service.settings import Settings
from tests.support.console import sign_in
from tests.support.environment import ADMIN_TOKEN, BOT_TOKEN, make_settings

NEXT_BOT_TOKEN = "the-next-bot-token-of-at-least-32-characters"
NEXT_ADMIN_TOKEN = "the-next-admin-token-of-at-least-32-characters"


@pytest.fixture
def settings() -> Settings:
    return make_settings(bot_tokens=(BOT_TOKEN, NEXT_BOT_TOKEN), admin_tokens=(ADMIN_TOKEN, NEXT_ADMIN_TOKEN))


@pytest.mark.parametrize("token", [ADMIN_TOKEN, NEXT_ADMIN_TOKEN])
async def test_every_admin_token_signs_in(client, token):
    await sign_in(client, token)

    assert (await client.get("/admin/rewards", allow_redirects=False)).status == 200


@pytest.mark.parametrize("token", [BOT_TOKEN, NEXT_BOT_TOKEN])
async def test_no_bot_token_signs_in(client, token):
    response = await sign_in(client, token)

    assert response.status == 401
    assert (await client.get("/admin/rewards", allow_redirects=False)).headers["Location"] == "/admin/login"
