"""Configuration from environment variables."""

from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError
from rewards_catalog import SHIPPED_CATALOG

from service.db.connection import client_options
from service.settings import (
    DEFAULT_GOAL_SHARDS,
    DEV_ADMIN_TOKEN,
    ENV_VARS,
    ConfigError,
    DatabaseSettings,
    Settings,
    configuration_table,
    mask_url,
)


def test_defaults_are_the_embedded_demo():
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.mongodb_db) == ("127.0.0.1", 8080, "rewards")
    assert settings.embedded
    assert settings.development_tokens_in_use
    assert settings.seed_paths == (SHIPPED_CATALOG,)


def test_real_mongodb_without_tokens_refuses_to_start():
    with pytest.raises(ConfigError, match="REWARDS_BOT_TOKEN"):
        Settings.from_env({"MONGODB_URL": "mongodb://db:27017"})


def test_real_mongodb_with_tokens_loads_no_demo_catalogue():
    settings = Settings.from_env(
        {"MONGODB_URL": "mongodb://db:27017", "REWARDS_BOT_TOKEN": "b" * 32, "REWARDS_ADMIN_TOKEN": "a" * 32}
    )
    assert not settings.embedded
    assert not settings.development_tokens_in_use
    assert settings.seed_paths == ()


def test_tokens_can_come_from_files(tmp_path: Path):
    (tmp_path / "bot").write_text("bot-secret\n")
    (tmp_path / "admin").write_text("admin-secret\n")
    settings = Settings.from_env(
        {"REWARDS_BOT_TOKEN_FILE": str(tmp_path / "bot"), "REWARDS_ADMIN_TOKEN_FILE": str(tmp_path / "admin")}
    )
    assert (settings.bot_tokens, settings.admin_tokens) == (("bot-secret",), ("admin-secret",))


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


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REWARDS_PORT": "soon"}, "REWARDS_PORT: must be a whole number, got 'soon'"),
        ({"REWARDS_PORT": "70000"}, "REWARDS_PORT: must be at most 65535, got '70000'"),
        ({"REWARDS_EXPIRY_SWEEP_SECONDS": "-1"}, "REWARDS_EXPIRY_SWEEP_SECONDS: must be at least 0, got '-1'"),
        ({"REWARDS_RARITY_SECONDS": "nan"}, "REWARDS_RARITY_SECONDS: must be a finite number, got 'nan'"),
        ({"REWARDS_DB_TIMEOUT_SECONDS": "0"}, "REWARDS_DB_TIMEOUT_SECONDS: must be greater than 0, got '0'"),
        ({"REWARDS_LOG_FORMAT": "xml"}, "REWARDS_LOG_FORMAT: unknown value 'xml'; allowed: text, json"),
        ({"REWARDS_ADMIN_CONSOLE": "maybe"}, "REWARDS_ADMIN_CONSOLE: must be on or off, got 'maybe'"),
        (
            {"REWARDS_LOG_LEVEL": "loud"},
            "REWARDS_LOG_LEVEL: must be a logging level (DEBUG, INFO, WARNING or ERROR), got 'loud'",
        ),
    ],
)
def test_a_bad_value_is_refused_in_plain_words_naming_the_variable(env, message):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    assert str(refused.value) == message


def test_every_bad_variable_is_named_at_once():
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"MONGODB_URL": "mongodb://db:27017", "REWARDS_PORT": "x"})
    named = [part.split(":")[0] for part in str(refused.value).split("; ")]
    assert named == ["REWARDS_PORT", "REWARDS_BOT_TOKEN", "REWARDS_ADMIN_TOKEN"]


def test_an_empty_variable_counts_as_unset():
    settings = Settings.from_env({"REWARDS_PORT": "", "MONGODB_URL": "", "MONGODB_DB": "", "REWARDS_LOG_LEVEL": ""})
    assert (settings.port, settings.mongodb_db, settings.log_level, settings.embedded) == (
        8080,
        "rewards",
        "INFO",
        True,
    )


def test_an_empty_seed_path_loads_no_seeds_and_a_list_loads_each():
    assert Settings.from_env({"REWARDS_SEED_PATH": ""}).seed_paths == ()
    assert Settings.from_env({"REWARDS_SEED_PATH": "a.yaml:b"}).seed_paths == (Path("a.yaml"), Path("b"))


def test_a_token_set_on_the_embedded_database_still_leaves_the_other_a_dev_fallback():
    settings = Settings.from_env({"REWARDS_BOT_TOKEN": "bot-secret"})
    assert (settings.bot_tokens, settings.admin_tokens) == (("bot-secret",), (DEV_ADMIN_TOKEN,))
    assert settings.development_tokens_in_use == ("REWARDS_ADMIN_TOKEN",)


def test_tokens_are_neither_in_the_repr_nor_in_errors(tmp_path: Path):
    settings = Settings.from_env({"REWARDS_BOT_TOKEN": "bot-SECRET-1", "REWARDS_ADMIN_TOKEN": "admin-SECRET-2"})
    assert "SECRET" not in repr(settings)
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"REWARDS_BOT_TOKEN": "same-SECRET", "REWARDS_ADMIN_TOKEN": "same-SECRET"})
    assert "SECRET" not in str(refused.value)


def test_an_unreadable_token_file_is_named():
    with pytest.raises(ConfigError, match="REWARDS_BOT_TOKEN_FILE: cannot read /nowhere/bot"):
        Settings.from_env({"REWARDS_BOT_TOKEN_FILE": "/nowhere/bot"})


def test_the_tools_read_the_database_settings_only():
    database = DatabaseSettings.from_env(
        {"MONGODB_URL": "mongodb://db:27017", "MONGODB_DB": "shop", "REWARDS_DB_TIMEOUT_SECONDS": "2"}
    )
    assert (database.mongodb_url, database.mongodb_db, database.db_timeout_seconds) == ("mongodb://db:27017", "shop", 2)
    assert not hasattr(database, "bot_tokens")  # a real MongoDB without tokens is fine for a tool


def test_the_tools_spread_a_goal_over_the_shards_the_service_would():
    """rewards-seed declares goals too: it reads REWARDS_GOAL_SHARDS, as the service does."""
    assert DatabaseSettings.from_env({"REWARDS_GOAL_SHARDS": "6"}).goal_shards == 6
    assert DatabaseSettings.from_env({}).goal_shards == Settings.from_env({}).goal_shards == DEFAULT_GOAL_SHARDS


def test_a_changed_copy_is_validated_like_the_environment():
    with pytest.raises(ValidationError):
        replace(Settings.from_env({}), port=-1)


def test_every_variable_read_has_a_row_in_the_configuration_table():
    table = configuration_table()
    assert all(f"`{name}`" in table for name in ENV_VARS)
    assert "| `REWARDS_PORT` | `8080` | port to bind |" in table.splitlines()


def test_urls_that_may_hold_a_password_are_not_in_the_repr():
    settings = Settings.from_env(
        {"MONGODB_URL": "mongodb://app:s3cret@db:27017", "REWARDS_BOT_TOKEN": "b" * 32, "REWARDS_ADMIN_TOKEN": "a" * 32}
    )
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in repr(DatabaseSettings.from_env({"MONGODB_URL": "mongodb://app:s3cret@db:27017"}))
