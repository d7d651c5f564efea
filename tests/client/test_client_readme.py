"""What the docs say of the client stays true to it: its dependencies, its install line, its methods.

The aiogram example is not checked here: tests/client/test_aiogram_example.py runs it.
"""

import re
import tomllib
from pathlib import Path

import rewards_client as client

REPO = Path(__file__).parents[2]
CLIENT_README = (REPO / "client" / "README.md").read_text()
# The client's methods table, wherever the docs keep it: the one headed `| method | endpoint |`.
[METHODS_TABLE] = [
    text.split("| method | endpoint |", 1)[1].split("\n\n", 1)[0]
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    if "| method | endpoint |" in (text := path.read_text())
]


def test_the_client_readme_names_every_dependency_the_client_installs():
    declared = tomllib.loads((REPO / "client" / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.match(r"[A-Za-z0-9_.-]+", requirement).group() for requirement in declared]
    notes = CLIENT_README.split("```", 1)[0]
    assert names and [name for name in names if name not in notes] == []


def test_the_client_readme_installs_aiogram_for_the_example_bot():
    assert 'pip install ./client "aiogram==3.31.*"' in CLIENT_README
    assert "examples/aiogram_bot.py" in CLIENT_README


def test_every_client_method_the_docs_table_names_exists():
    named = set(re.findall(r"^\| `(\w+)\(", METHODS_TABLE, re.M)) | set(re.findall(r", `(\w+)\(", METHODS_TABLE))
    assert {"list_rewards", "claim", "ack_grant", "send_event", "deactivate_reward"} <= named
    assert sorted(name for name in named if not hasattr(client.RewardsClient, name)) == []
