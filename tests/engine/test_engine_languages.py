"""Language negotiation as pure functions: Accept-Language's ranges, RFC 4647 lookup, the default's place."""

import pytest
from rewards_contract.enums import RewardStatus, RewardType

from service.engine.languages import (
    LocalizedTexts,
    accepted_ranges,
    best_match,
    displayed,
    language_choice,
)


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", ("es-mx", "es", "en")),
        ("en;q=0.2, fr", ("fr", "en")),  # most wanted first, whatever the order written
        ("de, fr", ("de", "fr")),  # ties keep the caller's order
        ("es;q=0, en", ("en",)),  # q=0: not acceptable
        ("*;q=0.5, es", ("es", "*")),
        ("es;q=1.5, en;q=abc, fr;x=1, pt", ("pt",)),  # malformed weights and parameters: skipped
        ("", ()),
        ("es-", ()),
    ],
)
def test_accept_language_ranges_in_order_of_preference(header, ranges):
    assert accepted_ranges(header) == ranges


def test_a_huge_header_is_read_only_in_part():
    assert len(accepted_ranges(", ".join(["es"] * 10_000))) <= 20


@pytest.mark.parametrize(
    ("ranges", "available", "expected"),
    [
        (("es-mx",), {"es", "en"}, "es"),  # truncated to its language
        (("es-mx",), {"es-MX", "es"}, "es-MX"),  # the exact tag first
        (("zh-hant-tw",), {"zh-Hant"}, "zh-Hant"),  # truncated one subtag at a time
        (("es",), {"es-MX"}, "es-MX"),  # a more specific text rather than none
        (("fr", "es"), {"es"}, "es"),  # the next range when the first has nothing
        (("fr",), {"es"}, "en"),  # nothing: the default
        (("en", "es"), {"es"}, "en"),  # the default language competes like a translation
        (("*",), {"es"}, "en"),
        ((), {"es"}, "en"),
    ],
)
def test_lookup_follows_the_preferences_then_falls_back_to_the_default(ranges, available, expected):
    assert best_match(ranges, frozenset(available), "en") == expected


def test_lang_wins_over_the_header():
    assert language_choice("pt-BR", "es", "en").ranges == ("pt-br",)
    assert language_choice(None, "es", "en").ranges == ("es",)
    assert language_choice(None, None, "en").ranges == ()


def test_texts_come_from_the_chosen_translation_or_the_defaults():
    texts = LocalizedTexts.of("Badge", "Default", {"es": {"name": "Insignia", "description": None}})
    assert texts.in_language(language_choice("es", None, "en")) == {
        "name": "Insignia",
        "description": None,
        "lang": "es",
    }
    assert texts.in_language(language_choice("fr", None, "en")) == {
        "name": "Badge",
        "description": "Default",
        "lang": "en",
    }


def test_a_translation_in_the_default_language_replaces_the_defaults():
    texts = LocalizedTexts.of("Badge", None, {"en": {"name": "Shiny badge", "description": None}})
    assert texts.in_language(language_choice(None, None, "en"))["name"] == "Shiny badge"


def test_display_names_use_a_shipped_language_else_the_defaults_else_english():
    assert displayed(RewardType.BADGE, language_choice("es-AR", None, "en"))["display_name"] == "Insignia"
    assert displayed(RewardStatus.LOCKED, language_choice("fr", None, "es"))["display_name"] == "Bloqueada"
    assert displayed(RewardStatus.LOCKED, language_choice("fr", None, "de"))["display_name"] == "Locked"
