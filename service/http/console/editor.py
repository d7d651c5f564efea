"""The reward editor: create, edit and deactivate rewards through the same use cases as the API's admin routes.

The form is validated by the contract's `RewardDefinition`, then admitted by
`service.usecases.catalogue` exactly as `POST /v1/rewards` and `PUT /v1/rewards/{slug}` are; a
refusal is shown next to its box and the form keeps what was typed. Rows are added and removed by
submit buttons that send the form back (no JavaScript).
"""

from aiohttp import web
from rewards_contract.enums import RewardConditionType, RewardType
from rewards_contract.errors import RewardsApiError, ValidationFailed
from rewards_contract.rewards import RewardDefinition

from service.http.console.forms import (
    CONDITION_FIELDS,
    PAYLOAD_FIELDS,
    RewardForm,
    definition_input,
    refused_boxes,
    rule_summary,
)
from service.http.console.pages import context, page, redirect
from service.plain_errors import validated
from service.usecases import catalogue


def _editor(
    request: web.Request, form: RewardForm, errors: dict[str, str], slug: str | None, status: int = 200, **extra: object
) -> web.Response:
    return page(
        request,
        "editor.html",
        status=status,
        form=form,
        errors=errors,
        slug=slug,
        types=list(RewardType),
        payload_fields=PAYLOAD_FIELDS,
        condition_types=list(RewardConditionType),
        condition_fields=CONDITION_FIELDS,
        summary=rule_summary(form),
        saved=request.query.get("saved") == "1",
        preview=extra.pop("preview", None),
        **extra,
    )


async def new_reward_form(request: web.Request) -> web.Response:
    return _editor(request, RewardForm(), {}, None)


async def edit_reward_form(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    return _editor(request, RewardForm.of(await catalogue.stored_reward(context(request), slug)), {}, slug)


async def _submitted(request: web.Request, slug: str | None) -> web.StreamResponse:
    posted = await request.post()
    form = RewardForm.posted(posted)
    if slug is not None:
        form.values["slug"] = slug  # slugs never change: the box is read-only, the path decides
    action = str(posted.get("action", "save"))
    if action not in ("save", "preview"):
        return _editor(request, form.with_rows(action), {}, slug)
    try:
        definition = validated(RewardDefinition, definition_input(form))
    except ValidationFailed as refused:
        return _editor(request, form, refused_boxes(refused, form), slug, status=422)
    ctx = context(request)
    if action == "preview":
        return _editor(request, form, {}, slug, preview=await catalogue.preview(ctx, definition, slug))
    try:
        if slug is None:
            await catalogue.create_reward(ctx, definition)
        else:
            await catalogue.replace_reward(ctx, slug, definition)
    except RewardsApiError as error:
        if error.status not in (409, 422):
            raise
        return _editor(request, form, _refusal_boxes(error, form), slug, status=error.status or 422)
    return redirect(f"/admin/rewards/{definition.slug}?saved=1")


_BOX_BY_CODE = {"slug_taken": "slug", "tier_taken": "tier", "max_claims_below_taken": "max_claims"}


def _refusal_boxes(error: RewardsApiError, form: RewardForm) -> dict[str, str]:
    if error.code in _BOX_BY_CODE:
        return {_BOX_BY_CODE[error.code]: error.message}
    return refused_boxes(error, form)


async def submit_new_reward(request: web.Request) -> web.StreamResponse:
    return await _submitted(request, None)


async def submit_reward_edit(request: web.Request) -> web.StreamResponse:
    slug = request.match_info["slug"]
    await catalogue.stored_reward(context(request), slug)  # an unknown slug is a 404 page, not a form
    return await _submitted(request, slug)


async def confirm_deactivation(request: web.Request) -> web.Response:
    reward = await catalogue.stored_reward(context(request), request.match_info["slug"])
    return page(request, "deactivate.html", reward=reward)


async def deactivate(request: web.Request) -> web.StreamResponse:
    slug = request.match_info["slug"]
    await catalogue.deactivate_reward(context(request), slug)
    return redirect(f"/admin/rewards/{slug}?saved=1")
