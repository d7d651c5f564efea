"""Webhook configuration: a URL and a `whsec_` secret, both or neither; the secret is never shown."""

import base64
from pathlib import Path

import pytest

from service.settings import ENV_VARS, ConfigError, Settings

SECRET = "whsec_" + base64.b64encode(b"thirty-two bytes of webhook key!").decode()
URL = "https://bot.example/hooks/rewards"


def test_webhooks_are_off_unless_configured():
    settings = Settings.from_env({})

    assert not settings.webhooks_enabled
    assert settings.webhook_url is None
    assert settings.masked_webhook_url is None


def test_url_and_secret_turn_webhooks_on_with_a_ten_second_timeout():
    settings = Settings.from_env({"REWARDS_WEBHOOK_URL": URL, "REWARDS_WEBHOOK_SECRET": SECRET})

    assert settings.webhooks_enabled
    assert (settings.webhook_url, settings.webhook_secret, settings.webhook_timeout_seconds) == (URL, SECRET, 10.0)


@pytest.mark.parametrize("only", [{"REWARDS_WEBHOOK_URL": URL}, {"REWARDS_WEBHOOK_SECRET": SECRET}])
def test_one_without_the_other_is_refused(only):
    with pytest.raises(ConfigError, match="set together"):
        Settings.from_env(only)


@pytest.mark.parametrize("url", ["ftp://bot.example/hook", "bot.example/hook", "http:///hook", "https://[::1/hook"])
def test_the_url_must_be_https_with_a_host(url):
    with pytest.raises(ConfigError, match="REWARDS_WEBHOOK_URL"):
        Settings.from_env({"REWARDS_WEBHOOK_URL": url, "REWARDS_WEBHOOK_SECRET": SECRET})


@pytest.mark.parametrize("secret", ["plain-text-secret", "whsec_", "whsec_***not-base64***"])
def test_the_secret_must_be_whsec_and_base64(secret):
    with pytest.raises(ConfigError, match="REWARDS_WEBHOOK_SECRET"):
        Settings.from_env({"REWARDS_WEBHOOK_URL": URL, "REWARDS_WEBHOOK_SECRET": secret})


def test_a_refused_secret_or_url_is_not_echoed():
    with pytest.raises(ConfigError) as bad_secret:
        Settings.from_env({"REWARDS_WEBHOOK_URL": URL, "REWARDS_WEBHOOK_SECRET": "whsec_hunter2-is-not-base64"})
    with pytest.raises(ConfigError) as bad_url:
        Settings.from_env({"REWARDS_WEBHOOK_URL": "ftp://bot:hunter2@bot.example/", "REWARDS_WEBHOOK_SECRET": SECRET})

    assert "hunter2" not in str(bad_secret.value)
    assert "hunter2" not in str(bad_url.value)


def test_the_secret_can_come_from_a_file(tmp_path: Path):
    (tmp_path / "webhook").write_text(SECRET + "\n")

    settings = Settings.from_env({"REWARDS_WEBHOOK_URL": URL, "REWARDS_WEBHOOK_SECRET_FILE": str(tmp_path / "webhook")})

    assert settings.webhook_secret == SECRET


def test_the_secret_is_not_in_the_settings_repr():
    settings = Settings.from_env({"REWARDS_WEBHOOK_URL": URL, "REWARDS_WEBHOOK_SECRET": SECRET})

    assert SECRET.removeprefix("whsec_") not in repr(settings)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://bot.example", "https://bot.example"),
        ("https://bot.example:8443/", "https://bot.example:8443"),
        (URL, "https://bot.example/…"),
        ("https://hunter2@bot.example", "https://bot.example/…"),
        ("https://bot:hunter2@bot.example/hook", "https://bot.example/…"),
        ("https://bot.example/hooks/hunter2", "https://bot.example/…"),
        ("https://bot.example/hook?token=hunter2", "https://bot.example/…"),
        ("https://bot.example/#hunter2", "https://bot.example/…"),
        ("https://[2001:db8::1]:8443/hooks/hunter2", "https://[2001:db8::1]:8443/…"),
    ],
)
def test_the_shown_url_is_its_scheme_host_and_port_only(url, shown):
    settings = Settings.from_env({"REWARDS_WEBHOOK_URL": url, "REWARDS_WEBHOOK_SECRET": SECRET})

    assert settings.masked_webhook_url == shown


@pytest.mark.parametrize("url", ["http://bot.example/hook", "http://0.0.0.0:9000/hook", "http://10.0.0.7/hook"])
def test_a_plain_http_url_is_refused_beyond_loopback(url):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"REWARDS_WEBHOOK_URL": url, "REWARDS_WEBHOOK_SECRET": SECRET})

    assert str(refused.value) == (
        "REWARDS_WEBHOOK_URL: must be an https URL: http only reaches localhost or a loopback address"
    )


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/hook", "http://localhost/hook", "http://[::1]:9000/hook"])
def test_a_plain_http_url_is_accepted_to_a_loopback_receiver(url):
    assert Settings.from_env({"REWARDS_WEBHOOK_URL": url, "REWARDS_WEBHOOK_SECRET": SECRET}).webhooks_enabled


@pytest.mark.parametrize("key", [b"k", b"twenty-three bytes key!"])
def test_a_secret_of_fewer_than_24_random_bytes_is_refused(key):
    short = "whsec_" + base64.b64encode(key).decode()

    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"REWARDS_WEBHOOK_URL": URL, "REWARDS_WEBHOOK_SECRET": short})

    assert str(refused.value).startswith("REWARDS_WEBHOOK_SECRET: must carry at least 24 random bytes")
    assert short.removeprefix("whsec_") not in str(refused.value)


def test_a_secret_of_24_random_bytes_is_accepted():
    secret = "whsec_" + base64.b64encode(b"twenty-four bytes of key").decode()

    assert Settings.from_env({"REWARDS_WEBHOOK_URL": URL, "REWARDS_WEBHOOK_SECRET": secret}).webhooks_enabled


def test_the_timeout_and_poll_interval_are_configurable_and_listed():
    settings = Settings.from_env(
        {
            "REWARDS_WEBHOOK_URL": URL,
            "REWARDS_WEBHOOK_SECRET": SECRET,
            "REWARDS_WEBHOOK_TIMEOUT_SECONDS": "3",
            "REWARDS_WEBHOOK_POLL_SECONDS": "2",
        }
    )

    assert (settings.webhook_timeout_seconds, settings.webhook_poll_seconds) == (3.0, 2.0)
    assert {
        "REWARDS_WEBHOOK_URL",
        "REWARDS_WEBHOOK_SECRET",
        "REWARDS_WEBHOOK_SECRET_FILE",
        "REWARDS_WEBHOOK_TIMEOUT_SECONDS",
        "REWARDS_WEBHOOK_POLL_SECONDS",
    } <= set(ENV_VARS)
