"""Configuration, read once from environment variables at start-up.

Each setting is declared once, below: its environment variable, default, type, bounds and meaning.
`from_env` reads the variables the declarations name, `ENV_VARS` lists them, and
`configuration_table()` renders them for docs/operations.md (a test keeps the two equal).
`DatabaseSettings` is the part the command-line tools need; `Settings` adds the service's own.
"""

import hmac
import importlib.util
import ipaddress
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any, ClassVar, Literal, Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from rewards_catalog import SHIPPED_CATALOG
from rewards_contract.languages import canonical_language_tag
from rewards_contract.webhooks import SECRET_PREFIX, secret_key

from service.plain_errors import ON_OR_OFF, figure, plain_message

EMBEDDED_SCHEME = "mongomock"
DEV_BOT_TOKEN = "dev-bot-token"
DEV_ADMIN_TOKEN = "dev-admin-token"
DEVELOPMENT_TOKENS = frozenset({DEV_BOT_TOKEN, DEV_ADMIN_TOKEN})
# Outside the development set-up (the embedded database, on loopback) every API token must be at least this
# long: `secrets.token_urlsafe(32)` gives 43 characters, 256 random bits.
MIN_TOKEN_CHARS = 32
# A role's tokens are separated by commas or whitespace (a file: one per line); a token contains neither.
_TOKEN_SEPARATORS = re.compile(r"[\s,]+")
# The random bytes a webhook secret must carry at least (its base64 part, decoded).
MIN_WEBHOOK_KEY_BYTES = 24
# Every variable may be set empty to mean "unset", except these, where empty is a value of its own.
EMPTY_MEANS_NONE = frozenset({"REWARDS_SEED_PATH"})
_FILE = "_FILE"
# REWARDS_ALLOWED_HOSTS' value that serves every host name (the check is then a proxy's job).
ANY_HOST = "*"
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
# Variables that were replaced: set, they would silently stop meaning what the operator expects, so the
# service refuses to start and says what to set instead.
REMOVED_VARIABLES = {
    "REWARDS_BEHIND_PROXY": "no longer read; set REWARDS_TRUSTED_PROXIES to the addresses of the proxies in front "
    "instead (docs/security.md), and remove REWARDS_BEHIND_PROXY",
}


# A goal's shards when REWARDS_GOAL_SHARDS is unset (and what seeding uses when not told).
DEFAULT_GOAL_SHARDS = 4


class ConfigError(Exception):
    """The environment does not describe a service that can start."""


def setting(
    env: str,
    default: Any,
    meaning: str,
    *,
    secret: bool = False,
    private: bool = False,
    shown: str | None = None,
    **bounds: Any,
) -> Any:
    """One setting's declaration: its variable, default, meaning and bounds (`ge`, `gt`, `le`).

    `private`: a value that may hold a password, never in a repr or an error. `secret`: private, and
    also read from the file `<env>_FILE` names (Docker secrets). `shown`: the default as the
    configuration table states it, when it depends on the database.
    """
    return Field(
        default,
        validation_alias=env,
        description=meaning,
        repr=not (secret or private),
        validate_default=True,  # so a default that depends on the database is worked out by its validator
        json_schema_extra={"secret": secret, "private": secret or private, "shown_default": shown},
        **bounds,
    )


def is_embedded(url: str | None) -> bool:
    """None or mongomock://: the embedded in-process database; anything else: a real MongoDB."""
    return url is None or url.startswith(f"{EMBEDDED_SCHEME}://")


def embedded_database_installed() -> bool:
    """True when the `embedded` extra (mongomock-motor) is installed: never in the container image.

    Looked up, not imported: only service/db/ imports mongomock.
    """
    return importlib.util.find_spec("mongomock_motor") is not None


# Construct by field name in code (`Settings(port=0)`, `dataclasses.replace`), by variable name in `from_env`.
_CONFIG = ConfigDict(validate_by_name=True, validate_by_alias=True, extra="forbid", allow_inf_nan=False)


