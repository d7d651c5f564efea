"""Declared counters: admins declare them and change their texts (API and console alike); both tokens read them."""

from typing import Any

from rewards_contract.counters import CounterDefinition, CounterList, CounterView

from documents import Counter
from service.operations import counters
from service.usecases.catalogue import changed
from service.usecases.context import Context


def _view(counter: Counter, used_by: list[str]) -> CounterView:
    return CounterView.model_validate({**counter.model_dump(exclude={"id", "revision_id"}), "used_by": used_by})


async def _answer(ctx: Context, counter: Counter) -> CounterView:
    return _view(counter, (await counters.readers_of([counter.name], secret=ctx.is_admin))[counter.name])


async def declare_counter(ctx: Context, definition: CounterDefinition) -> CounterView:
    """Declare a counter: `counter` events may report it, and conditions read it, from now on."""
    counter = await counters.declare_counter(definition, ctx.now)
    await changed(ctx)
    return await _answer(ctx, counter)


async def list_counters(ctx: Context) -> CounterList:
    """Every declared counter, by name, with the rewards that read it (the secret ones for admins only)."""
    stored = await counters.list_counters()
    readers = await counters.readers_of([c.name for c in stored], secret=ctx.is_admin) if stored else {}
    return CounterList(counters=[_view(c, readers[c.name]) for c in stored])


async def get_counter(ctx: Context, name: str) -> CounterView:
    return await _answer(ctx, await counters.get_counter(name))


async def patch_counter(ctx: Context, name: str, texts: dict[str, Any]) -> CounterView:
    """Change a counter's texts (its name and kind never change)."""
    counter = await counters.patch_counter(name, texts, ctx.now)
    await changed(ctx)
    return await _answer(ctx, counter)


async def delete_counter(ctx: Context, name: str) -> None:
    """Delete a counter no reward reads; one still read is CounterInUse (409)."""
    await counters.delete_counter(name, ctx.now)
    await changed(ctx)
