"""A reward's funnel: how many users hold it unlocked, claimed or expired now, its grants and revocations, unlocks per day."""

import math

from aiohttp import web

from service.http.console.chart import bar_chart
from service.http.console.pages import page
from service.http.keys import CLOCK, SETTINGS
from service.operations import catalog
from service.operations.reward_funnel import reward_funnel


async def funnel_page(request: web.Request) -> web.Response:
    reward = await catalog.get_reward(request.match_info["slug"])  # an unknown slug is a 404 page
    days = max(1, math.ceil(request.config_dict[SETTINGS].feed_retention_days))
    funnel = await reward_funnel(reward.slug, request.config_dict[CLOCK](), days)
    chart = bar_chart([(day.strftime("%m-%d"), unlocks) for day, unlocks in funnel.unlocks_per_day])
    return page(
        request,
        "funnel.html",
        reward=reward,
        funnel=funnel,
        chart=chart,
        days=days,
        total_unlocks=sum(unlocks for _, unlocks in funnel.unlocks_per_day),
    )
