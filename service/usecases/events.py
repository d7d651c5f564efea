"""A user's activity: the bot reports events and sets facts; each changes the user's facts, then unlocks what is due."""

import uuid
from dataclasses import dataclass
from typing import Any

from rewards_contract.api import ActivityResponse
from rewards_contract.events import CounterEvent, EventRequest
from rewards_contract.facts import FactsUpdate

from service.engine.activity import EventMark, FactsChange, event_change, update_change
from service.engine.catalogue import ActiveRewards
from service.engine.goals import goals_fed
from service.engine.leaderboards import boards_fed
from service.engine.views import Trusted, Unlock, facts_view_fields, unlocked_views
from service.operations.activity import apply_facts_change
from service.operations.evaluation import evaluate_user
from service.usecases.context import Context
from service.usecases.leaderboards import copy_scores


@dataclass(frozen=True)
class ActivityResult:
    """What a report of activity answers: the unlocks it caused and the user's facts after it."""

    unlocked: list[Unlock]
    facts: dict[str, Any]


async def record_activity(
    user_id: int, change: FactsChange, catalog: ActiveRewards, ctx: Context, event: EventMark | None = None
) -> ActivityResult:
    """Apply an event (counted once per event_id) or a facts update, then evaluate the active rewards in the user's reach.

    An event feeding leaderboards adds to the user's run scores in the same atomic update, then
    copies them to the standings (one more write, which a retry of the event repeats safely). One
    feeding community goals adds to the user's contribution in the same update, and leaves the
    amount for the goal relay: no write more.

    A repeated event (same id, same fingerprint) changes no fact, but still re-runs the evaluation:
    if the first attempt died before storing its unlocks, the retry stores them, and either way the
    answer lists the unlocks that event caused. The same id with another payload is refused.
    """
    marker = event.event_id if event is not None else f"facts:{uuid.uuid4().hex}"
    windows = (
        {} if event is None else {name: catalog.windows[name] for name in change.counted if name in catalog.windows}
    )
    fed = [] if event is None else boards_fed(catalog.boards, change.counted, ctx.now)
    goals = [] if event is None else goals_fed(catalog.goals, change.counted, ctx.now)
    facts = await apply_facts_change(user_id, change, ctx.now, event, windows, fed, goals)
    if fed:
        await copy_scores(ctx, user_id, facts, fed)
    unlocked = await evaluate_user(user_id, facts, catalog, marker, ctx.now)
    ctx.runtime.metrics.record_unlocks(u.reward.reward_type for u in unlocked if u.fresh)
    return ActivityResult(unlocked, facts)


def _answer(ctx: Context, user_id: int, result: ActivityResult) -> Trusted:
    return Trusted(
        ActivityResponse,
        {"unlocked": unlocked_views(result.unlocked, ctx.language), "facts": facts_view_fields(user_id, result.facts)},
    )


async def report_event(ctx: Context, user_id: int, request: EventRequest) -> Trusted:
    """Count one event (once per event_id) and answer the rewards it unlocked, with the user's facts."""
    event = request.root
    cache = ctx.runtime.catalogue
    catalog = await (cache.knowing_counter(event.counter) if isinstance(event, CounterEvent) else cache.active())
    result = await record_activity(user_id, event_change(event, catalog.counters), catalog, ctx, EventMark.of(event))
    return _answer(ctx, user_id, result)


async def set_facts(ctx: Context, user_id: int, update: FactsUpdate) -> Trusted:
    """Set absolute facts (for bots that keep the numbers) and answer the rewards unlocked."""
    catalog = await ctx.runtime.catalogue.active()
    result = await record_activity(user_id, update_change(update.assignments()), catalog, ctx)
    return _answer(ctx, user_id, result)
