"""The counters page: declared counters and the rewards that read them; declare one; change a counter's texts.

Through the same contract models and use cases as `POST /v1/counters` and `PATCH /v1/counters/{name}`:
a refusal is shown next to its box and the form keeps what was typed. A counter's name and kind
never change; only its display name, description and translations do.
"""

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from rewards_contract.counters import CounterDefinition, CounterPatch
from rewards_contract.enums import CounterKind
from rewards_contract.errors import CounterTaken, RewardsApiError, ValidationFailed

from service.http.console.forms import MAX_ROWS, location_of, posted_rows, translation_box, translations_input
from service.http.console.pages import context, page, redirect
from service.plain_errors import validated
from service.usecases import counters

DECLARE_FIELDS = ("name", "kind", "display_name", "description")
TEXT_FIELDS = ("display_name", "description")
TRANSLATION_FIELDS = ("language", "display_name", "description")


def _text(posted: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(posted.get(name, "")) for name in names}


def _present(values: Mapping[str, str]) -> dict[str, str]:
    return {name: value.strip() for name, value in values.items() if value.strip()}


def _boxes(refused: ValidationFailed, rows: list[dict[str, str]]) -> dict[str, str]:
    """Each refusal, in the contract's plain words, by its box: `display_name`, or `t<row>_<field>` in a translation."""
    found: dict[str, str] = {}
    for detail in refused.details or []:  # validated() always names the refused fields
        location, message = location_of(detail["field"]), detail["message"]
        if location[:1] == ("translations",) and len(location) > 1:
            found.setdefault(translation_box(rows, location, TRANSLATION_FIELDS), message)
        else:
            found.setdefault(str(location[0]) if location else "form", message)
    return found


async def _list(
    request: web.Request,
    declared: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    return page(
        request,
        "counters.html",
        status=status,
        counters=(await counters.list_counters(context(request))).counters,
        kinds=list(CounterKind),
        declared=declared or dict.fromkeys(DECLARE_FIELDS, ""),
        errors=errors or {},
        saved=request.query.get("saved"),
    )


async def counters_page(request: web.Request) -> web.Response:
    return await _list(request)


async def declare(request: web.Request) -> web.StreamResponse:
    typed = _text(await request.post(), DECLARE_FIELDS)
    try:
        definition = validated(CounterDefinition, _present(typed))
    except ValidationFailed as refused:
        return await _list(request, typed, _boxes(refused, []), status=422)
    try:
        await counters.declare_counter(context(request), definition)
    except RewardsApiError as error:
        if error.status not in (409, 422):
            raise
        box = "name" if isinstance(error, CounterTaken) else "form"
        return await _list(request, typed, {box: error.message}, error.status or 409)
    return redirect(f"/admin/counters?saved={definition.name}")


def _texts_form(
    request: web.Request,
    name: str,
    kind: str,
    texts: dict[str, str],
    rows: list[dict[str, str]],
    errors: dict[str, str],
    used_by: list[str],
    status: int = 200,
) -> web.Response:
    return page(
        request,
        "counter.html",
        status=status,
        name=name,
        kind=kind,
        texts=texts,
        rows=rows,
        errors=errors,
        used_by=used_by,
        saved=request.query.get("saved") == "1",
    )


async def counter_form(request: web.Request) -> web.Response:
    counter = await counters.get_counter(context(request), request.match_info["name"])  # unknown: a 404 page
    texts = {"display_name": counter.display_name, "description": counter.description or ""}
    rows = [
        {"language": tag, "display_name": t.display_name, "description": t.description or ""}
        for tag, t in counter.translations.items()
    ]
    return _texts_form(request, counter.name, counter.kind, texts, rows, {}, counter.used_by)


async def rename(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    counter = await counters.get_counter(ctx, request.match_info["name"])
    posted = await request.post()
    text = {key: str(value) for key, value in posted.items() if isinstance(value, str)}
    texts, rows = _text(posted, TEXT_FIELDS), posted_rows(text, "t", TRANSLATION_FIELDS, "translation_rows")
    action = text.get("action", "save")
    used_by = counter.used_by
    if action == "add_translation" and len(rows) < MAX_ROWS:
        rows.append(dict.fromkeys(TRANSLATION_FIELDS, ""))
    elif action.startswith("remove_translation:") and action.partition(":")[2].isdigit():
        index = int(action.partition(":")[2])
        rows = [row for i, row in enumerate(rows) if i != index]
    if action != "save":
        return _texts_form(request, counter.name, counter.kind, texts, rows, {}, used_by)
    # The description box left blank clears it (null), as PATCH with "description": null does.
    body = {
        "display_name": texts["display_name"].strip(),
        "description": texts["description"].strip() or None,
        "translations": translations_input(rows),
    }
    try:
        patch = validated(CounterPatch, body)
    except ValidationFailed as refused:
        return _texts_form(request, counter.name, counter.kind, texts, rows, _boxes(refused, rows), used_by, 422)
    await counters.patch_counter(ctx, counter.name, patch.model_dump(exclude_unset=True))
    return redirect(f"/admin/counters/{counter.name}?saved=1")
