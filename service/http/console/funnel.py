"""A reward's funnel: how many users hold it unlocked, claimed or expired now, its grants and revocations, unlocks per day."""

from aiohttp import web

from service.http.console.chart import bar_chart
from service.http.console.pages import context, page
from service.usecases.funnel import funnel


async def funnel_page(request: web.Request) -> web.Response:
    reward, counts, days = await funnel(context(request), request.match_info["slug"])  # an unknown slug: a 404 page
    chart = bar_chart([(day.strftime("%m-%d"), unlocks) for day, unlocks in counts.unlocks_per_day])
    return page(
        request,
        "funnel.html",
        reward=reward,
        funnel=counts,
        chart=chart,
        days=days,
        total_unlocks=sum(unlocks for _, unlocks in counts.unlocks_per_day),
    )
