"""The console's catalogue, a page at a time: filters, search and sort run over every reward, and a page's
rewards are answered as the API answers them (availability, rarity, slots left)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from rewards_contract.enums import Availability, RewardType

from service.db.connection import Database
from service.engine.catalogue_page import CatalogueQuery
from service.engine.rarity import RarityBoard
from service.operations import edition_slots, rewards
from service.usecases.catalogue import CataloguePage, catalogue_page, create_reward, get_reward
from service.usecases.context import Context
from tests.support.factories import definition
from tests.support.usecases import context_at

NOW = datetime(2026, 5, 1, tzinfo=UTC)
SIZE = 4
COUNT = 14
BADGE = {"reward_type": "badge", "reward_value": {"badge_name": "Medal", "emoji": "🏅"}}


def _fields(number: int) -> dict[str, Any]:
    """Reward r<number>: display order the reverse of slug order; every 4th a badge tier; one inactive, one ended."""
    fields: dict[str, Any] = {"slug": f"r{number:02d}", "name": f"Reward {number:02d}", "sort_order": COUNT - number}
    if number % 4 == 0:
        fields |= {**BADGE, "series": "medals", "tier": number // 4}
    if number == 13:
        fields["is_active"] = False
    if number == 11:
        fields |= {"available_from": NOW - timedelta(days=9), "available_until": NOW - timedelta(days=2)}
    if number == 2:
        fields["name"] = "Needle in the haystack"
    if number == 5:
        fields["max_claims"] = 3
    if number == 7:  # answered by its default language's translation, read alone of its texts
        fields["translations"] = {"en": {"name": "Zebra crossing"}, "es": {"name": "Paso de cebra", "description": "x"}}
    return fields


ARRANGED = {number: _fields(number) for number in range(1, COUNT + 1)}
DISPLAY_ORDER = [ARRANGED[number]["slug"] for number in sorted(ARRANGED, key=lambda n: ARRANGED[n]["sort_order"])]


@pytest.fixture
async def ctx(database: Database) -> Context:
    ctx = context_at(NOW)
    for fields in ARRANGED.values():
        await create_reward(ctx, definition(**fields))
    return ctx


EVERY_REWARD = CatalogueQuery()


async def walk(ctx: Context, query: CatalogueQuery = EVERY_REWARD) -> list[CataloguePage]:
    """Every page of the query, from the first to the last it says there are."""
    first = await catalogue_page(ctx, query, SIZE)
    return [first] + [await catalogue_page(ctx, replace(query, page=n), SIZE) for n in range(2, first.pages + 1)]


def slugs(pages: list[CataloguePage]) -> list[str]:
    return [reward.slug for shown in pages for reward in shown.rewards]


async def test_walking_every_page_reaches_every_reward_exactly_once_in_display_order(ctx: Context) -> None:
    pages = await walk(ctx)
    assert slugs(pages) == DISPLAY_ORDER
    assert [shown.number for shown in pages] == [1, 2, 3, 4]
    assert [len(shown.rewards) for shown in pages] == [4, 4, 4, 2]
    assert {(shown.pages, shown.matched, shown.total) for shown in pages} == {(4, COUNT, COUNT)}
    assert pages[0].series == ["medals"]


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        (CatalogueQuery(reward_type=RewardType.BADGE), lambda f: f.get("reward_type") == "badge"),
        (CatalogueQuery(series="medals"), lambda f: f.get("series") == "medals"),
        (CatalogueQuery(is_active=True), lambda f: f.get("is_active", True)),
        (CatalogueQuery(availability=Availability.OPEN), lambda f: "available_until" not in f),
        (CatalogueQuery(search="reward 1"), lambda f: f["name"].startswith("Reward 1")),
        (CatalogueQuery(search="R0"), lambda f: f["slug"].startswith("r0")),
        (
            CatalogueQuery(reward_type=RewardType.BESITOS, is_active=True),
            lambda f: "series" not in f and f["slug"] != "r13",
        ),
    ],
    ids=["type", "series", "active", "availability", "name-search", "slug-search", "type-and-active"],
)
async def test_filters_and_search_run_over_every_page(ctx: Context, query: CatalogueQuery, kept: Any) -> None:
    pages = await walk(ctx, query)
    expected = [slug for slug in DISPLAY_ORDER if kept(ARRANGED[int(slug[1:])])]
    assert 0 < len(expected) < COUNT  # the arrangement gives every filter something to keep and to drop
    assert slugs(pages) == expected
    assert {shown.matched for shown in pages} == {len(expected)}


async def test_the_search_finds_a_reward_the_first_page_does_not_show(ctx: Context) -> None:
    assert "r02" in slugs((await walk(ctx))[-1:])  # the last page, unfiltered
    found = await catalogue_page(ctx, CatalogueQuery(search="NEEDLE"), SIZE)
    assert ([reward.slug for reward in found.rewards], found.pages, found.total) == (["r02"], 1, COUNT)


async def test_sorting_by_name_orders_every_reward_not_each_page(ctx: Context) -> None:
    names = [reward.name for shown in await walk(ctx, CatalogueQuery(sort="name")) for reward in shown.rewards]
    assert names == sorted(names, key=str.casefold)
    assert names[-1] == "Zebra crossing"  # r07's name as the API answers it, not its stored default


async def test_the_search_reads_names_as_the_api_answers_them(ctx: Context) -> None:
    found = await catalogue_page(ctx, CatalogueQuery(search="zebra"), SIZE)
    assert [(reward.slug, reward.name) for reward in found.rewards] == [("r07", "Zebra crossing")]
    assert (await catalogue_page(ctx, CatalogueQuery(search="Reward 07"), SIZE)).rewards == []


async def test_rarity_filters_and_sorts_by_the_board_the_api_answers_with(ctx: Context) -> None:
    shares = {"r03": (0.7, 0.5), "r09": (0.6, 0.1), "r14": (0.2, 0.0)}
    ctx.runtime.rarity.board = RarityBoard(NOW, MappingProxyType(shares))
    common = await walk(ctx, CatalogueQuery(rarity="common"))
    assert slugs(common) == ["r09", "r03"]  # display order: r09's sort_order is the lower
    assert [reward.rarity.unlocked_share for reward in common[0].rewards] == [0.6, 0.7]
    rarest_last = slugs(await walk(ctx, CatalogueQuery(sort="rarity")))
    assert rarest_last[-3:] == ["r14", "r09", "r03"]


async def test_a_page_past_the_last_shows_the_last_page(ctx: Context) -> None:
    shown = await catalogue_page(ctx, replace(EVERY_REWARD, page=40), SIZE)
    assert (shown.number, shown.pages) == (4, 4)
    assert [reward.slug for reward in shown.rewards] == DISPLAY_ORDER[-2:]


async def test_nothing_matched_is_one_empty_page(ctx: Context) -> None:
    shown = await catalogue_page(ctx, CatalogueQuery(search="no such reward", page=3), SIZE)
    assert (shown.rewards, shown.number, shown.pages, shown.matched, shown.total) == ([], 1, 1, 0, COUNT)


async def test_a_pages_rewards_are_the_apis_views_of_them(ctx: Context) -> None:
    ctx.runtime.rarity.board = RarityBoard(NOW, MappingProxyType({"r05": (0.25, 0.125)}))
    shown = await catalogue_page(ctx, EVERY_REWARD, COUNT)
    assert len(shown.rewards) == COUNT
    for reward in shown.rewards:
        assert reward == await get_reward(ctx, reward.slug), reward.slug
    by_slug = {reward.slug: reward for reward in shown.rewards}
    assert (by_slug["r05"].remaining, by_slug["r05"].rarity.unlocked_share) == (3, 0.25)
    assert by_slug["r11"].availability is Availability.ENDED


async def test_only_the_pages_rewards_are_read_whole(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    read_whole: list[list[str]] = []
    slots_read: list[list[str]] = []
    by_slug, slots_left = rewards.rewards_by_slug, edition_slots.slots_left

    async def reading_whole(slugs: list[str]) -> Any:
        read_whole.append(list(slugs))
        return await by_slug(slugs)

    async def reading_slots(caps: dict[str, int | None]) -> Any:
        slots_read.append(sorted(caps))
        return await slots_left(caps)

    monkeypatch.setattr(rewards, "rewards_by_slug", reading_whole)
    monkeypatch.setattr(edition_slots, "slots_left", reading_slots)
    shown = await catalogue_page(ctx, CatalogueQuery(page=3), SIZE)  # r05, the limited edition, is on page 3
    assert read_whole == [[reward.slug for reward in shown.rewards]] == [DISPLAY_ORDER[8:12]]
    assert slots_read == [["r05"]]
