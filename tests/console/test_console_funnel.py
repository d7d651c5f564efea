"""A reward's funnel page: its counts, its unlocks per day as an SVG bar chart drawn on the server, its links."""

import re

from service.http.console.chart import bar_chart
from tests.support.api import claim, create_reward, send_event
from tests.support.console import page_text, sign_in
from tests.support.feed import relay_all


def test_bars_are_scaled_to_the_highest_value_and_share_the_width():
    chart = bar_chart([("a", 1), ("b", 4), ("c", 0)])
    heights = [bar.height for bar in chart.bars]
    assert heights[1] == chart.baseline - chart.bars[1].y > 0
    assert heights[0] * 4 == heights[1]
    assert heights[2] == 0
    assert chart.bars[1].x - chart.bars[0].x == chart.bars[2].x - chart.bars[1].x
    assert chart.bars[-1].x + chart.bars[-1].width <= chart.width


def test_a_chart_of_zeros_is_flat_not_a_division_by_zero():
    assert {bar.height for bar in bar_chart([("a", 0), ("b", 0)]).bars} == {0}


async def test_the_funnel_page_shows_the_counts_and_a_bar_per_day_without_inline_style(client, clock):
    await create_reward(client, slug="funnel", conditions=[{"condition_type": "first_reaction"}])
    for user_id in (1, 2):
        await send_event(client, user_id, f"r-{user_id}", "reaction")
    assert (await claim(client, 1, "funnel"))[0] == 200
    await relay_all(clock)
    assert (await sign_in(client)).status == 303
    text = await page_text(client, "/admin/rewards/funnel/funnel")
    assert re.search(r'id="count-unlocked">1<', text)
    assert re.search(r'id="count-claimed">1<', text)
    assert re.search(r'id="count-granted">1<', text)
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert svg.count('<rect class="bar"') == 7  # REWARDS_FEED_RETENTION_DAYS: 7 by default
    assert "2 unlocks of funnel over the last 7 days" in svg
    assert "style=" not in text
    assert "<script" not in text
    assert "only each user&#39;s latest unlock" in text or "only each user's latest unlock" in text


async def test_the_catalogue_and_the_editor_link_to_the_funnel(client):
    await create_reward(client, slug="funnel")
    assert (await sign_in(client)).status == 303
    for path in ("/admin/rewards", "/admin/rewards/funnel"):
        assert 'href="/admin/rewards/funnel/funnel"' in await page_text(client, path), path


async def test_an_unknown_rewards_funnel_is_a_404_page(client):
    assert (await sign_in(client)).status == 303
    await page_text(client, "/admin/rewards/nothing/funnel", status=404)
