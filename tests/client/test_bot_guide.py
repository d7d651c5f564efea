"""docs/bot-guide.md stays true to the client: it names only real methods and exported classes.

The aiogram example it points to is run by tests/client/test_aiogram_example.py.
"""

import re
from pathlib import Path

import rewards_client as client

GUIDE = Path(__file__).parents[2].joinpath("docs", "bot-guide.md").read_text()


def test_examples_import_only_what_the_client_exports():
    imported = [
        name.strip() for line in re.findall(r"from rewards_client import (.+)", GUIDE) for name in line.split(",")
    ]
    assert imported
    assert all(name in client.__all__ for name in imported)


def test_every_client_method_the_guide_names_exists():
    called = set(re.findall(r"rewards\.(\w+)\(", GUIDE)) | set(re.findall(r"^\| `(\w+)\(", GUIDE, re.M))
    called |= set(re.findall(r", `(\w+)\(", GUIDE))
    assert {"list_rewards", "claim", "ack_grant", "send_event", "feed", "deactivate_reward"} <= called
    assert sorted(name for name in called if not hasattr(client.RewardsClient, name)) == []


def test_every_exception_the_errors_paragraph_names_is_exported():
    paragraph = GUIDE.split("**Errors.**", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`([A-Z]\w+)`", paragraph))
    assert {"AlreadyClaimed", "RewardsApiError", "DatabaseUnavailable", "ServiceUnreachable"} <= named
    assert sorted(name for name in named if name not in client.__all__) == []
