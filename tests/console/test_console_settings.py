"""The console's three settings: served or not, how long a sign-in lasts, whether a proxy is believed."""

import pytest

from service.settings import ConfigError, Settings


def test_the_console_is_served_for_twelve_hour_sessions_and_no_proxy_is_believed_by_default():
    settings = Settings.from_env({})
    assert (settings.admin_console, settings.admin_session_hours, settings.behind_proxy) == (True, 12.0, False)


def test_the_console_can_be_switched_off_and_a_proxy_believed():
    settings = Settings.from_env(
        {"REWARDS_ADMIN_CONSOLE": "off", "REWARDS_BEHIND_PROXY": "on", "REWARDS_ADMIN_SESSION_HOURS": "1.5"}
    )
    assert (settings.admin_console, settings.admin_session_hours, settings.behind_proxy) == (False, 1.5, True)


@pytest.mark.parametrize("name", ["REWARDS_ADMIN_CONSOLE", "REWARDS_BEHIND_PROXY"])
def test_a_switch_that_is_neither_on_nor_off_is_refused_with_its_name(name):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: "maybe"})


def test_a_session_of_no_hours_is_refused():
    with pytest.raises(ConfigError, match="REWARDS_ADMIN_SESSION_HOURS"):
        Settings.from_env({"REWARDS_ADMIN_SESSION_HOURS": "0"})
