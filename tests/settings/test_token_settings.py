"""The API tokens: development and short tokens only on this machine, several per role, none shared by both roles."""

from pathlib import Path

import pytest

from service.settings import DEV_ADMIN_TOKEN, DEV_BOT_TOKEN, ConfigError, Settings

REAL_DATABASE = {"MONGODB_URL": "mongodb://db:27017"}
BOT = "bot-token-of-at-least-thirty-two-characters"
ADMIN = "admin-token-of-at-least-thirty-two-characters"
NEXT_ADMIN = "the-next-admin-token-of-thirty-two-characters"
STRONG = {"REWARDS_BOT_TOKEN": BOT, "REWARDS_ADMIN_TOKEN": ADMIN}


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    return str(refused.value)


@pytest.mark.parametrize(
    ("variable", "weak"),
    [
        ("REWARDS_BOT_TOKEN", DEV_BOT_TOKEN),
        ("REWARDS_ADMIN_TOKEN", DEV_ADMIN_TOKEN),
        ("REWARDS_ADMIN_TOKEN", "short-SECRET"),
        ("REWARDS_BOT_TOKEN", "x" * 31),
    ],
)
def test_a_development_or_short_token_is_refused_with_a_real_database(variable, weak):
    message = refusal({**REAL_DATABASE, **STRONG, variable: weak})

    assert message.startswith(f"{variable}: ")
    assert "MONGODB_URL points at a real MongoDB" in message
    assert weak not in message.removeprefix(f"{variable}: ")


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "rewards.internal", "localhost.example"])
def test_a_development_or_short_token_is_refused_on_the_embedded_database_beyond_loopback(host):
    message = refusal({"REWARDS_HOST": host, "REWARDS_BOT_TOKEN": DEV_BOT_TOKEN, "REWARDS_ADMIN_TOKEN": "short"})

    assert message.split("; ")[0].startswith("REWARDS_BOT_TOKEN: must not be a development token")
    assert message.split("; ")[1].startswith("REWARDS_ADMIN_TOKEN: must be at least 32 characters long")
    assert "REWARDS_HOST is not a loopback address" in message


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_unset_tokens_do_not_fall_back_to_the_development_ones_beyond_loopback(host):
    message = refusal({"REWARDS_HOST": host})

    assert message == (
        "REWARDS_BOT_TOKEN: must be set (or its _FILE variant) when REWARDS_HOST is not a loopback address; "
        "REWARDS_ADMIN_TOKEN: must be set (or its _FILE variant) when REWARDS_HOST is not a loopback address"
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", "LOCALHOST"])
def test_the_embedded_database_on_loopback_accepts_development_and_short_tokens(host):
    fallback = Settings.from_env({"REWARDS_HOST": host})
    short = Settings.from_env({"REWARDS_HOST": host, "REWARDS_BOT_TOKEN": "b", "REWARDS_ADMIN_TOKEN": "a"})

    assert (fallback.bot_tokens, fallback.admin_tokens) == ((DEV_BOT_TOKEN,), (DEV_ADMIN_TOKEN,))
    assert (short.bot_tokens, short.admin_tokens) == (("b",), ("a",))


def test_a_real_database_accepts_long_tokens_beyond_loopback():
    settings = Settings.from_env({**REAL_DATABASE, **STRONG, "REWARDS_HOST": "0.0.0.0"})

    assert (settings.bot_tokens, settings.admin_tokens) == ((BOT,), (ADMIN,))
    assert settings.development_tokens_in_use == ()


@pytest.mark.parametrize(
    "separated", [f"{ADMIN},{NEXT_ADMIN}", f" {ADMIN} \t{NEXT_ADMIN}\n", f"{ADMIN}, {NEXT_ADMIN},"]
)
def test_a_role_takes_several_tokens_separated_by_commas_or_whitespace(separated):
    settings = Settings.from_env({**REAL_DATABASE, **STRONG, "REWARDS_ADMIN_TOKEN": separated})

    assert settings.admin_tokens == (ADMIN, NEXT_ADMIN)


def test_a_token_file_holds_one_token_per_line(tmp_path: Path):
    (tmp_path / "admin").write_text(f"{ADMIN}\n{NEXT_ADMIN}\n")

    settings = Settings.from_env(
        {**REAL_DATABASE, "REWARDS_BOT_TOKEN": BOT, "REWARDS_ADMIN_TOKEN_FILE": str(tmp_path / "admin")}
    )

    assert settings.admin_tokens == (ADMIN, NEXT_ADMIN)


def test_every_token_of_a_list_is_checked_and_the_refusal_says_which_by_position():
    message = refusal({**REAL_DATABASE, **STRONG, "REWARDS_ADMIN_TOKEN": f"{ADMIN},{DEV_ADMIN_TOKEN}"})

    assert message == (
        "REWARDS_ADMIN_TOKEN: must not be a development token when MONGODB_URL points at a real MongoDB "
        "(token 2 of 2 is one)"
    )


def test_a_list_of_separators_only_is_refused():
    assert refusal({**STRONG, "REWARDS_BOT_TOKEN": " , "}) == "REWARDS_BOT_TOKEN: must hold at least one token"


def test_a_token_may_not_be_both_a_bot_and_an_admin_token():
    message = refusal({**REAL_DATABASE, "REWARDS_BOT_TOKEN": f"{BOT},{NEXT_ADMIN}", "REWARDS_ADMIN_TOKEN": NEXT_ADMIN})

    assert "must differ" in message
    assert NEXT_ADMIN not in message


def test_every_admin_token_is_an_admin_token_and_no_bot_token_is():
    settings = Settings.from_env({**REAL_DATABASE, **STRONG, "REWARDS_ADMIN_TOKEN": f"{ADMIN} {NEXT_ADMIN}"})

    assert settings.is_admin_token(ADMIN.encode())
    assert settings.is_admin_token(NEXT_ADMIN.encode())
    assert not settings.is_admin_token(BOT.encode())
    assert not settings.is_admin_token(ADMIN.encode() + b"x")
    assert settings.is_bot_token(BOT.encode())
    assert not settings.is_bot_token(ADMIN.encode())


def test_the_development_tokens_in_use_are_named_by_their_variable():
    assert Settings.from_env({}).development_tokens_in_use == ("REWARDS_BOT_TOKEN", "REWARDS_ADMIN_TOKEN")
    assert Settings.from_env({"REWARDS_BOT_TOKEN": "bot-secret"}).development_tokens_in_use == ("REWARDS_ADMIN_TOKEN",)
    explicit = Settings.from_env({"REWARDS_BOT_TOKEN": f"bot-secret {DEV_BOT_TOKEN}", "REWARDS_ADMIN_TOKEN": "a"})
    assert explicit.development_tokens_in_use == ("REWARDS_BOT_TOKEN",)


def test_a_short_metrics_token_is_refused_with_a_real_database():
    message = refusal({**REAL_DATABASE, **STRONG, "REWARDS_METRICS_TOKEN": "scrape"})

    assert message.startswith("REWARDS_METRICS_TOKEN: must be at least 32 characters long")
    assert "scrape" not in message


def test_the_metrics_token_may_not_be_an_api_token():
    api_token = STRONG["REWARDS_BOT_TOKEN"].split(",")[0]
    message = refusal({**REAL_DATABASE, **STRONG, "REWARDS_METRICS_TOKEN": api_token})

    assert "REWARDS_METRICS_TOKEN must differ from every API token" in message
    assert api_token not in message
