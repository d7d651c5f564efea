"""The catalogue page a page at a time: its links walk every reward once and keep what the form asked;
a page past the last shows the last; a value the form never offers is a 400 page naming the box."""

import html
import re
from typing import Any

import pytest

from service.engine.catalogue_page import PAGE_SIZE
from tests.support.api import create_reward
from tests.support.console import page_text, sign_in

COUNT = 2 * PAGE_SIZE + 7
NEEDLE = 2  # shown on the last page
_ROW_SLUG = re.compile(r'<td><a href="/admin/rewards/([a-z0-9-]+)">')
_NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
_PREVIOUS = re.compile(r'<a href="([^"]+)" rel="prev">')


@pytest.fixture
async def signed_in(client: Any) -> Any:
    """A manager signed in on COUNT rewards, r001 to r<COUNT> shown in the reverse order: every third a badge, one needle."""
    for number in range(1, COUNT + 1):
        fields: dict[str, Any] = {
            "slug": f"r{number:03d}",
            "name": f"Reward {number:03d}",
            "sort_order": COUNT - number,
        }
        if number % 3 == 0:
            fields |= {"reward_type": "badge", "reward_value": {"badge_name": "Medal", "emoji": "🏅"}}
        if number == NEEDLE:
            fields["name"] = "Needle"
        await create_reward(client, **fields)
    assert (await sign_in(client)).status == 303
    return client


def shown_slugs(text: str) -> list[str]:
    return _ROW_SLUG.findall(text)


def every_slug(texts: list[str]) -> list[str]:
    return [slug for text in texts for slug in shown_slugs(text)]


def link(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return html.unescape(found[1]) if found else None


async def follow_next(client: Any, path: str) -> list[str]:
    """Every page from `path` on, by its Next link: the pages' texts in order."""
    texts = [await page_text(client, path)]
    while (following := link(_NEXT, texts[-1])) is not None:
        assert len(texts) <= COUNT, "the Next links never end"
        texts.append(await page_text(client, following))
    return texts


async def test_following_next_from_the_first_page_shows_every_reward_exactly_once(signed_in: Any) -> None:
    texts = await follow_next(signed_in, "/admin/rewards")
    assert [len(shown_slugs(text)) for text in texts] == [PAGE_SIZE, PAGE_SIZE, 7]
    assert every_slug(texts) == [f"r{number:03d}" for number in range(COUNT, 0, -1)]
    assert f"{COUNT} of {COUNT} rewards, page 2 of 3." in texts[1]
    assert link(_PREVIOUS, texts[0]) is None
    assert link(_PREVIOUS, texts[2]) == "/admin/rewards?page=2"


async def test_the_links_keep_the_search_the_filters_and_the_sort(signed_in: Any) -> None:
    asked = "/admin/rewards?q=reward&type=besitos&active=yes&sort=name"
    texts = await follow_next(signed_in, asked)
    assert link(_NEXT, texts[0]) == "/admin/rewards?q=reward&type=besitos&active=yes&sort=name&page=2"
    assert len(texts) == 2
    assert link(_PREVIOUS, texts[1]) == "/admin/rewards?q=reward&type=besitos&active=yes&sort=name&page=1"
    # Named "Reward <number>": by name, the numbers ascend over both pages (the display order descends).
    besitos = [f"r{number:03d}" for number in range(1, COUNT + 1) if number % 3 and number != NEEDLE]
    assert every_slug(texts) == besitos
    assert 'value="reward"' in texts[1]  # the form shows what was asked on every page
    assert '<option value="besitos" selected>' in texts[1]


async def test_the_search_finds_a_reward_of_the_last_page_from_the_first(signed_in: Any) -> None:
    last_page = (await follow_next(signed_in, "/admin/rewards"))[-1]
    needle = f"r{NEEDLE:03d}"
    assert needle in shown_slugs(last_page)
    found = await page_text(signed_in, "/admin/rewards?q=needle")
    assert shown_slugs(found) == [needle]
    assert f"1 of {COUNT} rewards." in found
    assert link(_NEXT, found) is None


async def test_a_page_past_the_last_shows_the_last_page(signed_in: Any) -> None:
    text = await page_text(signed_in, "/admin/rewards?page=99")
    assert shown_slugs(text) == [f"r{number:03d}" for number in range(COUNT - 2 * PAGE_SIZE, 0, -1)]
    assert "page 3 of 3" in text
    assert link(_PREVIOUS, text) == "/admin/rewards?page=2"


@pytest.mark.parametrize(
    ("query", "box"),
    [
        ("type=bogus", "type"),
        ("active=maybe", "active"),
        ("availability=soon", "availability"),
        ("sold_out=1", "sold_out"),
        ("rarity=legendary", "rarity"),
        ("sort=price", "sort"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("page=1.5", "page"),
        ("page=%C2%B2", "page"),
    ],
)
async def test_a_value_the_form_never_offers_is_a_400_page_naming_the_box(client: Any, query: str, box: str) -> None:
    assert (await sign_in(client)).status == 303
    response = await client.get(f"/admin/rewards?{query}")
    text = await response.text()
    assert (response.status, response.content_type) == (400, "text/html"), text
    assert f"{box} must be" in text
