"""The README's client section stays true to the client: its example compiles and names only real things.

aiogram is not a dependency, so the example is compiled, not run; what it calls on the client is checked.
"""

import re
from pathlib import Path

import rewards_client as client

README = Path(__file__).parents[2].joinpath("README.md").read_text()
SECTION = README.split("## The bot's client", 1)[1].split("\n## ")[0]
[EXAMPLE] = re.findall(r"```python\n(.*?)```", SECTION, re.S)


def test_example_compiles():
    compile(EXAMPLE, "README.md", "exec")


def test_example_imports_only_what_the_client_exports():
    [imported] = re.findall(r"from rewards_client import (.+)", EXAMPLE)
    names = [name.strip() for name in imported.split(",")]
    assert names and all(name in client.__all__ for name in names)


def test_every_client_method_the_section_names_exists():
    called = set(re.findall(r"rewards\.(\w+)\(", EXAMPLE)) | set(re.findall(r"^\| `(\w+)\(", SECTION, re.M))
    called |= set(re.findall(r", `(\w+)\(", SECTION))
    assert {"list_rewards", "claim", "ack_grant", "send_event", "deactivate_reward"} <= called
    assert sorted(name for name in called if not hasattr(client.RewardsClient, name)) == []
