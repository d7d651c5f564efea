"""The catalogue page: every reward, active or not, a page at a time, with filters, a search and a sort order (a GET form).

The query is parsed here; filtering, search, sort and paging run over the whole catalogue in the use
case, which answers the page's rewards as the API does (availability, rarity, slots left).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from aiohttp import web
from rewards_contract.api import RewardView
from rewards_contract.enums import Availability, RewardType
from rewards_contract.errors import BadRequest

from service.engine.catalogue_page import RARITY_BANDS, SORTS, CatalogueQuery, rarity_band
from service.http.console.pages import context, page
from service.usecases.catalogue import catalogue_page

PATH = "/admin/rewards"
# The filter form's boxes (`page` is the links' own).
FORM_BOXES = ("q", "type", "active", "availability", "sold_out", "rarity", "series", "sort")
YES_NO = {"yes": True, "no": False}
Choice = TypeVar("Choice")


@dataclass(frozen=True)
class CatalogueRow:
    """A reward as the page's table shows it: the API's figures, and the rarity band they fall in."""

    reward: RewardView

    @property
    def rarity_band(self) -> str:
        return rarity_band(self.reward.rarity.unlocked_share)


def _choice(params: Mapping[str, str], name: str, allowed: Mapping[str, Choice]) -> Choice | None:
    """The value of a filter's box, from its allowed values; empty (or absent) means any."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if raw not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}, or empty for any.")
    return allowed[raw]


def _page_number(raw: str) -> int:
    raw = raw.strip() or "1"
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise BadRequest("page must be a whole number from 1.")
    return int(raw)


def parse_query(params: Mapping[str, str]) -> CatalogueQuery:
    """The filter form's query string; a value the form never offers is a 400 naming the box and its choices."""
    return CatalogueQuery(
        search=params.get("q", "").strip(),
        reward_type=_choice(params, "type", {str(kind): kind for kind in RewardType}),
        is_active=_choice(params, "active", YES_NO),
        availability=_choice(params, "availability", {str(when): when for when in Availability}),
        sold_out=_choice(params, "sold_out", YES_NO),
        rarity=_choice(params, "rarity", {band: band for band in RARITY_BANDS}),
        series=params.get("series", "").strip() or None,
        sort=_choice(params, "sort", {sort: sort for sort in SORTS}) or "order",
        page=_page_number(params.get("page", "")),
    )


def link(params: Mapping[str, str], number: int) -> str:
    """The address of another page of the same filters, search and sort (the form's boxes that are filled)."""
    kept = {name: params[name] for name in FORM_BOXES if params.get(name)}
    return f"{PATH}?{urlencode({**kept, 'page': str(number)})}"


async def catalogue(request: web.Request) -> web.Response:
    query = parse_query(request.query)
    shown = await catalogue_page(context(request), query)
    asked = {name: request.query.get(name, "").strip() for name in FORM_BOXES}  # the form shows it again
    return page(
        request,
        "catalogue.html",
        rows=[CatalogueRow(reward) for reward in shown.rewards],
        shown=shown,
        query=asked,
        previous=link(asked, shown.number - 1) if shown.number > 1 else None,
        next=link(asked, shown.number + 1) if shown.number < shown.pages else None,
        types=list(RewardType),
        availabilities=list(Availability),
        bands=list(RARITY_BANDS),
        series=shown.series,
        sorts=list(SORTS),
    )
