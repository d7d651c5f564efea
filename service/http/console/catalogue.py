"""The catalogue page: every reward, active or not, with filters, a search and a sort order (a GET form)."""

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from rewards_contract.api import RewardView
from rewards_contract.enums import Availability, RewardType

from service.http.console.pages import context, page
from service.usecases.catalogue import every_reward

# Rarity bands by the share of users with facts who ever unlocked the reward.
RARITY_BANDS = {"common": (0.5, 1.01), "uncommon": (0.1, 0.5), "rare": (0.01, 0.1), "very_rare": (0.0, 0.01)}
SORTS = {
    "order": lambda row: (row.sort_order, row.slug),
    "slug": lambda row: row.slug,
    "name": lambda row: (row.name.casefold(), row.slug),
    "rarity": lambda row: (row.unlocked_share, row.slug),
}


@dataclass(frozen=True)
class CatalogueRow:
    slug: str
    name: str
    reward_type: RewardType
    is_active: bool
    is_secret: bool
    availability: Availability
    sold_out: bool
    unlocked_share: float
    claimed_share: float
    remaining: int | None
    max_claims: int | None
    series: str | None
    tier: int | None
    sort_order: int

    @property
    def rarity_band(self) -> str:
        return next(band for band, (low, high) in RARITY_BANDS.items() if low <= self.unlocked_share < high)


def rows_of(rewards: list[RewardView]) -> list[CatalogueRow]:
    """The rewards as the API answers them to admins: availability, rarity and slots left are the API's figures."""
    return [
        CatalogueRow(
            reward.slug,
            reward.name,
            reward.reward_type,
            reward.is_active,
            reward.is_secret,
            reward.availability,
            reward.sold_out,
            reward.rarity.unlocked_share,
            reward.rarity.claimed_share,
            reward.remaining,
            reward.max_claims,
            reward.series,
            reward.tier,
            reward.sort_order,
        )
        for reward in rewards
    ]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def filtered(rows: list[CatalogueRow], query: dict[str, str]) -> list[CatalogueRow]:
    """The rows the filter form asks for, in its sort order (unknown choices are ignored, as 'any')."""
    search = query.get("q", "").strip().casefold()
    wanted: list[Any] = [
        ("reward_type", query.get("type") or None),
        ("availability", query.get("availability") or None),
        ("series", query.get("series") or None),
        ("is_active", _yes_no(query.get("active", ""))),
        ("sold_out", _yes_no(query.get("sold_out", ""))),
        ("rarity_band", query.get("rarity") or None),
    ]
    kept = [
        row
        for row in rows
        if all(value is None or getattr(row, name) == value for name, value in wanted)
        and (not search or search in row.slug.casefold() or search in row.name.casefold())
    ]
    return sorted(kept, key=SORTS.get(query.get("sort", ""), SORTS["order"]))


async def catalogue(request: web.Request) -> web.Response:
    rows = rows_of(await every_reward(context(request)))
    query = dict(request.query)
    return page(
        request,
        "catalogue.html",
        rows=filtered(rows, query),
        total=len(rows),
        query=query,
        types=list(RewardType),
        availabilities=list(Availability),
        bands=list(RARITY_BANDS),
        series=sorted({row.series for row in rows if row.series}),
        sorts=list(SORTS),
    )
