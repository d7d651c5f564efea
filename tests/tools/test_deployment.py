"""docker-compose.yml, Dockerfile and .env.example, checked by reading them (no Docker engine runs here).

The image's install line is also run in a fresh virtual environment: what the image would hold.
"""

import re
import shlex
import socket
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.version import Version

from service import healthcheck as healthcheck_module
from service.healthcheck import healthy
from service.settings import ENV_VARS
from tests.support.client_venv import bot_process_env, fresh_venv, installed_distributions
from tests.support.environment import FIRST_PASS_ONLY

pytestmark = FIRST_PASS_ONLY

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in (REPO / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined.splitlines() if line.strip()]


def makefile_install_command() -> str:
    """The Makefile's install recipe (`$(INSTALL) -e ./client -e '.[embedded]'`) with its variables expanded."""
    text = (REPO / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+)\s*[:?]?=\s*(.*?)\s*$", text, re.MULTILINE))
    recipe = re.search(r"^\$\(VENV\)/\.installed:.*\n\t(.*)$", text, re.MULTILINE)
    assert recipe, "the Makefile has no $(VENV)/.installed recipe"
    command = recipe.group(1)
    while match := re.search(r"\$\((\w+)\)", command):
        command = command.replace(match.group(0), variables[match.group(1)])
    return command


def image_install_command(dockerfile: list[tuple[str, str]]) -> str:
    """The Dockerfile's one `pip install` step."""
    [install] = [
        step
        for kind, args in dockerfile
        if kind == "RUN"
        for step in map(str.strip, args.split("&&"))
        if "pip install" in step
    ]
    return install


@pytest.fixture(scope="module")
def image_python(dockerfile: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment after the Dockerfile's own `pip install` arguments, run in the repository."""
    arguments = shlex.split(image_install_command(dockerfile))[2:]  # after `.venv/bin/pip install`
    return fresh_venv(tmp_path_factory.mktemp("image-venv"), *arguments)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def test_compose_has_mongo_the_service_and_a_seed_job(compose):
    assert {"mongo", "service", "seed"} <= set(compose["services"])


def test_mongo_is_mongo_7_on_a_named_volume(compose):
    mongo = compose["services"]["mongo"]
    assert mongo["image"] == "mongo:7"
    volume_names = {entry.split(":", 1)[0] for entry in mongo["volumes"]}
    assert volume_names
    assert volume_names <= set(compose["volumes"])


def test_mongo_runs_as_a_replica_set_its_healthcheck_initiates(compose):
    mongo = compose["services"]["mongo"]
    command = mongo["command"] if isinstance(mongo["command"], list) else shlex.split(mongo["command"])
    replica_set = command[command.index("--replSet") + 1]
    probe = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate" in probe
    assert f"_id: '{replica_set}'" in probe
    assert "'mongo:27017'" in probe
    for name in ("service", "seed"):
        assert f"replicaSet={replica_set}" in environment(compose["services"][name])["MONGODB_URL"]


@pytest.mark.parametrize("name", ["mongo", "service"])
def test_long_running_services_have_healthchecks(compose, name):
    healthcheck = compose["services"][name]["healthcheck"]
    assert healthcheck["test"][0] == "CMD"
    assert len(healthcheck["test"]) > 1


def test_the_service_healthcheck_probes_liveness_with_the_standard_library(compose):
    test = compose["services"]["service"]["healthcheck"]["test"]
    assert test[1:] == ["python", "-m", "service.healthcheck"]  # no --ready: liveness, not the database
    assert healthcheck_module.LIVENESS_PATH == "/health/live"


@pytest.mark.parametrize("name", ["service", "seed"])
def test_service_and_seed_wait_for_a_healthy_mongo(compose, name):
    assert compose["services"][name]["depends_on"]["mongo"]["condition"] == "service_healthy"


def test_the_seed_job_loads_the_shipped_catalogue_with_the_console_script(compose):
    seed = compose["services"]["seed"]
    command = seed["command"] if isinstance(seed["command"], list) else shlex.split(seed["command"])
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert command[0] in scripts
    assert (REPO / command[1]).is_dir()
    assert any((REPO / command[1]).iterdir())
    assert seed.get("restart") == "no"


def test_the_service_is_built_from_the_dockerfile(compose):
    build = compose["services"]["service"]["build"]
    context = build if isinstance(build, str) else build["context"]
    assert (REPO / context / "Dockerfile").is_file()


@pytest.mark.parametrize("name", ["service", "seed"])
def test_every_variable_compose_sets_is_one_the_settings_read(compose, name):
    unknown = set(environment(compose["services"][name])) - set(ENV_VARS)
    assert not unknown


def test_the_stop_grace_period_outlasts_the_shutdown_grace(compose):
    service = compose["services"]["service"]
    grace = re.search(r":-(\d+)", environment(service)["REWARDS_SHUTDOWN_GRACE_SECONDS"])
    assert grace
    assert int(service["stop_grace_period"].rstrip("s")) > int(grace.group(1))


def test_env_example_names_only_variables_the_settings_read():
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (REPO / ".env.example").read_text(), re.MULTILINE)
    assert {"REWARDS_BOT_TOKEN", "REWARDS_ADMIN_TOKEN", "REWARDS_BOT_TOKEN_FILE"} <= set(names)
    # REWARDS_PUBLISHED_PORT only feeds compose's port mapping, never the container.
    assert set(names) - {"REWARDS_PUBLISHED_PORT"} <= set(ENV_VARS)


