"""Start-up: what the service says about development tokens, and how it ends when the database is not there."""

import json
import logging
import subprocess
from dataclasses import replace
from pathlib import Path

from service.http.app import init_app
from service.settings import DEV_ADMIN_TOKEN
from tests.support.environment import ADMIN_TOKEN, BOT_TOKEN, make_settings
from tests.support.service_process import free_port, start_service

# A deadline, not a measure: the process's imports and its one server selection on a loaded machine.
EXIT_TIMEOUT_SECONDS = 60


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


def test_an_unreachable_database_ends_start_up_with_one_sentence_and_exit_status_1(tmp_path: Path):
    database_port = free_port()  # bound and released: nothing listens there
    url = f"mongodb://rewards:pa55-SECRET@127.0.0.1:{database_port}/?directConnection=true"
    env = {
        "MONGODB_URL": url,
        "MONGODB_DB": "rewards_nowhere",
        "REWARDS_DB_TIMEOUT_SECONDS": "0.5",
        "REWARDS_BOT_TOKEN": BOT_TOKEN,
        "REWARDS_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    log_path = tmp_path / "service.log"
    process = start_service(env, log_path, free_port())
    try:
        exit_status = process.wait(timeout=EXIT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        raise

    output = log_path.read_text()
    lines = [json.loads(line) for line in output.splitlines()]  # every line a JSON log line: no traceback
    assert exit_status == 1
    masked = f"mongodb://rewards:***@127.0.0.1:{database_port}/?directConnection=true (database rewards_nowhere)"
    deadline = "within 0.5 s (REWARDS_DB_TIMEOUT_SECONDS)"
    assert (lines[-1]["level"], lines[-1]["message"]) == (
        "CRITICAL",
        f"Cannot start: the MongoDB server at {masked} did not answer {deadline}; exiting with status 1",
    )
    assert "pa55-SECRET" not in output
