"""What a posted form with rows does, for the pages that declare and change leaderboards and community goals.

A row's Add or Remove button sends the form back with a row more or less (no JavaScript); Save
validates and calls the use case, then goes to the page it names (303, so a reload sends nothing
again); a refusal the form can place next to its boxes sends the form back, as typed, with them.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, Self, TypeVar

from aiohttp import web
from rewards_contract.errors import RewardsApiError

from service.http.console.pages import redirect


class RowsForm(Protocol):
    def with_rows(self, action: str) -> Self: ...

    def refused(self, error: RewardsApiError) -> dict[str, str]: ...


F = TypeVar("F", bound=RowsForm)
# The form sent back: with each refused box's message, and the answer's status.
Shown = Callable[[F, dict[str, str], int], web.Response]


async def submitted(
    posted: Mapping[str, Any],
    form: F,
    shown: Shown[F],
    save: Callable[[F], Awaitable[str]],
    refusals: tuple[int, ...] = (422,),
) -> web.StreamResponse:
    """The answer to `form`, read from `posted`: sent back after a row button, or saved by `save` (which answers
    where to go next), or sent back refused when `save` raises an error of a status in `refusals`."""
    action = str(posted.get("action", "save"))
    if action != "save":
        return shown(form.with_rows(action), {}, 200)
    try:
        location = await save(form)
    except RewardsApiError as error:
        if error.status not in refusals:
            raise
        return shown(form, form.refused(error), error.status or 422)
    return redirect(location)
