"""Several tokens per role, so that an operator replaces one without downtime."""

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
