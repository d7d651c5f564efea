"""Claims you can trust: exactly once under concurrency, idempotent retries, expiry at the edge."""

import asyncio

from service.db import collections
from tests.support.api import (
    claim,
    create_reward,
    grants,
    send_event,
    set_facts,
    user_rewards,
)
from tests.support.environment import BOT
from tests.support.stored import stored_one

USER = 2002
POINTS_10 = [{"condition_type": "total_points", "value": 10}]


async def unlock(client, slug: str = "pts", **reward) -> None:
    await create_reward(client, slug=slug, conditions=POINTS_10, **reward)
    answer = await set_facts(client, USER, total_points=10)
    assert slug in [u["slug"] for u in answer["unlocked"]]


async def stored_grants(user_id: int = USER) -> list[dict]:
    return await collections.grants().find({"user_id": user_id}).to_list(None)


async def stored_state(slug: str, user_id: int = USER) -> dict:
    return await stored_one(collections.user_rewards(), {"user_id": user_id, "reward_slug": slug})


async def test_hundred_concurrent_claims_grant_exactly_once(client):
    await unlock(client)
    answers = await asyncio.gather(*(claim(client, USER, "pts") for _ in range(100)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * 99
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"already_claimed"}
    assert len(await stored_grants()) == 1
    assert (await stored_state("pts"))["claim_count"] == 1


async def test_twenty_concurrent_claims_with_one_key_get_one_identical_answer(client):
    await unlock(client)
    answers = await asyncio.gather(*(claim(client, USER, "pts", key="retry-1") for _ in range(20)))
    assert {status for status, _ in answers} == {200}
    assert all(body == answers[0][1] for _, body in answers)
    assert len(await stored_grants()) == 1


async def test_retry_with_same_key_after_success_replays_the_grant(client):
    await unlock(client)
    first = await claim(client, USER, "pts", key="k")
    assert await claim(client, USER, "pts", key="k") == first
    assert len(await stored_grants()) == 1


async def test_retry_with_same_key_replays_a_refusal_too(client):
    await create_reward(client, slug="pts", conditions=POINTS_10)
    status, body = await claim(client, USER, "pts", key="early")
    assert (status, body["error"]["code"]) == (409, "reward_locked")
    await set_facts(client, USER, total_points=10)
    assert await claim(client, USER, "pts", key="early") == (status, body)
    assert (await claim(client, USER, "pts", key="fresh"))[0] == 200


async def test_key_reused_for_another_reward_is_refused(client):
    await unlock(client)
    await create_reward(client, slug="other", conditions=[])
    assert (await claim(client, USER, "pts", key="shared"))[0] == 200
    status, body = await claim(client, USER, "other", key="shared")
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")


async def test_key_reused_for_another_user_is_refused(client):
    await unlock(client)
    assert (await claim(client, USER, "pts", key="shared"))[0] == 200
    status, body = await claim(client, USER + 1, "pts", key="shared")
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")


async def test_overlong_idempotency_key_is_rejected(client):
    await unlock(client)
    response = await client.post(f"/v1/users/{USER}/rewards/pts/claim", headers={**BOT, "Idempotency-Key": "k" * 256})
    assert response.status == 422
    assert len(await stored_grants()) == 0


async def test_claim_of_locked_reward_is_refused(client):
    await create_reward(client, slug="pts", conditions=POINTS_10)
    status, body = await claim(client, USER, "pts")
    assert (status, body["error"]["code"]) == (409, "reward_locked")


async def test_claim_of_unknown_reward_is_404(client):
    status, body = await claim(client, USER, "nope")
    assert (status, body["error"]["code"]) == (404, "reward_not_found")


async def test_claim_just_before_expiry_succeeds(client, clock):
    await unlock(client, claim_window_hours=2)
    clock.advance(hours=2, milliseconds=-1)
    assert (await claim(client, USER, "pts"))[0] == 200


async def test_claim_exactly_at_expiry_is_expired(client, clock):
    await unlock(client, claim_window_hours=2)
    clock.advance(hours=2)
    status, body = await claim(client, USER, "pts")
    assert (status, body["error"]["code"]) == (409, "claim_expired")
    assert await stored_grants() == []


async def test_listing_after_expiry_reports_and_stores_expired(client, clock):
    await unlock(client, claim_window_hours=1)
    clock.advance(hours=1, seconds=1)
    assert (await user_rewards(client, USER))["pts"]["status"] == "expired"
    assert (await stored_state("pts"))["status"] == "expired"


async def test_repeatable_reward_claimed_five_times_across_re_unlocks(client):
    await create_reward(client, slug="gift", is_repeatable=True, conditions=[{"condition_type": "first_daily_gift"}])
    for day in range(5):
        answer = await send_event(client, USER, f"gift-{day}", "daily_gift")
        assert [u["slug"] for u in answer["unlocked"]] == ["gift"]
        status, body = await claim(client, USER, "gift")
        assert (status, body["claim_number"]) == (200, day + 1)
        assert (await claim(client, USER, "gift"))[0] == 409  # no second claim without a re-unlock
    assert len({g["grant_id"] for g in await stored_grants()}) == 5
    state = await stored_state("gift")
    assert state["claim_count"] == 5
    assert state["last_claimed_at"] is not None


async def test_fifty_concurrent_purchases_count_exactly_and_unlock_once(client):
    await create_reward(client, slug="buyer", conditions=[{"condition_type": "first_purchase"}])
    await create_reward(client, slug="big-spender", conditions=[{"condition_type": "besitos_spent", "value": 500}])
    answers = await asyncio.gather(*(send_event(client, USER, f"buy-{i}", "purchase", amount=i + 1) for i in range(50)))
    facts = (await send_event(client, USER, "after", "reaction"))["facts"]
    assert facts["purchases_count"] == 50
    assert facts["besitos_spent"] == sum(range(1, 51))
    reported = [u["slug"] for answer in answers for u in answer["unlocked"]]
    assert sorted(reported) == ["big-spender", "buyer"]


async def test_concurrent_duplicate_events_count_once(client):
    answers = await asyncio.gather(*(send_event(client, USER, "same", "points", amount=7) for _ in range(10)))
    facts = (await send_event(client, USER, "later", "reaction"))["facts"]
    assert facts["total_points"] == 7
    assert all(a["facts"]["total_points"] == 7 for a in answers)


async def test_pending_grants_lists_oldest_first_and_ack_removes_them(client, clock):
    await create_reward(client, slug="a", sort_order=1, conditions=[])
    await create_reward(client, slug="b", sort_order=2, conditions=[])
    await set_facts(client, USER, level=2)
    first = (await claim(client, USER, "b"))[1]
    clock.advance(minutes=1)
    second = (await claim(client, USER, "a"))[1]
    pending = await grants(client, USER, pending=True)
    assert [g["grant_id"] for g in pending] == [first["grant_id"], second["grant_id"]]
    acked = await client.post(f"/v1/grants/{first['grant_id']}/ack", headers=BOT)
    assert acked.status == 200
    assert (await acked.json())["delivered_at"] is not None
    again = await client.post(f"/v1/grants/{first['grant_id']}/ack", headers=BOT)
    assert again.status == 200
    assert (await again.json())["delivered_at"] == (await acked.json())["delivered_at"]
    assert [g["grant_id"] for g in await grants(client, USER, pending=True)] == [second["grant_id"]]
    assert len(await grants(client, USER)) == 2


async def test_ack_of_unknown_grant_is_404(client):
    response = await client.post("/v1/grants/nope/ack", headers=BOT)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "grant_not_found"


async def test_badges_list_claimed_badge_rewards(client):
    await create_reward(
        client,
        slug="fire",
        reward_type="badge",
        reward_value={"badge_name": "On fire", "emoji": "🔥"},
        conditions=[],
    )
    await create_reward(client, slug="coins", conditions=[])
    await set_facts(client, USER, level=1)
    assert (await claim(client, USER, "fire"))[0] == 200
    assert (await claim(client, USER, "coins"))[0] == 200
    response = await client.get(f"/v1/users/{USER}/badges", headers=BOT)
    badges = (await response.json())["badges"]
    assert [(b["reward"], b["badge_name"], b["emoji"]) for b in badges] == [("fire", "On fire", "🔥")]


async def test_unrelated_activity_never_reopens_a_claimed_repeatable_reward(client):
    await create_reward(
        client, slug="streak", is_repeatable=True, conditions=[{"condition_type": "streak_length", "value": 7}]
    )
    await send_event(client, USER, "s7", "streak", value=7)
    assert (await claim(client, USER, "streak"))[0] == 200
    await send_event(client, USER, "r1", "reaction")
    await set_facts(client, USER, current_streak=7)  # the same value again
    status, body = await claim(client, USER, "streak")
    assert (status, body["error"]["code"]) == (409, "already_claimed")
    answer = await send_event(client, USER, "s8", "streak", value=8)
    assert [u["slug"] for u in answer["unlocked"]] == ["streak"]
    assert (await claim(client, USER, "streak"))[0] == 200
    assert len(await stored_grants()) == 2
