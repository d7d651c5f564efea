"""The console's catalogue page (pure): what a manager asks of the whole catalogue, and which page of it to show.

Filters, search and sort read a few fields of every reward (`CatalogueEntry`), so they run over the
whole catalogue; only the page's rewards are then read and answered in full, as the API answers them.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rewards_contract.enums import Availability, RewardType

from service.engine.languages import LanguageChoice, LocalizedTexts
from service.engine.rarity import RarityBoard
from service.engine.transitions import season_availability

# Rewards a page shows: a screenful of rows, and few enough full views to build per request.
PAGE_SIZE = 50

# Rarity bands by the share of users with facts who ever unlocked the reward ([low, high)).
RARITY_BANDS = {"common": (0.5, 1.01), "uncommon": (0.1, 0.5), "rare": (0.01, 0.1), "very_rare": (0.0, 0.01)}

# The reward fields filters, search and sort read (and its names: `entry_fields`); the rest of a
# reward is read for its page only.
_FILTERED_FIELDS = (
    "slug",
    "name",
    "reward_type",
    "is_active",
    "available_from",
    "available_until",
    "sold_out",
    "series",
    "sort_order",
)


def entry_fields(choice: LanguageChoice) -> tuple[str, ...]:
    """The fields to read of every reward for a CatalogueEntry in this language choice.

    A choice with no preference of its own (the console's) answers every reward in the default
    language: of the translations, only that one's name is read, not up to 50 languages of texts.
    """
    names = f"translations.{choice.default}.name" if not choice.ranges else "translations"
    return (*_FILTERED_FIELDS, names)


def rarity_band(unlocked_share: float) -> str:
    """The band a share of users who unlocked a reward falls in."""
    return next(band for band, (low, high) in RARITY_BANDS.items() if low <= unlocked_share < high)


@dataclass(frozen=True)
class CatalogueEntry:
    """What the catalogue page filters, searches and sorts one reward by, with the API's figures for now."""

    slug: str
    name: str
    reward_type: str
    is_active: bool
    availability: Availability
    sold_out: bool
    unlocked_share: float
    series: str | None
    sort_order: int

    @classmethod
    def of(
        cls, stored: Mapping[str, Any], now: datetime, choice: LanguageChoice, rarity: RarityBoard
    ) -> "CatalogueEntry":
        """From a reward's `entry_fields`: its name in the caller's language, its availability now, its rarity."""
        texts = LocalizedTexts.of(stored["name"], None, stored.get("translations") or {})
        return cls(
            slug=stored["slug"],
            name=texts.in_language(choice)["name"] or stored["name"],
            reward_type=stored["reward_type"],
            is_active=stored.get("is_active", True),
            availability=season_availability(stored.get("available_from"), stored.get("available_until"), now),
            sold_out=stored.get("sold_out", False),
            unlocked_share=rarity.for_slug(stored["slug"])["unlocked_share"],
            series=stored.get("series"),
            sort_order=stored.get("sort_order", 0),
        )

    @property
    def rarity_band(self) -> str:
        return rarity_band(self.unlocked_share)


SORTS: dict[str, Callable[[CatalogueEntry], Any]] = {
    "order": lambda entry: (entry.sort_order, entry.slug),
    "slug": lambda entry: entry.slug,
    "name": lambda entry: (entry.name.casefold(), entry.slug),
    "rarity": lambda entry: (entry.unlocked_share, entry.slug),
}


@dataclass(frozen=True)
class CatalogueQuery:
    """What a manager asks: filters (None: any), a search in slugs and names, a sort order, a page (from 1)."""

    search: str = ""
    reward_type: RewardType | None = None
    is_active: bool | None = None
    availability: Availability | None = None
    sold_out: bool | None = None
    rarity: str | None = None
    series: str | None = None
    sort: str = "order"
    page: int = 1

    def keeps(self, entry: CatalogueEntry) -> bool:
        """Whether the reward passes every filter and the search (case-insensitive, in its slug or its name)."""
        wanted: list[tuple[Any, Any]] = [
            (self.reward_type, entry.reward_type),
            (self.is_active, entry.is_active),
            (self.availability, entry.availability),
            (self.sold_out, entry.sold_out),
            (self.rarity, entry.rarity_band),
            (self.series, entry.series),
        ]
        if any(asked is not None and asked != value for asked, value in wanted):
            return False
        search = self.search.strip().casefold()
        return not search or search in entry.slug.casefold() or search in entry.name.casefold()


def matching(entries: Sequence[CatalogueEntry], query: CatalogueQuery) -> list[CatalogueEntry]:
    """The entries the query keeps, in its sort order."""
    return sorted((entry for entry in entries if query.keeps(entry)), key=SORTS[query.sort])


@dataclass(frozen=True)
class PageSpan:
    """Which page is shown, of how many, and the slice of the matches it holds."""

    number: int
    pages: int
    start: int
    stop: int


def page_span(matched: int, asked: int, size: int = PAGE_SIZE) -> PageSpan:
    """The page asked for; past the last page, the last one (and page 1 of 1 when nothing matches)."""
    pages = max(1, -(-matched // size))
    number = min(max(asked, 1), pages)
    start = (number - 1) * size
    return PageSpan(number, pages, start, min(start + size, matched))