def test_env_is_ignored_by_git_and_docker():
    assert ".env" in (REPO / ".gitignore").read_text().splitlines()
    dockerignore = (REPO / ".dockerignore").read_text().splitlines()
    assert ".env" in dockerignore
    assert ".venv" in dockerignore


def test_the_image_installs_what_make_install_installs_without_the_embedded_extra(dockerfile):
    make_install = shlex.split(makefile_install_command())
    assert make_install[:2] == [".venv/bin/pip", "install"]
    assert ".[embedded]" in make_install
    image_install = shlex.split(image_install_command(dockerfile))
    assert image_install == ["." if argument == ".[embedded]" else argument for argument in make_install]


def test_the_images_install_brings_current_pymongo_and_no_test_double(image_python):
    installed = installed_distributions(image_python)
    assert "rewards-service" in installed
    assert "rewards-client" in installed
    assert not installed.keys() & {"mongomock", "mongomock-motor"}
    assert Version(installed["pymongo"]) >= Version("4.11")  # mongomock's own pin no longer holds it back


@pytest.mark.parametrize(
    ("command", "status", "prefix"),
    [
        (["rewards-service"], 2, "rewards-service: configuration error: "),
        (["rewards-seed", str(REPO / "catalog")], 1, ""),
    ],
    ids=["rewards-service", "rewards-seed"],
)
def test_the_image_without_mongodb_url_refuses_in_one_sentence(image_python, tmp_path, command, status, prefix):
    env = {name: value for name, value in bot_process_env().items() if name != "MONGODB_URL"}
    ran = subprocess.run(
        [image_python.parent / command[0], *command[1:]],
        env=env,
        cwd=tmp_path,  # not the repository: only what the image installed is importable
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == status
    assert ran.stderr.startswith(f"{prefix}MONGODB_URL: ")
    assert ran.stderr.count("\n") == 1
    assert "the embedded database is not installed (the `embedded` extra)" in ran.stderr


def test_dockerfile_is_slim_python_3_11_running_as_a_non_root_user(dockerfile):
    assert dockerfile[0] == ("FROM", "python:3.11-slim")
    users = [args for kind, args in dockerfile if kind == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    # The user is switched to after installing, so it cannot modify the installed code.
    kinds = [kind for kind, _ in dockerfile]
    assert kinds.index("USER") > max(i for i, kind in enumerate(kinds) if kind == "RUN")


def test_dockerfile_binds_all_interfaces_and_checks_health(dockerfile):
    env = " ".join(args for kind, args in dockerfile if kind == "ENV")
    assert "REWARDS_HOST=0.0.0.0" in env
    [healthcheck] = [args for kind, args in dockerfile if kind == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["python", "-m", "service.healthcheck"]')  # liveness, as in compose
    assert dockerfile[-1] == ("CMD", '["rewards-service"]')


def test_healthcheck_probe_fails_when_nothing_listens():
    # (That it succeeds against a live service is checked by tests/api/test_shutdown.py's fixture.)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        assert healthy(port, timeout=1) is False
