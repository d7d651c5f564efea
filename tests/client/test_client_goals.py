"""The client against the real service for community goals: the bot reads a goal's progress and a user's share,
claims the reward reaching the target unlocked and reads the feed's `goal_reached`; admins declare goals and change
them; each refusal is raised as its own class."""

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from rewards_client import (
    Forbidden,
    GoalNotFound,
    GoalTaken,
    NotFound,
    PrizeNotAwarded,
    RewardsClient,
    ServiceUnavailable,
)
from rewards_contract.enums import RewardStatus
from rewards_contract.feed import FeedEntryType

from service.http.keys import RUNTIME
from service.usecases.goals import relay_goals
from tests.support.client_server import RunningService
from tests.support.factories import reward_payload
from tests.support.feed import relay_all

SLUG = "points-together"
REWARD = "hero"
TARGET = 100
MINIMUM = 10
AWARDED = [{"condition_type": "awarded"}]


def goal_definition(service: RunningService, **fields: Any) -> dict[str, Any]:
    """A goal of total_points open since yesterday for a week: 100 to reach, 10 for a user to get `hero`."""
    now = service.clock()
    return {
        "slug": SLUG,
        "name": "Points together",
        "counts": "total_points",
        "target": TARGET,
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=7),
        "reward": REWARD,
        "min_contribution": MINIMUM,
        **fields,
    }


async def declared(service: RunningService, admin: RewardsClient, **fields: Any) -> None:
    """The goal's reward (given only by the goal) and the goal, declared by an admin."""
    await admin.create_reward(reward_payload(slug=REWARD, conditions=AWARDED, reward_value={"amount": 300}))
    await admin.declare_goal(goal_definition(service, **fields))


async def points(bot: RewardsClient, user_id: int, amount: int) -> None:
    await bot.send_event(user_id, "points", event_id=f"points-{user_id}-{amount}", amount=amount)


async def relayed(service: RunningService) -> None:
    """One pass of the goal relay, as the job runs it every REWARDS_GOAL_RELAY_SECONDS (the job is off in tests)."""
    await relay_goals(service.app[RUNTIME])


# --- reading ---------------------------------------------------------------------------------------


async def test_admin_declares_a_goal_and_the_bot_reads_it_with_no_progress_yet(service, admin, bot):
    await declared(service, admin)
    [listed] = (await bot.list_goals()).goals
    read = await bot.goal(SLUG)
    assert listed == read
    assert (read.slug, read.counts, read.target, read.reward) == (SLUG, "total_points", TARGET, REWARD)
    assert (read.total, read.share, read.contributors, read.reached_at) == (0, 0.0, 0, None)


async def test_the_total_moves_with_the_relay_while_a_users_share_is_exact_at_once(service, admin, bot):
    await declared(service, admin)
    await points(bot, 1, 30)
    await points(bot, 2, 5)
    await points(bot, 1, 10)
    assert (await bot.goal(SLUG)).total == 0  # the relay has not run yet
    mine = await bot.contribution(SLUG, 1)
    assert (mine.goal, mine.user_id, mine.amount, mine.qualifies) == (SLUG, 1, 40, True)

    await relayed(service)
    progress = await bot.goal(SLUG)
    assert (progress.total, progress.share, progress.contributors, progress.reached_at) == (45, 0.45, 2, None)
    below = await bot.contribution(SLUG, 2)
    assert (below.amount, below.qualifies) == (5, False)
    nothing = await bot.contribution(SLUG, 3)
    assert (nothing.amount, nothing.qualifies) == (0, False)


async def test_reaching_the_target_unlocks_the_reward_for_who_qualifies_and_the_bot_claims_it(service, admin, bot):
    await declared(service, admin)
    for user_id, amount in ((1, 60), (2, 45), (3, MINIMUM - 1)):
        await points(bot, user_id, amount)
    await relayed(service)

    reached = await bot.goal(SLUG)
    assert (reached.total, reached.share) == (114, 1.0)  # the share is capped at the target
    assert reached.reached_at is not None
    statuses = {user_id: (await bot.user_reward(user_id, REWARD)).status for user_id in (1, 2, 3)}
    assert statuses == {1: RewardStatus.UNLOCKED, 2: RewardStatus.UNLOCKED, 3: RewardStatus.LOCKED}
    grant = await bot.claim(1, REWARD)
    assert (grant.reward, grant.reward_value) == (REWARD, {"amount": 300})


