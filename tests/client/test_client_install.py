"""The bot installs the client alone: `pip install ./client` into a fresh environment, nothing of the server.

The environment gets only the client distribution and its dependencies (aiohttp, pydantic, langcodes); the
test then runs a bot's whole journey with that environment's Python against the real service in
its own process: an event, the rewards list, a claim, the pending grants, the acknowledgement.
"""

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.support.client_venv import bot_process_env, client_venv, installed_distributions
from tests.support.environment import (
    ADMIN_TOKEN,
    BOT_TOKEN,
    FIRST_PASS_ONLY,
    REAL_MONGODB_URL,
    make_settings,
)
from tests.support.service_process import running_service

pytestmark = FIRST_PASS_ONLY

SERVER_ONLY = {"beanie", "motor", "pymongo", "plotly", "mongomock", "mongomock-motor", "prometheus-client", "tqdm"}

BOT_JOURNEY = textwrap.dedent(
    """
    import asyncio, json, sys
    from rewards_client import RewardsClient, RewardLocked

    async def main(url, bot_token, admin_token):
        async with RewardsClient(url, admin_token) as admin:
            await admin.create_reward({"slug": "hello", "name": "Hello", "reward_type": "besitos",
                                       "reward_value": {"amount": 5},
                                       "conditions": [{"condition_type": "total_points", "value": 10}]})
        async with RewardsClient(url, bot_token) as bot:
            try:
                await bot.claim(42, "hello")
                locked = False
            except RewardLocked:
                locked = True
            answer = await bot.send_event(42, "points", event_id="journey-1", amount=10)
            listed = await bot.list_rewards(42)
            grant = await bot.claim(42, "hello")
            pending = await bot.pending_grants(42)
            acked = await bot.ack_grant(grant.grant_id)
            after = await bot.pending_grants(42)
        print(json.dumps({
            "locked_before": locked,
            "unlocked": [u.slug for u in answer.unlocked],
            "status": {r.slug: str(r.status) for r in listed.rewards},
            "granted": grant.reward_value,
            "pending": [g.grant_id for g in pending.grants],
            "grant_id": grant.grant_id,
            "delivered": acked.delivered_at is not None,
            "pending_after": [g.grant_id for g in after.grants],
            "server_modules": sorted(m for m in ("beanie", "motor", "pymongo", "plotly") if m in sys.modules),
        }))

    asyncio.run(main(*sys.argv[1:]))
    """
)


@pytest.fixture(scope="module")
def client_only_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with `pip install ./client` and nothing else."""
    return client_venv(tmp_path_factory.mktemp("bot-venv"))


def test_the_client_installs_without_anything_of_the_server(client_only_python: Path):
    installed = installed_distributions(client_only_python).keys()
    assert {"rewards-client", "aiohttp", "pydantic", "langcodes"} <= installed
    assert installed & SERVER_ONLY == set()
    assert "rewards-service" not in installed


def test_a_bots_journey_runs_with_the_client_alone(client_only_python: Path, tmp_path: Path):
    settings = make_settings()
    env = {"MONGODB_DB": settings.mongodb_db, "REWARDS_BOT_TOKEN": BOT_TOKEN, "REWARDS_ADMIN_TOKEN": ADMIN_TOKEN}
    if REAL_MONGODB_URL:
        env["MONGODB_URL"] = REAL_MONGODB_URL
    with running_service(env, tmp_path / "service.log") as service:
        ran = subprocess.run(
            [client_only_python, "-c", BOT_JOURNEY, service.url, BOT_TOKEN, ADMIN_TOKEN],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,  # not the repository: nothing of it on sys.path
            env=bot_process_env(),
        )
    assert ran.returncode == 0, ran.stderr
    journey = json.loads(ran.stdout)
    assert journey["locked_before"] is True
    assert journey["unlocked"] == ["hello"]
    assert journey["status"] == {"hello": "unlocked"}
    assert journey["granted"] == {"amount": 5}
    assert journey["pending"] == [journey["grant_id"]]
    assert journey["delivered"] is True
    assert journey["pending_after"] == []
    assert journey["server_modules"] == []
