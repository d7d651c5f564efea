"""Configuration, read once from environment variables at start-up."""

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rewards_catalog import SHIPPED_CATALOG
from rewards_contract.languages import canonical_language_tag
from rewards_contract.webhooks import secret_key

EMBEDDED_SCHEME = "mongomock"
DEV_BOT_TOKEN = "dev-bot-token"
DEV_ADMIN_TOKEN = "dev-admin-token"


class ConfigError(Exception):
    """The environment does not describe a service that can start."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    # None or mongomock://: the embedded in-process database; anything else: a real MongoDB.
    mongodb_url: str | None = None
    mongodb_db: str = "rewards"
    # One deadline for all of a request's database calls (retries included); also bounds server selection.
    db_timeout_seconds: float = 5.0
    log_level: str = "INFO"
    log_format: str = "text"
    bot_token: str = DEV_BOT_TOKEN
    admin_token: str = DEV_ADMIN_TOKEN
    # True when the tokens above are the development fallbacks (logged as a warning at start-up).
    dev_tokens: bool = True
    expiry_sweep_seconds: float = 60.0
    # The feed: reminders this long before a claim window closes, entries kept this long, relayed this often.
    remind_before_hours: float = 24.0
    feed_retention_days: float = 7.0
    feed_relay_seconds: float = 0.5
    catalog_ttl_seconds: float = 5.0
    shutdown_grace_seconds: float = 10.0
    # The language rewards' default `name` and `description` are written in (the shipped catalogue's: English).
    default_language: str = "en"
    # How often the stored rarity figures are recomputed (by one instance) and reloaded (by each).
    rarity_seconds: float = 300.0
    # Validate every answer built as trusted plain data against its model (the tests turn it on).
    check_answers: bool = False
    # Reward files loaded at start-up (the demo catalogue on the embedded default).
    seed_paths: tuple[Path, ...] = field(default_factory=tuple)
    # Where every feed entry is POSTed, signed with the `whsec_` secret (both or neither; never logged).
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_timeout_seconds: float = 10.0
    # How often an idle sender looks for new entries (and renews its lease).
    webhook_poll_seconds: float = 0.5
    # The admin console under /admin: served or not, how long a sign-in lasts, and whether a reverse proxy in
    # front may be believed about the client's address and scheme (X-Forwarded-For, X-Forwarded-Proto).
    admin_console: bool = True
    admin_session_hours: float = 12.0
    behind_proxy: bool = False

    @property
    def webhooks_enabled(self) -> bool:
        return self.webhook_url is not None and self.webhook_secret is not None

    @property
    def masked_webhook_url(self) -> str | None:
        return mask_webhook_url(self.webhook_url) if self.webhook_url else None

    @property
    def embedded(self) -> bool:
        return self.mongodb_url is None or self.mongodb_url.startswith(f"{EMBEDDED_SCHEME}://")

    @property
    def masked_mongodb_url(self) -> str:
        return mask_url(self.mongodb_url) if self.mongodb_url else f"{EMBEDDED_SCHEME}://"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read every REWARDS_* and MONGODB_* variable; raise ConfigError with a clear message."""
        env = os.environ if env is None else env
        url = env.get("MONGODB_URL") or None
        embedded = url is None or url.startswith(f"{EMBEDDED_SCHEME}://")
        bot_token = _secret(env, "REWARDS_BOT_TOKEN")
        admin_token = _secret(env, "REWARDS_ADMIN_TOKEN")
        if not embedded and not (bot_token and admin_token):
            raise ConfigError(
                "REWARDS_BOT_TOKEN and REWARDS_ADMIN_TOKEN (or their *_FILE variants) must be set "
                "when MONGODB_URL points at a real MongoDB"
            )
        if bot_token and admin_token and bot_token == admin_token:
            raise ConfigError("REWARDS_BOT_TOKEN and REWARDS_ADMIN_TOKEN must differ")
        seed = env.get("REWARDS_SEED_PATH")
        if seed is None:
            seed_paths: tuple[Path, ...] = (SHIPPED_CATALOG,) if embedded else ()
        else:
            seed_paths = tuple(Path(p) for p in seed.split(os.pathsep) if p)
        log_format = env.get("REWARDS_LOG_FORMAT", "text").lower()
        if log_format not in ("text", "json"):
            raise ConfigError("REWARDS_LOG_FORMAT must be 'text' or 'json'")
        webhook_url, webhook_secret = _webhook(env)
        log_level = env.get("REWARDS_LOG_LEVEL", "INFO").upper()
        if not isinstance(logging.getLevelName(log_level), int):
            raise ConfigError(f"REWARDS_LOG_LEVEL {log_level!r} is not a logging level")
        return cls(
            host=env.get("REWARDS_HOST", "127.0.0.1"),
            port=_number(env, "REWARDS_PORT", 8080, int),
            mongodb_url=url,
            mongodb_db=env.get("MONGODB_DB", "rewards"),
            db_timeout_seconds=_positive(env, "REWARDS_DB_TIMEOUT_SECONDS", 5.0),
            log_level=log_level,
            log_format=log_format,
            bot_token=bot_token or DEV_BOT_TOKEN,
            admin_token=admin_token or DEV_ADMIN_TOKEN,
            dev_tokens=not (bot_token and admin_token),
            expiry_sweep_seconds=_number(env, "REWARDS_EXPIRY_SWEEP_SECONDS", 60.0, float),
            remind_before_hours=_number(env, "REWARDS_REMIND_BEFORE_HOURS", 24.0, float),
            feed_retention_days=_number(env, "REWARDS_FEED_RETENTION_DAYS", 7.0, float),
            feed_relay_seconds=_number(env, "REWARDS_FEED_RELAY_SECONDS", 0.5, float),
            catalog_ttl_seconds=_number(env, "REWARDS_CATALOG_TTL_SECONDS", 5.0, float),
            shutdown_grace_seconds=_number(env, "REWARDS_SHUTDOWN_GRACE_SECONDS", 10.0, float),
            default_language=_language(env, "REWARDS_DEFAULT_LANGUAGE", "en"),
            rarity_seconds=_number(env, "REWARDS_RARITY_SECONDS", 300.0, float),
            seed_paths=seed_paths,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_timeout_seconds=_number(env, "REWARDS_WEBHOOK_TIMEOUT_SECONDS", 10.0, float),
            webhook_poll_seconds=_number(env, "REWARDS_WEBHOOK_POLL_SECONDS", 0.5, float),
            admin_console=_switch(env, "REWARDS_ADMIN_CONSOLE", True),
            admin_session_hours=_positive(env, "REWARDS_ADMIN_SESSION_HOURS", 12.0),
            behind_proxy=_switch(env, "REWARDS_BEHIND_PROXY", False),
        )