@dataclass(frozen=True, config=_CONFIG)
class DatabaseSettings:
    """Where the data is, and how goals' totals are spread in it: what the tools read (they use no API tokens)."""

    # Set by pydantic on every pydantic dataclass (each field's declaration); declared for mypy, which reads
    # the class's own body, not the decorator's additions.
    __pydantic_fields__: ClassVar[dict[str, FieldInfo]]

    mongodb_url: str | None = setting(
        "MONGODB_URL",
        None,
        "unset or `mongomock://`: the embedded in-memory database (the `embedded` extra, which the image "
        "lacks); otherwise a MongoDB URL (the password is masked in logs)",
        private=True,
    )
    mongodb_db: str = setting("MONGODB_DB", "rewards", "database name")
    db_timeout_seconds: float = setting(
        "REWARDS_DB_TIMEOUT_SECONDS",
        5.0,
        "one deadline for all of a request's database calls, retries "
        "included; it also bounds server selection and connecting. A request that cannot reach the database "
        "within it answers `503 database_unavailable`",
        gt=0,
    )
    # How the data is laid out: the API and `rewards-seed` declare goals alike.
    goal_shards: int = setting(
        "REWARDS_GOAL_SHARDS",
        DEFAULT_GOAL_SHARDS,
        "how many documents a community goal's total is spread over (summed on read), fixed when the goal is "
        "declared (by the API or a seed file, `rewards-seed` too): more spreads a popular goal's writes",
        ge=1,
        le=64,
    )

    @field_validator("mongodb_url")
    @classmethod
    def _an_installed_database(cls, value: str | None) -> str | None:
        if is_embedded(value) and not embedded_database_installed():
            raise ValueError(
                "must be set to a MongoDB URL, as the embedded database is not installed (the `embedded` extra)"
            )
        return value

    @property
    def embedded(self) -> bool:
        return is_embedded(self.mongodb_url)

    @property
    def masked_mongodb_url(self) -> str:
        return mask_url(self.mongodb_url) if self.mongodb_url else f"{EMBEDDED_SCHEME}://"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """Read the variables this class declares; raise ConfigError naming each bad one in plain words."""
        env = os.environ if env is None else env
        # By variable name (the fields' aliases), as text: validation converts each to its field's type.
        values: dict[str, Any] = {
            name: value for name, secret in _variables(cls) if (value := _read(env, name, secret)) is not None
        }
        try:
            return cls(**values)
        except ValidationError as error:
            raise ConfigError("; ".join(_plain(cls, detail) for detail in error.errors())) from None


