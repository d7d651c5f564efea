"""Without the `embedded` extra (the container image) nothing starts on the embedded database: one plain sentence."""

import pytest
from rewards_scripts.connection import database_settings

from service import settings as settings_module
from service.main import main
from service.settings import ConfigError, DatabaseSettings, Settings, embedded_database_installed

NOT_INSTALLED = (
    "MONGODB_URL: must be set to a MongoDB URL, as the embedded database is not installed (the `embedded` extra)"
)
EMBEDDED = pytest.mark.parametrize("env", [{}, {"MONGODB_URL": "mongomock://"}], ids=["unset", "mongomock://"])


@pytest.fixture
def without_the_embedded_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_module, "embedded_database_installed", lambda: False)


@EMBEDDED
def test_the_service_settings_refuse_the_embedded_database_in_one_sentence(without_the_embedded_extra, env):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    assert str(refused.value) == NOT_INSTALLED


@EMBEDDED
def test_the_tools_refuse_it_with_the_same_sentence(without_the_embedded_extra, env):
    with pytest.raises(SystemExit) as refused:
        database_settings(env)
    assert refused.value.code == NOT_INSTALLED


def test_the_service_prints_the_sentence_on_one_line_and_exits_2(without_the_embedded_extra, monkeypatch, capsys):
    monkeypatch.delenv("MONGODB_URL", raising=False)  # set on the wire-server pass
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert capsys.readouterr().err == f"rewards-service: configuration error: {NOT_INSTALLED}\n"


def test_a_real_mongodb_needs_no_embedded_extra(without_the_embedded_extra):
    settings = DatabaseSettings.from_env({"MONGODB_URL": "mongodb://db:27017"})
    assert not settings.embedded


def test_the_development_install_has_the_embedded_extra():
    assert embedded_database_installed()  # the first test pass and `make run` stand on it
