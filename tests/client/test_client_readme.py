"""client/README.md stays true to the client: its dependencies and the aiogram example's install line.

The methods the docs name are checked by test_bot_guide.py; tests/client/test_aiogram_example.py runs the example.
"""

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).parents[2]
CLIENT_README = (REPO / "client" / "README.md").read_text()


def test_the_client_readme_names_every_dependency_the_client_installs():
    declared = tomllib.loads((REPO / "client" / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [name.group() for requirement in declared if (name := re.match(r"[A-Za-z0-9_.-]+", requirement))]
    notes = CLIENT_README.split("```", 1)[0]
    assert names
    assert [name for name in names if name not in notes] == []


def test_the_client_readme_installs_aiogram_for_the_example_bot():
    assert 'pip install ./client "aiogram==3.31.*"' in CLIENT_README
    assert "examples/aiogram_bot.py" in CLIENT_README
