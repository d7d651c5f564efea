"""A SIGKILL while a leaderboard run is closing: after the restart every prize is given exactly once.

The service runs as a real process on the real server of MONGODB_URL, with its closing job every
few hundredths of a second and no grace period. A season board whose run ends a moment after it is
declared has a hundred scored users and a prize for each rank; the process is killed as soon as the
run's closing record appears, while the hundred unlocks are being written. A new process on the same
database then finishes the closing. The embedded database cannot show this: it dies with the process.
"""

import asyncio
import os
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pymongo
import pytest

from tests.support.environment import ADMIN, ADMIN_TOKEN, BOT_TOKEN, REAL_MONGODB_URL, make_settings
from tests.support.factories import reward_payload
from tests.support.service_process import Service, running_service

pytestmark = pytest.mark.skipif(
    not REAL_MONGODB_URL,
    reason="needs MONGODB_URL: the embedded database is lost with the killed process, so there is nothing to recover",
)

WINNERS = 100
BOARD = "crash-season"
PRIZE = "crash-prize"
MARKER = f"leaderboard:{BOARD}:season"
SEASON_SECONDS = 3.0
WAIT_SECONDS = 120


async def _post(service: Service, path: str, body: dict[str, Any]) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{service.url}{path}", json=body, headers=ADMIN) as response,
    ):
        assert response.status == 201, await response.text()


async def _declare_the_season(service: Service, stored: pymongo.database.Database) -> datetime:
    """The prize, the board (ending SEASON_SECONDS from now), and a score for each winner; answers the season's end."""
    await _post(service, "/v1/rewards", reward_payload(slug=PRIZE, conditions=[{"condition_type": "awarded"}]))
    now = datetime.now(UTC)
    ends_at = now + timedelta(seconds=SEASON_SECONDS)
    board = {
        "slug": BOARD,
        "name": "Crash season",
        "ranks": "total_points",
        "period": "season",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": ends_at.isoformat(),
        "prizes": [{"from_rank": 1, "to_rank": WINNERS, "reward": PRIZE}],
    }
    await _post(service, "/v1/leaderboards", board)
    # The scores as events would have copied them; a real event per user would not fit in the season.
    stored["leaderboard_scores"].insert_many(
        [
            {"board": BOARD, "run": "season", "user_id": user_id, "score": user_id, "reached_at": now, "removed": False}
            for user_id in range(1, WINNERS + 1)
        ]
    )
    return ends_at


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


@pytest.fixture(scope="module")
def closing_crash(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The scenario, run once: what was stored when the process was killed, and after the restart."""
    log_path: Path = tmp_path_factory.mktemp("closing-crash") / "service.log"
    with pymongo.MongoClient[dict[str, Any]](REAL_MONGODB_URL, tz_aware=True) as client:
        stored = client[make_settings().mongodb_db]
        env = {
            "MONGODB_URL": REAL_MONGODB_URL or "",
            "MONGODB_DB": stored.name,
            "REWARDS_BOT_TOKEN": BOT_TOKEN,
            "REWARDS_ADMIN_TOKEN": ADMIN_TOKEN,
            "REWARDS_LEADERBOARD_CLOSE_SECONDS": "0.02",
            "REWARDS_LEADERBOARD_GRACE_SECONDS": "0",
            "REWARDS_CATALOG_TTL_SECONDS": "0.1",
            "REWARDS_DB_TIMEOUT_SECONDS": "60",
        }
        with running_service(env, log_path) as first:
            asyncio.run(_declare_the_season(first, stored))
            _wait_for(lambda: stored["leaderboard_closings"].count_documents({}) > 0, "the closing record")
            os.kill(first.process.pid, signal.SIGKILL)
            assert first.process.wait(30) == -signal.SIGKILL
        at_kill = stored["user_rewards"].count_documents({"unlocked_by": MARKER})
        with running_service(env, log_path):
            _wait_for(lambda: stored["leaderboard_closings"].count_documents({"done": True}) == 1, "the closing's end")
        return {
            "given_at_kill": at_kill,
            "closings": list(stored["leaderboard_closings"].find({})),
            "unlocks": list(stored["user_rewards"].find({"reward_slug": PRIZE})),
        }


def test_the_kill_landed_before_every_prize_was_given(closing_crash):
    assert closing_crash["given_at_kill"] < WINNERS


def test_the_run_closed_once_and_its_closing_finished(closing_crash):
    [closing] = closing_crash["closings"]
    assert (closing["_id"], closing["done"], closing["pending"]) == (f"{BOARD}:season", True, [])
    assert [placed["user_id"] for placed in closing["standings"]] == list(range(WINNERS, 0, -1))


def test_every_winner_got_the_prize_exactly_once(closing_crash):
    unlocks = closing_crash["unlocks"]
    assert Counter(doc["user_id"] for doc in unlocks) == Counter(range(1, WINNERS + 1))
    assert {(doc["status"], doc["unlocked_by"]) for doc in unlocks} == {("unlocked", MARKER)}
    # One feed entry waits (or was relayed) per unlock: the unlock and its entry are one write.
    assert all(len(doc.get("feed_outbox") or []) <= 1 for doc in unlocks)
