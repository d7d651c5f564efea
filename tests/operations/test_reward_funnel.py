"""A reward's funnel: states counted as a read would apply them, grants and revocations from the ledger, unlocks per day."""

from datetime import date

from service.operations.reward_funnel import days_back, reward_funnel
from tests.support.api import claim, create_reward, send_event
from tests.support.environment import ADMIN
from tests.support.feed import relay_all

DAYS = 7


async def _unlock(client, user_id: int) -> None:
    assert [r["slug"] for r in (await send_event(client, user_id, f"r-{user_id}", "reaction"))["unlocked"]] == [
        "funnel",
        "other",
    ]


async def _history(client, clock) -> None:
    """Users 1-3 unlock on day one (1 claims, 2 claims and is revoked, 3 lets the hour pass); user 4 unlocks a day later."""
    await create_reward(client, slug="funnel", claim_window_hours=1, conditions=[{"condition_type": "first_reaction"}])
    await create_reward(client, slug="other", conditions=[{"condition_type": "first_reaction"}])
    for user_id in (1, 2, 3):
        await _unlock(client, user_id)
    assert (await claim(client, 1, "funnel"))[0] == 200
    status, grant = await claim(client, 2, "funnel")
    assert status == 200
    revoked = await client.post(f"/v1/grants/{grant['grant_id']}/revoke", json={"reason": "refund"}, headers=ADMIN)
    assert revoked.status == 200
    clock.advance(days=1)
    await _unlock(client, 4)
    await relay_all(clock)


async def test_the_funnel_counts_each_users_state_and_the_ledger(client, clock):
    await _history(client, clock)
    funnel = await reward_funnel("funnel", clock(), DAYS)
    # User 3's window closed without a claim: expired, though its stored status still says unlocked.
    assert (funnel.unlocked_now, funnel.claimed, funnel.expired) == (1, 2, 1)
    assert (funnel.granted, funnel.revoked) == (2, 1)


async def test_unlocks_per_day_come_from_the_feed_one_bar_per_day_kept(client, clock):
    await _history(client, clock)
    funnel = await reward_funnel("funnel", clock(), DAYS)
    assert len(funnel.unlocks_per_day) == DAYS
    assert [unlocks for _, unlocks in funnel.unlocks_per_day[-2:]] == [3, 1]
    assert sum(unlocks for _, unlocks in funnel.unlocks_per_day) == 4  # the other reward's unlocks are not counted
    assert funnel.unlocks_per_day[-1][0] == clock().date()


async def test_a_reward_nobody_reached_has_an_empty_funnel(client, clock):
    await create_reward(client, slug="funnel")
    funnel = await reward_funnel("funnel", clock(), DAYS)
    assert (funnel.unlocked_now, funnel.claimed, funnel.expired, funnel.granted, funnel.revoked) == (0, 0, 0, 0, 0)
    assert {unlocks for _, unlocks in funnel.unlocks_per_day} == {0}


def test_days_back_lists_every_day_oldest_first_with_zero_for_days_without_unlocks():
    assert days_back(date(2025, 3, 2), 3, {"2025-03-01": 5}) == [
        (date(2025, 2, 28), 0),
        (date(2025, 3, 1), 5),
        (date(2025, 3, 2), 0),
    ]
