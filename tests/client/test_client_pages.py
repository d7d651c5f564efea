"""The client reads a user's rewards by the page, walks every page, reads one reward, and pages the catalogue."""

import pytest
from rewards_client import RewardNotFound
from rewards_contract.enums import RewardStatus, RewardType

from tests.support.factories import reward_payload

USER = 6110
REACTION = [{"condition_type": "first_reaction"}]
FAR = [{"condition_type": "total_points", "value": 1_000_000}]


async def _catalogue(admin) -> None:
    for number in range(5):
        await admin.create_reward(reward_payload(slug=f"near-{number}", sort_order=number, conditions=REACTION))
    for number in range(3):
        await admin.create_reward(reward_payload(slug=f"far-{number}", sort_order=10 + number, conditions=FAR))
    badge = {"badge_name": "Owl", "emoji": "🦉"}
    await admin.create_reward(
        reward_payload(slug="owl", sort_order=20, reward_type="badge", reward_value=badge, conditions=FAR)
    )


async def test_a_page_of_what_the_user_can_claim_with_the_whole_lists_counts(service, admin, bot):
    await _catalogue(admin)
    await bot.send_event(USER, "reaction", event_id="r1")
    first = await bot.list_rewards(USER, status=RewardStatus.UNLOCKED, limit=2)
    assert [r.slug for r in first.rewards] == ["near-0", "near-1"]
    assert (first.counts.unlocked, first.counts.locked) == (5, 4)
    second = await bot.list_rewards(USER, status="unlocked", limit=2, cursor=first.next_cursor)
    assert [r.slug for r in second.rewards] == ["near-2", "near-3"]


async def test_iter_rewards_walks_every_page_once(service, admin, bot):
    await _catalogue(admin)
    whole = [r.slug for r in (await bot.list_rewards(USER)).rewards]
    assert [r.slug async for r in bot.iter_rewards(USER, page_size=3)] == whole
    locked_badges = [
        r.slug async for r in bot.iter_rewards(USER, page_size=1, status=["locked"], types=[RewardType.BADGE])
    ]
    assert locked_badges == ["owl"]


async def test_one_reward_of_the_user_and_one_it_may_not_see(service, admin, bot):
    await _catalogue(admin)
    await bot.send_event(USER, "reaction", event_id="r1")
    one = await bot.user_reward(USER, "near-4")
    assert (one.slug, one.status) == ("near-4", RewardStatus.UNLOCKED)
    with pytest.raises(RewardNotFound):
        await bot.user_reward(USER, "no-such-reward")


async def test_the_catalogue_by_the_page(service, admin, bot):
    await _catalogue(admin)
    first = await bot.list_catalogue(limit=4)
    rest = await bot.list_catalogue(limit=100, cursor=first.next_cursor)
    assert [r.slug for r in first.rewards + rest.rewards] == [r.slug for r in (await bot.list_catalogue()).rewards]
    assert rest.next_cursor is None
