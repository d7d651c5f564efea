"""Community goals: admins declare them; events add to them; the bot reads a goal's progress and one user's share.

A goal is part of the active catalogue (its cache holds the active goals), so an event learns which
goals it feeds without a read. The totals move through the goal relay (`relay_goals`), a few
moments after the events; a user's own contribution is exact at once (their facts document).
"""

from datetime import datetime, timedelta
from typing import Any

from rewards_contract.goals import ContributionView, GoalDefinition, GoalList, GoalView

from documents import CommunityGoal
from service.engine.board_admission import BoardSnapshot
from service.engine.catalogue import ActiveRewards
from service.engine.goal_admission import admit_goal
from service.engine.goals import award_marker, share_of
from service.operations import goals, rewards
from service.operations.catalogue_lock import catalogue_change
from service.operations.evaluation import give_awards
from service.usecases.catalogue import changed
from service.usecases.context import Context
from service.usecases.runtime import Runtime

# Contributors rewarded per goal and relay pass at most (the next pass goes on).
REWARDED_PER_PASS = 500
# How long after a goal's window the relay still looks for contributors to reward: increments made
# in the window and relayed after it (the relay trails events by seconds) still count.
REWARD_TAIL = timedelta(days=1)


def _view(goal: CommunityGoal, total: int, contributors: int, shown: ActiveRewards | None) -> GoalView:
    """The goal with its progress; with `shown` (the bot's catalogue), its reward as the bot may see it.

    The bot never learns what a secret reward is before its user unlocks it, not even from a goal:
    a secret reward shows by its hint's id, as the catalogue names it, and an inactive one not at all.
    """
    fields = goal.model_dump(exclude={"id", "revision_id", "feed_outbox", "shards"})
    if shown is not None:
        fields["reward"] = shown.named_for_bot(goal.reward)
    return GoalView.model_validate(
        {**fields, "total": total, "share": share_of(total, goal.target), "contributors": contributors}
    )


async def _shown(ctx: Context) -> ActiveRewards | None:
    return None if ctx.is_admin else await ctx.runtime.catalogue.active()


async def _answer(ctx: Context, goal: CommunityGoal) -> GoalView:
    total, contributors = (await goals.progress([goal.slug]))[goal.slug]
    return _view(goal, total, contributors, await _shown(ctx))


async def declare_goal(ctx: Context, definition: GoalDefinition) -> GoalView:
    """Declare a goal: events within its window add to it from now on."""
    async with catalogue_change(ctx.now):
        reward = await rewards.condition_types([definition.reward])
        admit_goal(definition, BoardSnapshot(await rewards.stored_counter_kinds(), reward))
        goal = await goals.insert_goal(definition, ctx.runtime.settings.goal_shards, ctx.now)
    await changed(ctx)
    return _view(goal, 0, 0, await _shown(ctx))


async def list_goals(ctx: Context) -> GoalList:
    stored = await goals.list_goals()
    sums = await goals.progress([goal.slug for goal in stored]) if stored else {}
    shown = await _shown(ctx)
    return GoalList(goals=[_view(goal, *sums[goal.slug], shown) for goal in stored])


async def get_goal(ctx: Context, slug: str) -> GoalView:
    """A goal with its progress: two reads (the goal, the sum of its shards)."""
    return await _answer(ctx, await goals.get_goal(slug))


async def patch_goal(ctx: Context, slug: str, fields: dict[str, Any]) -> GoalView:
    """Change a goal's texts or activity; what it counts, its target, window and reward never change."""
    async with catalogue_change(ctx.now):
        goal = await goals.patch_goal(slug, fields, ctx.now)
    await changed(ctx)
    return await _answer(ctx, goal)


async def user_contribution(ctx: Context, slug: str, user_id: int) -> ContributionView:
    """One user's own contribution, exact (one read of their facts when the goal is active)."""
    catalog = await ctx.runtime.catalogue.active()
    active = next((goal for goal in catalog.goals if goal.slug == slug), None)
    minimum = active.min_contribution if active is not None else (await goals.get_goal(slug)).min_contribution
    amount = await goals.contribution(user_id, slug)
    return ContributionView(goal=slug, user_id=user_id, amount=amount, qualifies=amount >= minimum)


async def relay_goals(runtime: Runtime) -> tuple[int, int]:
    """One pass of the goal relay: add the waiting increments, mark goals reached, reward who qualifies.

    Answers (increments relayed, contributors rewarded). Increments left by a goal made inactive since
    wait in the outbox until some goal is active again, and are then added (its total, not its reward).
    """
    now = runtime.clock()
    catalog = await runtime.catalogue.active()
    if not catalog.goals:
        # No active goal: no event adds to one, and an inactive goal counts nothing more. No read.
        return 0, 0
    waiting = await goals.waiting_increments()
    moved = await goals.relay_increments(waiting, now) if waiting else set()
    if moved:
        await _mark_reached(catalog, moved, now)
    rewarded = await _reward_contributors(catalog, now)
    return sum(len(doc.get("goal_outbox") or []) for doc in waiting), rewarded


async def _mark_reached(catalog: ActiveRewards, moved: set[str], now: datetime) -> None:
    active = {goal.slug: goal for goal in catalog.goals if goal.slug in moved}
    if not active:
        return
    for slug, (total, _) in (await goals.progress(list(active))).items():
        if total >= active[slug].target:
            await goals.mark_reached(slug, total, active[slug].target, now)


async def _reward_contributors(catalog: ActiveRewards, now: datetime) -> int:
    """Unlock the reward of every reached goal for its contributors who qualify, each once (marked `goal:<slug>`)."""
    rewarded = 0
    for goal in await goals.reached_goals(ended_after=now - REWARD_TAIL):
        reward = catalog.by_slug.get(goal.reward)
        if reward is None:
            continue  # not an active reward (any more): nothing to give
        users = await goals.contributors_to_reward(goal.slug, goal.min_contribution, REWARDED_PER_PASS)
        if not users:
            continue
        given = await give_awards([(user_id, reward) for user_id in users], award_marker(goal.slug), now)
        done = [user_id for user_id in users if (user_id, reward.id) in given]
        await goals.mark_rewarded(goal.slug, done)
        rewarded += len(done)
    return rewarded