# Every environment variable the service reads (the docker-compose test checks against this).
ENV_VARS = (
    "REWARDS_HOST",
    "REWARDS_PORT",
    "MONGODB_URL",
    "MONGODB_DB",
    "REWARDS_DB_TIMEOUT_SECONDS",
    "REWARDS_LOG_LEVEL",
    "REWARDS_LOG_FORMAT",
    "REWARDS_BOT_TOKEN",
    "REWARDS_BOT_TOKEN_FILE",
    "REWARDS_ADMIN_TOKEN",
    "REWARDS_ADMIN_TOKEN_FILE",
    "REWARDS_EXPIRY_SWEEP_SECONDS",
    "REWARDS_REMIND_BEFORE_HOURS",
    "REWARDS_FEED_RETENTION_DAYS",
    "REWARDS_FEED_RELAY_SECONDS",
    "REWARDS_CATALOG_TTL_SECONDS",
    "REWARDS_SHUTDOWN_GRACE_SECONDS",
    "REWARDS_DEFAULT_LANGUAGE",
    "REWARDS_RARITY_SECONDS",
    "REWARDS_SEED_PATH",
    "REWARDS_WEBHOOK_URL",
    "REWARDS_WEBHOOK_SECRET",
    "REWARDS_WEBHOOK_SECRET_FILE",
    "REWARDS_WEBHOOK_TIMEOUT_SECONDS",
    "REWARDS_WEBHOOK_POLL_SECONDS",
    "REWARDS_ADMIN_CONSOLE",
    "REWARDS_ADMIN_SESSION_HOURS",
    "REWARDS_BEHIND_PROXY",
)


def _secret(env: Mapping[str, str], name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    if env.get(name):
        return env[name]
    path = env.get(f"{name}_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text().strip() or None
    except OSError as error:
        raise ConfigError(f"{name}_FILE: cannot read {path}: {error.strerror}") from None


def _webhook(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The webhook URL and secret: both or neither, an http(s) URL with a host, a `whsec_` base64 secret."""
    url = env.get("REWARDS_WEBHOOK_URL") or None
    secret = _secret(env, "REWARDS_WEBHOOK_SECRET")
    if (url is None) != (secret is None):
        raise ConfigError("REWARDS_WEBHOOK_URL and REWARDS_WEBHOOK_SECRET (or its _FILE) must be set together")
    if url is None or secret is None:
        return None, None
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed [IPv6] bracket
        valid = False
    if not valid:  # the value is not echoed: it may hold a password
        raise ConfigError("REWARDS_WEBHOOK_URL must be an http(s) URL with a host")
    try:
        secret_key(secret)
    except ValueError as error:  # the message names the rule, never the secret
        raise ConfigError(f"REWARDS_WEBHOOK_SECRET: {error}") from None
    return url, secret


def _number(env: Mapping[str, str], name: str, default: Any, kind: type) -> Any:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return value


_SWITCH_WORDS = {"on": True, "true": True, "1": True, "yes": True, "off": False, "false": False, "0": False, "no": False}


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return _SWITCH_WORDS[raw.strip().lower()]
    except KeyError:
        raise ConfigError(f"{name} must be on or off, got {raw!r}") from None


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    value: float = _number(env, name, default, float)
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0, got {env.get(name)!r}")
    return value


def _language(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name) or default
    try:
        return canonical_language_tag(raw)
    except ValueError as error:
        raise ConfigError(f"{name}: {error}") from None


def mask_url(url: str) -> str:
    """The URL with its password replaced, safe to log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def mask_webhook_url(url: str) -> str:
    """The webhook URL with its password and its query (often a token) replaced, safe to show."""
    parts = urlsplit(mask_url(url))
    return urlunsplit(parts._replace(query="***")) if parts.query else urlunsplit(parts)
