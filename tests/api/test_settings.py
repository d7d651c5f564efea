"""Configuration from environment variables."""

from pathlib import Path

import pytest
from rewards_catalog import SHIPPED_CATALOG

from service.db.connection import client_options
from service.settings import ConfigError, Settings, mask_url


def test_defaults_are_the_embedded_demo():
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.mongodb_db) == ("127.0.0.1", 8080, "rewards")
    assert settings.embedded and settings.dev_tokens
    assert settings.seed_paths == (SHIPPED_CATALOG,)


def test_real_mongodb_without_tokens_refuses_to_start():
    with pytest.raises(ConfigError, match="REWARDS_BOT_TOKEN"):
        Settings.from_env({"MONGODB_URL": "mongodb://db:27017"})


def test_real_mongodb_with_tokens_loads_no_demo_catalogue():
    settings = Settings.from_env(
        {"MONGODB_URL": "mongodb://db:27017", "REWARDS_BOT_TOKEN": "b", "REWARDS_ADMIN_TOKEN": "a"}
    )
    assert not settings.embedded and not settings.dev_tokens and settings.seed_paths == ()


def test_tokens_can_come_from_files(tmp_path: Path):
    (tmp_path / "bot").write_text("bot-secret\n")
    (tmp_path / "admin").write_text("admin-secret\n")
    settings = Settings.from_env(
        {"REWARDS_BOT_TOKEN_FILE": str(tmp_path / "bot"), "REWARDS_ADMIN_TOKEN_FILE": str(tmp_path / "admin")}
    )
    assert (settings.bot_token, settings.admin_token) == ("bot-secret", "admin-secret")


def test_identical_tokens_are_refused():
    with pytest.raises(ConfigError, match="must differ"):
        Settings.from_env({"REWARDS_BOT_TOKEN": "same", "REWARDS_ADMIN_TOKEN": "same"})


@pytest.mark.parametrize("name", ["REWARDS_PORT", "REWARDS_EXPIRY_SWEEP_SECONDS", "REWARDS_RARITY_SECONDS"])
def test_non_numeric_numbers_are_refused_with_the_variable_name(name):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: "soon"})


def test_rarity_is_refreshed_every_five_minutes_unless_configured():
    assert Settings.from_env({}).rarity_seconds == 300.0
    assert Settings.from_env({"REWARDS_RARITY_SECONDS": "60"}).rarity_seconds == 60.0


def test_password_is_masked_in_logged_urls():
    assert mask_url("mongodb://app:s3cret@db:27017/x") == "mongodb://app:***@db:27017/x"
    assert mask_url("mongodb://db:27017") == "mongodb://db:27017"


def test_the_default_language_is_english_unless_configured_and_must_be_a_known_tag():
    assert Settings.from_env({}).default_language == "en"
    assert Settings.from_env({"REWARDS_DEFAULT_LANGUAGE": "es-mx"}).default_language == "es-MX"
    with pytest.raises(ConfigError, match="REWARDS_DEFAULT_LANGUAGE"):
        Settings.from_env({"REWARDS_DEFAULT_LANGUAGE": "xx"})


def test_database_calls_have_a_five_second_deadline_unless_configured():
    assert Settings.from_env({}).db_timeout_seconds == 5.0
    assert Settings.from_env({"REWARDS_DB_TIMEOUT_SECONDS": "2.5"}).db_timeout_seconds == 2.5


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_database_deadline_that_is_not_a_positive_number_is_refused(value):
    with pytest.raises(ConfigError, match="REWARDS_DB_TIMEOUT_SECONDS"):
        Settings.from_env({"REWARDS_DB_TIMEOUT_SECONDS": value})


def test_the_mongodb_client_bounds_every_call_server_selection_and_connecting_by_the_deadline():
    options = client_options(Settings(db_timeout_seconds=2.5))
    assert options == {"timeoutMS": 2500, "serverSelectionTimeoutMS": 2500, "connectTimeoutMS": 2500}
