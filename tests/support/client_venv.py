"""Fresh virtual environments holding a bot's side only: `pip install ./client`, and what the bot adds.

Nothing of the server is installed, and `bot_process_env` leaves PYTHONPATH out, so a program run
with such an environment's Python (from outside the repository) sees what a bot's machine would have.
`fresh_venv` underneath takes any install line, such as the container image's.
"""

import json
import os
import subprocess
import venv
from pathlib import Path

from tests.support.service_process import REPO

# From PyPI on a fresh machine: generous, a slow mirror takes minutes.
INSTALL_TIMEOUT_SECONDS = 600


def fresh_venv(where: Path, *pip_args: str) -> Path:
    """A new virtual environment at `where` after `pip install <pip_args>`, run in the repository; its Python."""
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    installed = subprocess.run(
        # --no-compile: the same files, without the bytecode pip would spend seconds writing.
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile", *pip_args],
        cwd=REPO,
        timeout=INSTALL_TIMEOUT_SECONDS,
        capture_output=True,
        text=True,
        check=False,  # the assertion below shows pip's own words
    )
    assert installed.returncode == 0, f"pip install failed:\n{installed.stderr}"
    return python


def client_venv(where: Path, *requirements: str) -> Path:
    """A new virtual environment at `where` with the client and `requirements` installed; its Python."""
    return fresh_venv(where, str(REPO / "client"), *requirements)


def installed_distributions(python: Path) -> dict[str, str]:
    """The lower-cased names of the distributions installed in that Python's environment, with their versions."""
    listing = subprocess.run(
        [python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {package["name"].lower(): package["version"] for package in json.loads(listing)}


def bot_process_env() -> dict[str, str]:
    """This process's environment without PYTHONPATH: nothing of the repository on the bot's sys.path."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