async def test_the_feed_announces_the_goal_reached_with_no_user_and_no_reward(service, admin, bot):
    await declared(service, admin)
    await points(bot, 1, 70)
    await points(bot, 2, 40)
    await relayed(service)
    await relay_all(service.clock)

    entries = [entry async for entry in bot.feed(follow=False)]
    [reached] = [entry for entry in entries if entry.type is FeedEntryType.GOAL_REACHED]
    assert (reached.user_id, reached.reward_slug) == (None, None)
    assert reached.data == {"goal": SLUG, "target": TARGET, "total": 110}
    unlocks = [(e.user_id, e.reward_slug) for e in entries if e.type is FeedEntryType.REWARD_UNLOCKED]
    assert sorted(unlocks) == [(1, REWARD), (2, REWARD)]  # each contributor's reward is their own entry
    only = [entry async for entry in bot.feed(follow=False, types=[FeedEntryType.GOAL_REACHED])]
    assert [entry.id for entry in only] == [reached.id]


# --- managing --------------------------------------------------------------------------------------


async def test_admin_changes_a_goals_texts_and_the_bot_reads_them(service, admin, bot):
    await declared(service, admin)
    patched = await admin.patch_goal(SLUG, name="Everyone's points", description="Together to a hundred")
    assert (patched.name, patched.description, patched.target) == ("Everyone's points", "Together to a hundred", 100)
    assert (await bot.goal(SLUG)).name == "Everyone's points"
    assert (await admin.patch_goal(SLUG, description=None)).description is None


async def test_an_inactive_goal_counts_nothing_more(service, admin, bot):
    await declared(service, admin)
    assert (await admin.patch_goal(SLUG, is_active=False)).is_active is False
    await points(bot, 1, 500)
    await relayed(service)
    assert (await bot.goal(SLUG)).total == 0


async def test_a_declaration_whose_answer_was_lost_is_not_sent_again_and_the_goal_is_there(service, admin, bot):
    await admin.create_reward(reward_payload(slug=REWARD, conditions=AWARDED))
    service.faults.spoil("POST", "/v1/goals", "503")
    with pytest.raises(ServiceUnavailable):
        await admin.declare_goal(goal_definition(service))
    assert service.faults.count("POST", "/v1/goals") == 1  # a declaration is repeated only if never sent
    assert (await bot.goal(SLUG)).slug == SLUG


# --- refusals --------------------------------------------------------------------------------------


async def test_an_unknown_goal_raises_goal_not_found_and_is_not_retried(service, admin, bot):
    with pytest.raises(GoalNotFound) as caught:
        await bot.goal("nowhere")
    assert (caught.value.status, caught.value.code) == (404, "goal_not_found")
    assert isinstance(caught.value, NotFound)
    assert service.faults.count("GET", "/v1/goals/nowhere") == 1
    with pytest.raises(GoalNotFound):
        await bot.contribution("nowhere", 1)
    with pytest.raises(GoalNotFound):
        await admin.patch_goal("nowhere", name="Nowhere")


async def test_declaring_a_taken_slug_raises_goal_taken(service, admin):
    await declared(service, admin)
    with pytest.raises(GoalTaken) as caught:
        await admin.declare_goal(goal_definition(service, target=500))
    assert (caught.value.status, caught.value.code) == (409, "goal_taken")
    assert service.faults.count("POST", "/v1/goals") == 2  # a refusal is never retried


async def test_a_reward_that_events_could_unlock_raises_prize_not_awarded(service, admin):
    await admin.create_reward(
        reward_payload(slug="earned", conditions=[{"condition_type": "total_points", "value": 5}])
    )
    with pytest.raises(PrizeNotAwarded) as caught:
        await admin.declare_goal(goal_definition(service, reward="earned"))
    assert [d["field"] for d in caught.value.details or []] == ["reward"]
    assert (await admin.list_goals()).goals == []


async def test_only_an_admin_declares_a_goal(service, admin, bot):
    await admin.create_reward(reward_payload(slug=REWARD, conditions=AWARDED))
    with pytest.raises(Forbidden):
        await bot.declare_goal(goal_definition(service))
    assert (await admin.list_goals()).goals == []


@pytest.mark.parametrize(
    "call",
    [
        lambda bot, service: bot.declare_goal(goal_definition(service, target=0)),
        lambda bot, service: bot.declare_goal(goal_definition(service, ends_at=service.clock() - timedelta(days=1))),
        lambda bot, service: bot.declare_goal(goal_definition(service, shards=4)),  # not the definition's
        lambda bot, service: bot.patch_goal(SLUG),  # nothing to change
        lambda bot, service: bot.patch_goal(SLUG, target=50),  # what a goal counts to never changes
        lambda bot, service: bot.goal("Not/A slug"),
        lambda bot, service: bot.contribution(SLUG, 0),
    ],
    ids=[
        "target-zero",
        "ends-before-it-starts",
        "unknown-field",
        "patch-of-nothing",
        "patch-of-the-target",
        "malformed-slug",
        "user-id-zero",
    ],
)
async def test_what_the_service_would_refuse_is_refused_before_sending(service, bot, call: Any):
    with pytest.raises(ValidationError):
        await call(bot, service)
    assert [seen.path for seen in service.faults.seen] == []
