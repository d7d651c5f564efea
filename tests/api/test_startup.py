"""Start-up: what the service says about development tokens."""

import logging
from dataclasses import replace

from service.http.app import init_app
from service.settings import DEV_ADMIN_TOKEN
from tests.support.environment import ADMIN_TOKEN, BOT_TOKEN, make_settings


def development_warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if "development token" in record.getMessage()]


async def test_the_warning_names_only_the_token_variable_that_accepts_a_development_token(aiohttp_client, caplog):
    # The embedded database on loopback, on both passes: the only place a development token is accepted.
    settings = replace(make_settings(), mongodb_url=None, admin_tokens=(ADMIN_TOKEN, DEV_ADMIN_TOKEN))
    caplog.set_level(logging.WARNING)

    await (await aiohttp_client(init_app(settings))).close()

    assert development_warnings(caplog) == [
        "REWARDS_ADMIN_TOKEN accepts a development token: anyone on this machine may call the API with it"
    ]


async def test_no_development_warning_when_every_token_is_the_operators_own(aiohttp_client, caplog):
    settings = replace(make_settings(), mongodb_url=None, bot_tokens=(BOT_TOKEN,), admin_tokens=(ADMIN_TOKEN,))
    caplog.set_level(logging.WARNING)

    await (await aiohttp_client(init_app(settings))).close()

    assert development_warnings(caplog) == []
