"""The console's settings: served or not, how long a sign-in lasts (idle and at most), its cookies' key (proxies:
tests/api/test_client_address.py)."""

import pytest

from service.settings import ConfigError, Settings


def test_the_console_is_served_for_twelve_hour_sessions_by_default():
    settings = Settings.from_env({})
    assert (settings.admin_console, settings.admin_session_hours) == (True, 12.0)


def test_the_console_can_be_switched_off_and_its_sessions_shortened():
    settings = Settings.from_env({"REWARDS_ADMIN_CONSOLE": "off", "REWARDS_ADMIN_SESSION_HOURS": "1.5"})
    assert (settings.admin_console, settings.admin_session_hours) == (False, 1.5)


def test_a_switch_that_is_neither_on_nor_off_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="REWARDS_ADMIN_CONSOLE"):
        Settings.from_env({"REWARDS_ADMIN_CONSOLE": "maybe"})


def test_a_session_of_no_hours_is_refused():
    with pytest.raises(ConfigError, match="REWARDS_ADMIN_SESSION_HOURS"):
        Settings.from_env({"REWARDS_ADMIN_SESSION_HOURS": "0"})


def test_a_sign_in_ends_after_thirty_idle_minutes_and_the_cookies_key_is_generated_by_default():
    settings = Settings.from_env({})
    assert (settings.admin_session_idle_minutes, settings.console_secret) == (30.0, None)


def test_the_console_secret_is_read_from_its_file_and_never_shown(tmp_path):
    secret = "s" * 40
    (tmp_path / "console_secret").write_text(secret + "\n")
    settings = Settings.from_env({"REWARDS_CONSOLE_SECRET_FILE": str(tmp_path / "console_secret")})
    assert settings.console_secret == secret
    assert secret not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REWARDS_CONSOLE_SECRET": "too-short"}, "REWARDS_CONSOLE_SECRET: must be at least 32 characters"),
        (
            {"REWARDS_CONSOLE_SECRET": "a" * 32, "REWARDS_ADMIN_TOKEN": f"{'b' * 32},{'a' * 32}"},
            "REWARDS_CONSOLE_SECRET must not be an API token",
        ),
        ({"REWARDS_ADMIN_SESSION_HOURS": "25"}, "REWARDS_ADMIN_SESSION_HOURS: must be at most 24"),
        ({"REWARDS_ADMIN_SESSION_IDLE_MINUTES": "0"}, "REWARDS_ADMIN_SESSION_IDLE_MINUTES: must be greater than 0"),
    ],
)
def test_a_weak_console_secret_or_an_unbounded_session_is_refused_with_its_name(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)
