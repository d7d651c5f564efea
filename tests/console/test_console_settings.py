"""The console's two settings: served or not, how long a sign-in lasts (proxies: tests/api/test_client_address.py)."""

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