@dataclass(frozen=True, config=_CONFIG)
class Settings(DatabaseSettings):
    """Everything the service reads at start-up."""

    host: str = setting("REWARDS_HOST", "127.0.0.1", "address to bind (`0.0.0.0` in the image)")
    port: int = setting("REWARDS_PORT", 8080, "port to bind", ge=0, le=65535)
    log_level: str = setting("REWARDS_LOG_LEVEL", "INFO", "`DEBUG`, `INFO`, `WARNING` or `ERROR`")
    log_format: Literal["text", "json"] = setting(
        "REWARDS_LOG_FORMAT", "text", "`text` (human-readable lines) or `json` (one JSON object per line)"
    )
    bot_tokens: tuple[str, ...] = setting(
        "REWARDS_BOT_TOKEN",
        None,
        "the bot's bearer token, or several (the old and the new while one is replaced) separated by commas or "
        f"whitespace, one per line in a file. Required, each at least {MIN_TOKEN_CHARS} characters, unless the "
        "database is the embedded one and `REWARDS_HOST` is loopback (docs/security.md)",
        secret=True,
        shown=f"`{DEV_BOT_TOKEN}` on the embedded database on loopback",
    )
    admin_tokens: tuple[str, ...] = setting(
        "REWARDS_ADMIN_TOKEN",
        None,
        "the admins' bearer token, or several, none of them the bot's; the rules of `REWARDS_BOT_TOKEN` apply",
        secret=True,
        shown=f"`{DEV_ADMIN_TOKEN}` on the embedded database on loopback",
    )
    expiry_sweep_seconds: float = setting(
        "REWARDS_EXPIRY_SWEEP_SECONDS", 60.0, "interval of the background expiry sweep", ge=0
    )
    remind_before_hours: float = setting(
        "REWARDS_REMIND_BEFORE_HOURS",
        24.0,
        "a `reward_expiring` feed entry is made this long before an "
        "unlock's claim window closes (once per unlock; none if the window is shorter)",
        ge=0,
    )
    feed_retention_days: float = setting(
        "REWARDS_FEED_RETENTION_DAYS",
        7.0,
        "how long feed entries are kept (TTL index); an older cursor is `410 cursor_expired`",
        ge=0,
    )
    feed_relay_seconds: float = setting(
        "REWARDS_FEED_RELAY_SECONDS",
        0.5,
        "how often the feed relay (one instance at a time) enters waiting changes into the feed",
        ge=0,
    )
    leaderboard_retention_days: float = setting(
        "REWARDS_LEADERBOARD_RETENTION_DAYS",
        400.0,
        "how long a leaderboard run's scores and closing record are kept after the run ends (TTL index)",
        ge=1,
    )
    leaderboard_grace_seconds: float = setting(
        "REWARDS_LEADERBOARD_GRACE_SECONDS",
        60.0,
        "how long after a run ends its closing waits, so events stamped before the end have landed",
        ge=0,
    )
    leaderboard_close_seconds: float = setting(
        "REWARDS_LEADERBOARD_CLOSE_SECONDS",
        30.0,
        "how often an instance looks for leaderboard runs to close and prizes still to give",
        gt=0,
    )
    goal_relay_seconds: float = setting(
        "REWARDS_GOAL_RELAY_SECONDS",
        1.0,
        "how often an instance adds what events gave to community goals to their totals, and rewards contributors",
        gt=0,
    )
    catalog_ttl_seconds: float = setting(
        "REWARDS_CATALOG_TTL_SECONDS", 5.0, "how stale another instance's catalogue cache may be", ge=0
    )
    shutdown_grace_seconds: float = setting(
        "REWARDS_SHUTDOWN_GRACE_SECONDS", 10.0, "how long in-flight requests may finish on SIGTERM", ge=0
    )
    default_language: str = setting(
        "REWARDS_DEFAULT_LANGUAGE",
        "en",
        "the BCP 47 language rewards' default `name` and `description` are "
        "written in (the shipped catalogue's: English); answered when the caller's language has no translation",
    )
    rarity_seconds: float = setting(
        "REWARDS_RARITY_SECONDS",
        300.0,
        "how often reward rarity is recomputed (by one instance at a time) and reloaded (by every instance)",
        ge=0,
    )
    seed_paths: tuple[Path, ...] = setting(
        "REWARDS_SEED_PATH",
        None,
        "reward files loaded at start-up (`:`-separated); set empty for none",
        shown="the shipped `catalog/` on the embedded database, nothing otherwise",
    )
    webhook_url: str | None = setting(
        "REWARDS_WEBHOOK_URL",
        None,
        "where every feed entry is POSTed: an https URL (http only to `localhost` or a loopback address); set "
        "together with the secret, or neither. Shown as its scheme, host and port only",
        private=True,
    )
    webhook_secret: str | None = setting(
        "REWARDS_WEBHOOK_SECRET",
        None,
        f"the webhook signing secret, `{SECRET_PREFIX}` + the base64 of at least {MIN_WEBHOOK_KEY_BYTES} random "
        "bytes, as Standard Webhooks encodes it; never logged, never shown",
        secret=True,
    )
    webhook_timeout_seconds: float = setting(
        "REWARDS_WEBHOOK_TIMEOUT_SECONDS", 10.0, "how long one webhook delivery attempt may take", ge=0
    )
    webhook_poll_seconds: float = setting(
        "REWARDS_WEBHOOK_POLL_SECONDS",
        0.5,
        "how often an idle webhook sender looks for new entries (and renews its lease)",
        ge=0,
    )
    admin_console: bool = setting(
        "REWARDS_ADMIN_CONSOLE",
        True,
        "`on` or `off`: the admin console under `/admin` (docs/console.md); off, it is not served at all",
    )
    # The console's sign-in (docs/console.md, docs/security.md): how long a session lasts, and its cookies' key.
    admin_session_hours: float = setting(
        "REWARDS_ADMIN_SESSION_HOURS",
        12.0,
        "how long a console sign-in lasts at most, however active it is (at most 24 hours)",
        gt=0,
        le=24,
    )
    admin_session_idle_minutes: float = setting(
        "REWARDS_ADMIN_SESSION_IDLE_MINUTES",
        30.0,
        "a console sign-in ends after this long without a page asked for (it is noted in steps of a sixth of "
        "it, 5 minutes at most, so it may end up to one step sooner)",
        gt=0,
        le=24 * 60,
    )
    console_secret: str | None = setting(
        "REWARDS_CONSOLE_SECRET",
        None,
        "the key that signs the console's cookies: at least 32 characters, none of the API tokens. Unset: one is "
        "generated at the first start and kept in the database (collection `console_secret`)",
        secret=True,
        min_length=32,
    )
    # --- the HTTP edge: who stands in front, which host names are served, who reads /metrics (docs/security.md) ---
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = setting(
        "REWARDS_TRUSTED_PROXIES",
        None,
        "the addresses or networks of the reverse proxies in front, comma-separated (`127.0.0.1`, "
        "`10.0.0.0/8`): only a connection from one of them has its `X-Forwarded-For` and `X-Forwarded-Proto` "
        "believed, and the client is the nearest address in `X-Forwarded-For` that is not one of them; unset, "
        "those headers are ignored",
    )
    allowed_hosts: tuple[str, ...] = setting(
        "REWARDS_ALLOWED_HOSTS",
        None,
        "the host names the service is reached by, comma-separated (`rewards.example.com`); a request whose "
        "`Host` names another is `403 host_not_allowed`. `localhost` and IP addresses are always served; `*` "
        "serves every name",
        shown="`localhost` and IP addresses only",
    )
    metrics_token: str | None = setting(
        "REWARDS_METRICS_TOKEN",
        None,
        "the bearer token `GET /metrics` asks for; unset, `/metrics` answers only clients on this machine "
        "(loopback, after the trusted proxies)",
        secret=True,
    )
    # Not read from the environment: the tests turn it on (service/http/responses.py says why).
    check_answers: bool = Field(default=False, description="validate every trusted answer against its model")

    @field_validator("log_level", mode="before")
    @classmethod
    def _a_logging_level(cls, value: Any) -> Any:
        if isinstance(value, str) and value.upper() not in logging.getLevelNamesMapping():
            raise ValueError(f"must be a logging level (DEBUG, INFO, WARNING or ERROR), got {value!r}")
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("bot_tokens", "admin_tokens", mode="before")
    @classmethod
    def _token_list(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:  # unset: the development token, where it is allowed
            refused_because = _development_refused_because(info.data)
            if refused_because:
                raise ValueError(f"must be set (or its _FILE variant) {refused_because}")
            return (DEV_BOT_TOKEN if info.field_name == "bot_tokens" else DEV_ADMIN_TOKEN,)
        return split_tokens(value) if isinstance(value, str) else value

    @field_validator("bot_tokens", "admin_tokens")
    @classmethod
    def _strong_tokens(cls, tokens: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        """Every token long and none a development one, unless on this machine only; refusals by position."""
        if not tokens:
            raise ValueError("must hold at least one token")
        refused_because = _development_refused_because(info.data)
        if refused_because is None:
            return tokens
        for number, token in enumerate(tokens, 1):
            if token in DEVELOPMENT_TOKENS:
                raise ValueError(
                    f"must not be a development token {refused_because} (token {number} of {len(tokens)} is one)"
                )
            if len(token) < MIN_TOKEN_CHARS:
                raise ValueError(
                    f"must be at least {MIN_TOKEN_CHARS} characters long {refused_because} "
                    f"(token {number} of {len(tokens)} is shorter)"
                )
        return tokens

    @field_validator("metrics_token")
    @classmethod
    def _a_strong_metrics_token(cls, token: str | None, info: ValidationInfo) -> str | None:
        """A scraper's token is held to the API tokens' length, beyond this machine."""
        refused_because = _development_refused_because(info.data)
        if token is not None and refused_because is not None and len(token) < MIN_TOKEN_CHARS:
            raise ValueError(f"must be at least {MIN_TOKEN_CHARS} characters long {refused_because}")
        return token

    @field_validator("default_language")
    @classmethod
    def _a_known_language(cls, value: str) -> str:
        try:
            return canonical_language_tag(value)
        except ValueError:
            raise ValueError(f"must be a known BCP 47 language tag (such as es, en or es-MX), got {value!r}") from None

    @field_validator("seed_paths", mode="before")
    @classmethod
    def _seed_paths(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:  # unset: the demo catalogue on the embedded database only
            return (SHIPPED_CATALOG,) if is_embedded(info.data.get("mongodb_url")) else ()
        if isinstance(value, str):
            return tuple(Path(part) for part in value.split(os.pathsep) if part)
        return value

    @field_validator("webhook_url")
    @classmethod
    def _an_https_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:  # e.g. an unclosed [IPv6] bracket
            valid = False
        if not valid:  # the value is not echoed: it may hold a password
            raise ValueError("must be an https URL with a host")
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            # Plain http would show every entry, and anything the URL carries, to whoever is on the way.
            raise ValueError("must be an https URL: http only reaches localhost or a loopback address")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _a_webhook_secret(cls, value: str | None) -> str | None:
        if value is not None and len(secret_key(value)) < MIN_WEBHOOK_KEY_BYTES:  # its ValueError names the rule
            raise ValueError(
                f"must carry at least {MIN_WEBHOOK_KEY_BYTES} random bytes: {SECRET_PREFIX} followed by the base64 "
                f"of at least {MIN_WEBHOOK_KEY_BYTES} bytes"
            )
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        networks = []
        for part in _listed(value):
            try:
                networks.append(ip_network(part))  # an address is the network of that address alone
            except ValueError:
                raise ValueError(
                    f"must be IP addresses or networks, comma-separated (such as 127.0.0.1 or 10.0.0.0/8), got {part!r}"
                ) from None
        return tuple(networks)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_names(cls, value: Any) -> Any:
        names = tuple(part.lower().rstrip(".") for part in _listed(value))
        for name in names:
            if name != ANY_HOST and not _HOST_NAME.fullmatch(name):
                raise ValueError(
                    f"must be host names without a port, comma-separated (such as rewards.example.com), got {name!r}"
                )
        return names

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if set(self.bot_tokens) & set(self.admin_tokens):
            raise ValueError("REWARDS_BOT_TOKEN and REWARDS_ADMIN_TOKEN must differ: no token may be both")
        if self.metrics_token is not None and self.metrics_token in {*self.bot_tokens, *self.admin_tokens}:
            raise ValueError("REWARDS_METRICS_TOKEN must differ from every API token: a scraper needs no API access")
        if self.console_secret is not None and self.console_secret in {*self.bot_tokens, *self.admin_tokens}:
            raise ValueError("REWARDS_CONSOLE_SECRET must not be an API token: the console's key is its own")
        if (self.webhook_url is None) != (self.webhook_secret is None):
            raise ValueError("REWARDS_WEBHOOK_URL and REWARDS_WEBHOOK_SECRET (or its _FILE) must be set together")
        return self

    @property
    def development_tokens_in_use(self) -> tuple[str, ...]:
        """The token variables that accept a development token (a warning at start-up says so)."""
        return tuple(
            variable
            for variable, tokens in (("REWARDS_BOT_TOKEN", self.bot_tokens), ("REWARDS_ADMIN_TOKEN", self.admin_tokens))
            if DEVELOPMENT_TOKENS.intersection(tokens)
        )

    def is_bot_token(self, presented: bytes) -> bool:
        """Whether `presented` is one of the bot's tokens (compared with each, in constant time)."""
        return _one_of(presented, self.bot_tokens)

    def is_admin_token(self, presented: bytes) -> bool:
        """Whether `presented` is one of the admin tokens (compared with each, in constant time)."""
        return _one_of(presented, self.admin_tokens)

    @property
    def webhooks_enabled(self) -> bool:
        return self.webhook_url is not None and self.webhook_secret is not None

    @property
    def masked_webhook_url(self) -> str | None:
        return mask_webhook_url(self.webhook_url) if self.webhook_url else None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """As DatabaseSettings.from_env, and a variable that no longer does anything stops the start-up."""
        env = os.environ if env is None else env
        removed = [f"{name}: {why}" for name, why in REMOVED_VARIABLES.items() if env.get(name)]
        if removed:
            raise ConfigError("; ".join(removed))
        return super().from_env(env)


def split_tokens(value: str) -> tuple[str, ...]:
    """A role's tokens as written in its variable or file: separated by commas or whitespace."""
    return tuple(token for token in _TOKEN_SEPARATORS.split(value) if token)


def _one_of(presented: bytes, tokens: Iterable[str]) -> bool:
    """Whether `presented` is one of `tokens`, compared with every one of them and never stopping early.

    hmac.compare_digest's time does not depend on where two values differ, and every token is
    compared: how long the check takes tells neither which token matched nor whether one did.
    """
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(presented, token.encode())
    return matched


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback address (127.0.0.0/8, ::1); `0.0.0.0`, `::` and every other name are not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name other than localhost: it may resolve anywhere
        return False


def _development_refused_because(data: Mapping[str, Any]) -> str | None:
    """Why development and short tokens are refused for the settings validated so far; None where they are allowed.

    Only on the embedded database (nothing persists) AND listening on loopback only (nobody else can call).
    """
    if not is_embedded(data.get("mongodb_url")):
        return "when MONGODB_URL points at a real MongoDB"
    if not is_loopback(str(data.get("host", ""))):
        return "when REWARDS_HOST is not a loopback address"
    return None


def _declared(cls: type[DatabaseSettings]) -> dict[str, Any]:
    """The class's settings read from the environment (pydantic's FieldInfo), in order, base class first."""
    return {name: field for name, field in cls.__pydantic_fields__.items() if field.validation_alias}


def _is_secret(field: Any) -> bool:
    return bool(field.json_schema_extra and field.json_schema_extra.get("secret"))


def _is_private(field: Any) -> bool:
    return bool(field.json_schema_extra and field.json_schema_extra.get("private"))


def _variables(cls: type[DatabaseSettings]) -> list[tuple[str, bool]]:
    return [(field.validation_alias, _is_secret(field)) for field in _declared(cls).values()]


def _read(env: Mapping[str, str], name: str, secret: bool) -> str | None:
    """NAME's value (None when unset or empty), or for a secret the content of the file NAME_FILE names."""
    value = env.get(name)
    if value is not None and (value != "" or name in EMPTY_MEANS_NONE):
        return value
    path = env.get(name + _FILE) if secret else None
    if not path:
        return None
    try:
        return Path(path).read_text().strip() or None
    except OSError as error:
        raise ConfigError(f"{name}{_FILE}: cannot read {path}: {error.strerror}") from None


def _listed(value: Any) -> Iterator[str]:
    """The items of a comma-separated variable (or of a sequence given in code), blanks dropped; None: none."""
    parts = () if value is None else value.split(",") if isinstance(value, str) else value
    return (str(part).strip() for part in parts if str(part).strip())


def _plain(cls: type[DatabaseSettings], detail: ErrorDetails) -> str:
    """One validation error as `NAME: must be …, got 'raw'`: the API's words, never a private value."""
    name = str(detail["loc"][0]) if detail["loc"] else ""
    fields = {field.validation_alias: field for field in _declared(cls).values()}
    field = fields.get(name) or _declared(cls).get(name)
    if field is not None:
        name = field.validation_alias  # the variable, also when the field was given by its name in code
    message = plain_message(detail, switch=ON_OR_OFF, echo=not (field is not None and _is_private(field)))
    return f"{name}: {message}" if name else message


# Every environment variable the service reads (the docker-compose test checks against this).
ENV_VARS = tuple(
    variable for name, secret in _variables(Settings) for variable in ((name, name + _FILE) if secret else (name,))
)


def configuration_table() -> str:
    """The markdown table of every variable, its default and its meaning, from the declarations."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for field in _declared(Settings).values():
        name = f"`{field.validation_alias}`"
        if _is_secret(field):
            name += f" / `{field.validation_alias}{_FILE}`"
        extra = field.json_schema_extra or {}
        default = extra.get("shown_default") or _shown(field.default)
        meaning = field.description + ("; `*_FILE` reads it from a file (Docker secrets)" if _is_secret(field) else "")
        rows.append(f"| {name} | {default} | {meaning} |")
    return "\n".join(rows) + "\n"


def _shown(default: Any) -> str:
    if isinstance(default, bool):
        return "`on`" if default else "`off`"  # how a switch is written in the environment
    return "unset" if default is None else f"`{figure(default)}`"


def mask_url(url: str) -> str:
    """The URL with its password replaced, safe to log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def mask_webhook_url(url: str) -> str:
    """The webhook URL as it may be shown: its scheme, host and port, then `/…` for whatever else it holds.

    A user name and password, the path and the query often carry a token (`/hooks/<token>`,
    `?token=`): all are hidden, so the status and the console's health page show where the entries
    go, never how to post there.
    """
    parts = urlsplit(url)
    host_and_port = parts.netloc.rpartition("@")[2]  # as written: an IPv6 address keeps its brackets
    hidden = "@" in parts.netloc or parts.path not in ("", "/") or parts.query or parts.fragment
    return f"{parts.scheme}://{host_and_port}" + ("/…" if hidden else "")


if __name__ == "__main__":  # `python -m service.settings`: the table for docs/operations.md
    print(configuration_table(), end="")
