"""The community goals' pages: every goal; declare one; change one's texts and activity; one goal's progress.

Through the same contract models and use cases as the API's admin routes (`POST /v1/goals`,
`PATCH /v1/goals/{slug}`): a refusal is shown next to its box and the form keeps what was typed.
What a goal counts, its target, window, reward and minimum contribution never change: the edit
form shows them read-only. A goal's progress is an SVG bar drawn on the server (`chart.py`).
"""

from functools import partial

from aiohttp import web
from rewards_contract.facts import ADDITIVE_FACTS
from rewards_contract.goals import GoalDefinition, GoalPatch

from service.http.console.chart import progress_bar, share_percent
from service.http.console.goal_form import TRANSLATION_FIELDS, GoalForm
from service.http.console.pages import context, page
from service.http.console.submissions import submitted
from service.plain_errors import validated
from service.usecases import goals

PATH = "/admin/goals"


async def goals_page(request: web.Request) -> web.Response:
    listed = await goals.list_goals(context(request))
    rows = [(goal, share_percent(goal.total, goal.target)) for goal in listed.goals]
    return page(request, "goals.html", rows=rows)


def _form_page(
    request: web.Request, slug: str | None, form: GoalForm, errors: dict[str, str], status: int = 200
) -> web.Response:
    return page(
        request,
        "goal_form.html",
        status=status,
        form=form,
        errors=errors,
        slug=slug,
        additive_facts=ADDITIVE_FACTS,
        translation_fields=list(TRANSLATION_FIELDS),
    )


async def new_goal_form(request: web.Request) -> web.Response:
    return _form_page(request, None, GoalForm(), {})


async def edit_goal_form(request: web.Request) -> web.Response:
    goal = await goals.get_goal(context(request), request.match_info["slug"])  # unknown: a 404 page
    return _form_page(request, goal.slug, GoalForm.of(goal), {})


async def submit_new_goal(request: web.Request) -> web.StreamResponse:
    posted = await request.post()

    async def declare(form: GoalForm) -> str:
        definition = validated(GoalDefinition, form.definition_input())
        await goals.declare_goal(context(request), definition)
        return f"{PATH}/{definition.slug}?saved=1"

    shown = partial(_form_page, request, None)
    return await submitted(posted, GoalForm.posted(posted), shown, declare, refusals=(409, 422))


async def submit_goal_edit(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    stored = await goals.get_goal(ctx, request.match_info["slug"])  # unknown: a 404 page, not a form
    posted = await request.post()

    async def change(form: GoalForm) -> str:
        patch = validated(GoalPatch, form.patch_input())
        await goals.patch_goal(ctx, stored.slug, patch.model_dump(exclude_unset=True))
        return f"{PATH}/{stored.slug}?saved=1"

    form = GoalForm.posted(posted).fixed_as(GoalForm.of(stored))
    return await submitted(posted, form, partial(_form_page, request, stored.slug), change)


async def goal_page(request: web.Request) -> web.Response:
    goal = await goals.get_goal(context(request), request.match_info["slug"])  # unknown: a 404 page
    return page(
        request,
        "goal.html",
        goal=goal,
        bar=progress_bar(goal.total, goal.target),
        saved=request.query.get("saved") == "1",
    )
