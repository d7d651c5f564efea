"""Declared counters: admins declare them and change their texts; both tokens read them."""

from aiohttp import web
from rewards_contract.api import CounterPath
from rewards_contract.counters import CounterDefinition, CounterList, CounterPatch, CounterView

from service.usecases import counters
from service.usecases.context import Context


async def declare_counter(ctx: Context, body: CounterDefinition) -> CounterView:
    """Declare a counter (201): `counter` events may report it, and conditions read it, from now on."""
    return await counters.declare_counter(ctx, body)


async def list_counters(ctx: Context) -> CounterList:
    """Every declared counter, by name, with the rewards that read it."""
    return await counters.list_counters(ctx)


async def get_counter(ctx: Context, path: CounterPath) -> CounterView:
    return await counters.get_counter(ctx, path.name)


async def patch_counter(ctx: Context, path: CounterPath, body: CounterPatch) -> CounterView:
    """Change a counter's texts (its name and kind never change)."""
    return await counters.patch_counter(ctx, path.name, body.model_dump(exclude_unset=True))


async def delete_counter(ctx: Context, path: CounterPath) -> web.Response:
    """Delete a counter no reward reads (204); one still read is 409 counter_in_use."""
    await counters.delete_counter(ctx, path.name)
    return web.Response(status=204)
