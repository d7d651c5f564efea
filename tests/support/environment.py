"""The test environment every test shares: tokens and their headers, per-test settings, a controllable clock.

`make_settings` gives each test its own throwaway database and records its name in `TEST_DATABASES`;
conftest's session fixture drops every recorded database at the end of a run on a real MongoDB.
"""

import os
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from documents.clock import utc_now
from service.db.connection import drop_database
from service.settings import Settings

__all__ = [
    "ADMIN",
    "ADMIN_TOKEN",
    "BOT",
    "BOT_TOKEN",
    "FIRST_PASS_ONLY",
    "REAL_MONGODB_URL",
    "TEST_DATABASES",
    "FakeClock",
    "drop_database",
    "make_settings",
]

# Long enough for a real database (the wire pass): the settings refuse shorter ones there.
BOT_TOKEN = "test-bot-token-of-at-least-32-characters"
ADMIN_TOKEN = "test-admin-token-of-at-least-32-characters"
BOT = {"Authorization": f"Bearer {BOT_TOKEN}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
REAL_MONGODB_URL = os.environ.get("MONGODB_URL") or None
# For a test whose subject is not the database (installing the packages, the example bot): the first pass
# runs it, the wire pass skips it. It costs minutes (fresh virtualenvs, bot processes) and would prove
# nothing more on a second database; what it drives of the service is tested on both by the others.
FIRST_PASS_ONLY = pytest.mark.skipif(
    REAL_MONGODB_URL is not None, reason="not about the database: the mongomock pass runs it, once is enough"
)
# Every database name make_settings handed out in this run, dropped at the end (conftest's session fixture).
TEST_DATABASES: set[str] = set()


def make_settings(**overrides: Any) -> Settings:
    """Settings for one test: its own throwaway database, fixed tokens, no background surprises."""
    name = f"rewards_test_{uuid.uuid4().hex[:12]}"
    TEST_DATABASES.add(name)
    base = Settings(
        mongodb_url=REAL_MONGODB_URL,
        mongodb_db=name,
        bot_tokens=(BOT_TOKEN,),
        admin_tokens=(ADMIN_TOKEN,),
        expiry_sweep_seconds=3600,
        rarity_seconds=3600,
        check_answers=True,
        # Tests relay the feed themselves (tests/support/feed.py), so no background step races their counts.
        feed_relay_seconds=3600,
        # The same for closing leaderboard runs and relaying goals' totals (tests/api/test_api_leaderboards.py,
        # tests/api/test_api_goals.py).
        leaderboard_close_seconds=3600,
        goal_relay_seconds=3600,
        seed_paths=(),
    )
    return replace(base, **overrides)


class FakeClock:
    """A controllable service clock: tests move time instead of waiting."""

    def __init__(self, start: datetime | None = None) -> None:
        # Starts at the real time: TTL indexes (mongomock emulates them too) measure age against it.
        self.now = start or utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
