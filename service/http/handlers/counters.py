"""Declared counters: admins declare them and change their texts; both tokens read them."""

from aiohttp import web
from rewards_contract.api import CounterPath
from rewards_contract.counters import CounterDefinition, CounterList, CounterPatch, CounterView

from documents import Counter
from service.http.keys import CATALOG, CLOCK
from service.operations import counters


def _view(counter: Counter, used_by: list[str]) -> CounterView:
    return CounterView.model_validate({**counter.model_dump(exclude={"id", "revision_id"}), "used_by": used_by})


async def _answer(counter: Counter) -> CounterView:
    return _view(counter, (await counters.readers_of([counter.name]))[counter.name])


async def declare_counter(request: web.Request, body: CounterDefinition) -> CounterView:
    """Declare a counter (201): `counter` events may report it, and conditions read it, from now on."""
    counter = await counters.declare_counter(body, request.app[CLOCK]())
    request.app[CATALOG].invalidate()
    return await _answer(counter)


async def list_counters(request: web.Request) -> CounterList:
    """Every declared counter, by name, with the rewards that read it."""
    stored = await counters.list_counters()
    readers = await counters.readers_of([c.name for c in stored]) if stored else {}
    return CounterList(counters=[_view(c, readers[c.name]) for c in stored])


async def get_counter(request: web.Request, path: CounterPath) -> CounterView:
    return await _answer(await counters.get_counter(path.name))


async def patch_counter(request: web.Request, path: CounterPath, body: CounterPatch) -> CounterView:
    """Change a counter's texts (its name and kind never change)."""
    counter = await counters.patch_counter(path.name, body.model_dump(exclude_unset=True), request.app[CLOCK]())
    request.app[CATALOG].invalidate()
    return await _answer(counter)


async def delete_counter(request: web.Request, path: CounterPath) -> web.Response:
    """Delete a counter no reward reads (204); one still read is 409 counter_in_use."""
    await counters.delete_counter(path.name, request.app[CLOCK]())
    request.app[CATALOG].invalidate()
    return web.Response(status=204)
