"""The leaderboards' pages: every board; declare one; change one's texts, prizes and activity; its current run.

Through the same contract models and use cases as the API's admin routes (`POST /v1/leaderboards`,
`PATCH /v1/leaderboards/{slug}`, `POST /v1/leaderboards/{slug}/runs/{run}/removals`): a refusal is
shown next to its box and the form keeps what was typed. What a board ranks, its period and its
season never change: the edit form shows them read-only.
"""

from functools import partial
from typing import Any

from aiohttp import web
from rewards_contract.errors import RewardsApiError
from rewards_contract.facts import ADDITIVE_FACTS
from rewards_contract.leaderboards import (
    BoardPeriod,
    LeaderboardDefinition,
    LeaderboardPatch,
    Removal,
    RunPath,
)

from service.http.console.board_form import PRIZE_FIELDS, TRANSLATION_FIELDS, BoardForm
from service.http.console.forms import boxes_of, whole_number
from service.http.console.pages import context, page, redirect
from service.http.console.submissions import submitted
from service.plain_errors import validated
from service.usecases import leaderboards

PATH = "/admin/leaderboards"
TOP_SHOWN = 50
REMOVALS_SHOWN = 50
REMOVAL_FIELDS = ("user_id", "reason")


async def boards_page(request: web.Request) -> web.Response:
    listed = await leaderboards.list_boards(context(request))
    return page(request, "leaderboards.html", boards=listed.leaderboards)


def _form_page(
    request: web.Request, slug: str | None, form: BoardForm, errors: dict[str, str], status: int = 200
) -> web.Response:
    return page(
        request,
        "leaderboard_form.html",
        status=status,
        form=form,
        errors=errors,
        slug=slug,
        periods=list(BoardPeriod),
        additive_facts=ADDITIVE_FACTS,
        prize_fields=PRIZE_FIELDS,
        translation_fields=list(TRANSLATION_FIELDS),
    )


async def new_board_form(request: web.Request) -> web.Response:
    return _form_page(request, None, BoardForm(), {})


async def edit_board_form(request: web.Request) -> web.Response:
    board = await leaderboards.get_board(context(request), request.match_info["slug"])  # unknown: a 404 page
    return _form_page(request, board.slug, BoardForm.of(board), {})


async def submit_new_board(request: web.Request) -> web.StreamResponse:
    posted = await request.post()

    async def declare(form: BoardForm) -> str:
        definition = validated(LeaderboardDefinition, form.definition_input())
        await leaderboards.declare_board(context(request), definition)
        return f"{PATH}/{definition.slug}?saved=1"

    shown = partial(_form_page, request, None)
    return await submitted(posted, BoardForm.posted(posted), shown, declare, refusals=(409, 422))


async def submit_board_edit(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    stored = await leaderboards.get_board(ctx, request.match_info["slug"])  # unknown: a 404 page, not a form
    posted = await request.post()

    async def change(form: BoardForm) -> str:
        patch = validated(LeaderboardPatch, form.patch_input())
        await leaderboards.patch_board(ctx, stored.slug, patch.model_dump(mode="json", exclude_unset=True))
        return f"{PATH}/{stored.slug}?saved=1"

    form = BoardForm.posted(posted).fixed_as(BoardForm.of(stored))
    return await submitted(posted, form, partial(_form_page, request, stored.slug), change)


async def _board_page(
    request: web.Request, typed: dict[str, str], errors: dict[str, str], status: int = 200
) -> web.Response:
    shown = await leaderboards.current_run(
        context(request), request.match_info["slug"], top=TOP_SHOWN, removed=REMOVALS_SHOWN
    )
    return page(
        request,
        "leaderboard.html",
        status=status,
        board=shown.board,
        run=shown.board.current_run,
        top=shown.top,
        top_shown=TOP_SHOWN,
        removed=shown.removed,
        typed=typed,
        errors=errors,
        saved=request.query.get("saved") == "1",
        removed_now=request.query.get("removed"),
        removed_from=request.query.get("run", ""),
        after_closing=request.query.get("after_closing") == "1",
    )


async def board_page(request: web.Request) -> web.Response:
    return await _board_page(request, dict.fromkeys(REMOVAL_FIELDS, ""), {})


def _removal_input(typed: dict[str, str]) -> dict[str, Any]:
    """The removal form as Removal's input: a blank box left out (so it is "required"), the user id a number."""
    user_id, reason = typed["user_id"].strip(), typed["reason"].strip()
    return {"reason": reason} | ({"user_id": whole_number(user_id)} if user_id else {})


def _removal_box(location: tuple[Any, ...], message: str) -> str:
    return str(location[0]) if location else "form"


async def remove(request: web.Request) -> web.StreamResponse:
    """Take a user out of the run the page showed (its key is in the form's address): the others move up."""
    path = validated(RunPath, dict(request.match_info))
    posted = await request.post()
    typed = {name: str(posted.get(name, "")) for name in REMOVAL_FIELDS}
    try:
        removal = validated(Removal, _removal_input(typed))
    except RewardsApiError as refused:
        return await _board_page(request, typed, boxes_of(refused, _removal_box), 422)
    done = await leaderboards.remove_user(context(request), path.slug, path.run, removal.user_id, removal.reason)
    closed = "&after_closing=1" if done.after_closing else ""
    return redirect(f"{PATH}/{path.slug}?removed={done.user_id}&run={done.run}{closed}")
