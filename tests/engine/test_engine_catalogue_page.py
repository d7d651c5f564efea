"""The catalogue page's pure part: what a query keeps of every reward, in which order, and which page it shows."""

from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from rewards_contract.enums import Availability, RewardType

from service.engine.catalogue_page import (
    CatalogueEntry,
    CatalogueQuery,
    entry_fields,
    matching,
    page_span,
    rarity_band,
)
from service.engine.languages import language_choice
from service.engine.rarity import RarityBoard

NOW = datetime(2026, 5, 1, tzinfo=UTC)
ENGLISH = language_choice(None, None, "en")
NO_RARITY = RarityBoard(NOW)


def entry(slug: str, **fields: Any) -> CatalogueEntry:
    defaults: dict[str, Any] = {
        "name": slug.title(),
        "reward_type": "besitos",
        "is_active": True,
        "availability": Availability.OPEN,
        "sold_out": False,
        "unlocked_share": 0.0,
        "series": None,
        "sort_order": 0,
    }
    return CatalogueEntry(slug=slug, **{**defaults, **fields})


def slugs(entries: list[CatalogueEntry]) -> list[str]:
    return [found.slug for found in entries]


@pytest.mark.parametrize("matched", [0, 1, 4, 5, 6, 23])
def test_walking_the_pages_reaches_every_match_exactly_once(matched: int) -> None:
    first = page_span(matched, 1, size=5)
    spans = [page_span(matched, number, size=5) for number in range(1, first.pages + 1)]
    assert [index for span in spans for index in range(span.start, span.stop)] == list(range(matched))
    assert [span.number for span in spans] == list(range(1, first.pages + 1))
    assert all(span.stop - span.start == 5 for span in spans[:-1])  # only the last page is short


def test_a_page_past_the_last_shows_the_last() -> None:
    span = page_span(12, 9, size=5)
    assert (span.number, span.pages, span.start, span.stop) == (3, 3, 10, 12)


def test_nothing_matched_is_page_one_of_one_and_empty() -> None:
    span = page_span(0, 4, size=5)
    assert (span.number, span.pages, span.start, span.stop) == (1, 1, 0, 0)


def test_each_filter_keeps_only_the_rewards_it_names() -> None:
    rewards = [
        entry("coins"),
        entry("medal", reward_type="badge", series="medals"),
        entry("old", is_active=False, availability=Availability.ENDED),
        entry("gone", sold_out=True, unlocked_share=0.6),
    ]
    asked = {
        "reward_type": (CatalogueQuery(reward_type=RewardType.BADGE), ["medal"]),
        "series": (CatalogueQuery(series="medals"), ["medal"]),
        "inactive": (CatalogueQuery(is_active=False), ["old"]),
        "ended": (CatalogueQuery(availability=Availability.ENDED), ["old"]),
        "sold out": (CatalogueQuery(sold_out=True), ["gone"]),
        "not sold out": (CatalogueQuery(sold_out=False), ["coins", "medal", "old"]),
        "common": (CatalogueQuery(rarity="common"), ["gone"]),
        "very rare": (CatalogueQuery(rarity="very_rare"), ["coins", "medal", "old"]),
        "two filters": (CatalogueQuery(reward_type=RewardType.BADGE, is_active=False), []),
    }
    for why, (query, expected) in asked.items():
        assert sorted(slugs(matching(rewards, query))) == expected, why


def test_the_search_finds_a_slug_or_a_name_whatever_its_case() -> None:
    rewards = [entry("coins", name="Some Coins"), entry("medal", name="A medal"), entry("some-badge", name="Badge")]
    assert slugs(matching(rewards, CatalogueQuery(search="SOME"))) == ["coins", "some-badge"]
    assert slugs(matching(rewards, CatalogueQuery(search="  medal "))) == ["medal"]


def test_each_sort_orders_every_match() -> None:
    rewards = [
        entry("b", name="zulu", sort_order=1, unlocked_share=0.2),
        entry("a", name="Yankee", sort_order=2, unlocked_share=0.3),
        entry("c", name="xray", sort_order=1, unlocked_share=0.1),
    ]
    expected = {"order": ["b", "c", "a"], "slug": ["a", "b", "c"], "name": ["c", "a", "b"], "rarity": ["c", "b", "a"]}
    for sort, order in expected.items():
        assert slugs(matching(rewards, CatalogueQuery(sort=sort))) == order, sort


def test_an_entry_reads_its_name_in_the_language_asked_its_season_now_and_its_rarity() -> None:
    stored = {
        "slug": "winter",
        "name": "Winter",
        "translations": {"es": {"name": "Invierno", "description": None}},
        "reward_type": "badge",
        "available_from": NOW + timedelta(days=1),
    }
    board = RarityBoard(NOW, MappingProxyType({"winter": (0.2, 0.1)}))
    spanish = CatalogueEntry.of(stored, NOW, language_choice("es", None, "en"), board)
    assert (spanish.name, spanish.availability, spanish.unlocked_share) == ("Invierno", Availability.UPCOMING, 0.2)
    assert spanish.rarity_band == "uncommon"
    english = CatalogueEntry.of(stored, NOW, ENGLISH, NO_RARITY)
    assert english.name == "Winter"
    # Fields a document stored before they existed read as the model's defaults.
    assert (english.is_active, english.sold_out, english.series, english.sort_order) == (True, False, None, 0)


@pytest.mark.parametrize(
    ("share", "band"), [(0.0, "very_rare"), (0.0099, "very_rare"), (0.01, "rare"), (0.1, "uncommon"), (1.0, "common")]
)
def test_rarity_bands_cover_every_share(share: float, band: str) -> None:
    assert rarity_band(share) == band


def test_with_no_language_asked_only_the_default_languages_name_is_read_of_the_translations() -> None:
    assert entry_fields(ENGLISH)[-1] == "translations.en.name"
    assert entry_fields(language_choice("es", None, "en"))[-1] == "translations"  # any tag could answer


def test_the_default_languages_translation_names_the_reward_as_the_api_does() -> None:
    projected = {"slug": "coins", "name": "Coins", "reward_type": "besitos", "translations": {"en": {"name": "Cash"}}}
    assert CatalogueEntry.of(projected, NOW, ENGLISH, NO_RARITY).name == "Cash"
