"""Counted in a window: what events added over the last N UTC days, today included; PUT /facts sets totals, not history."""

from datetime import timedelta

from service.db import collections
from tests.support.api import claim, count, create_reward, declare_counter, send_event, set_facts, user_rewards
from tests.support.stored import stored_one

USER = 31


def window(counter: str, value: int, days: int) -> list[dict]:
    return [{"condition_type": "counter_in_window", "counter": counter, "value": value, "window_days": days}]


async def _purchase(client, clock, event_id: str, user: int = USER) -> dict:
    return await send_event(client, user, event_id, "purchase", amount=10)


async def test_three_purchases_within_seven_days_unlock_and_three_spread_wider_do_not(client, clock):
    await create_reward(client, slug="busy-week", conditions=window("purchases_count", 3, 7), claim_window_hours=24)
    start = clock.now
    for day in (0, 3, 6):  # today and the 6 days before it hold all three
        clock.now = start.replace(hour=12) + timedelta(days=day)
        answer = await _purchase(client, clock, f"a-{day}")
    assert [u["slug"] for u in answer["unlocked"]] == ["busy-week"]
    for day in (0, 4, 11):  # on day 11 the window starts on day 5: one purchase in it
        clock.now = start.replace(hour=12) + timedelta(days=day)
        answer = await _purchase(client, clock, f"b-{day}", user=USER + 1)
    assert answer["unlocked"] == []


async def test_progress_says_how_many_counted_in_how_many_days(client, clock):
    await create_reward(client, slug="busy-week", conditions=window("purchases_count", 5, 7))
    await _purchase(client, clock, "p1")
    await _purchase(client, clock, "p2")
    [progress] = (await user_rewards(client, USER))["busy-week"]["progress"]
    assert (progress["current"], progress["target"], progress["window_days"], progress["counter"]) == (
        2,
        5,
        7,
        "purchases_count",
    )


async def test_a_facts_update_sets_totals_but_counts_nothing_toward_a_window(client, clock):
    await create_reward(client, slug="busy-week", conditions=window("purchases_count", 3, 7))
    assert (await set_facts(client, USER, purchases_count=50))["unlocked"] == []
    [progress] = (await user_rewards(client, USER))["busy-week"]["progress"]
    assert progress["current"] == 0


async def test_a_declared_count_counter_is_counted_per_day_too(client, clock):
    await declare_counter(client, "messages_sent")
    await create_reward(client, slug="talkative", conditions=window("messages_sent", 10, 1))
    assert (await count(client, USER, "m1", "messages_sent", amount=6))["unlocked"] == []
    clock.advance(days=1)  # yesterday's six no longer count in a one-day window
    assert (await count(client, USER, "m2", "messages_sent", amount=6))["unlocked"] == []
    assert [u["slug"] for u in (await count(client, USER, "m3", "messages_sent", amount=4))["unlocked"]] == [
        "talkative"
    ]


async def test_the_stored_days_never_outgrow_the_longest_window_in_use(client, clock):
    await create_reward(client, slug="busy-week", conditions=window("purchases_count", 1000, 7))
    for day in range(20):
        await _purchase(client, clock, f"p-{day}")
        clock.advance(days=1)
    stored = await stored_one(collections.user_facts(), {"user_id": USER})
    days = [bucket["d"] for bucket in stored["days"]["purchases_count"]]
    assert len(days) == 7
    assert days == sorted(days)
    assert max(days) - min(days) == 6


async def test_an_unlock_stays_unlocked_once_its_window_moved_on(client, clock):
    await create_reward(client, slug="busy-day", conditions=window("purchases_count", 2, 1), claim_window_hours=24 * 30)
    await _purchase(client, clock, "p1")
    await _purchase(client, clock, "p2")
    clock.advance(days=10)
    assert (await user_rewards(client, USER))["busy-day"]["status"] == "unlocked"


async def test_a_repeatable_reward_reopens_only_on_what_came_after_its_last_claim(client, clock):
    await create_reward(client, slug="twice", conditions=window("purchases_count", 2, 7), is_repeatable=True)
    await _purchase(client, clock, "p1")
    assert [u["slug"] for u in (await _purchase(client, clock, "p2"))["unlocked"]] == ["twice"]
    assert (await claim(client, USER, "twice"))[0] == 200
    # The rolling sum is 3 now, above the value, but only one purchase came after the claim.
    assert (await _purchase(client, clock, "p3"))["unlocked"] == []
    assert (await user_rewards(client, USER))["twice"]["status"] == "claimed"
    clock.advance(days=1)
    assert [u["slug"] for u in (await _purchase(client, clock, "p4"))["unlocked"]] == ["twice"]
