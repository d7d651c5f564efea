"""A user the service has never seen, reached by many requests at once.

The first writes for a new user race on unique indexes (`user_facts.user_id`,
`idempotency_keys.key`). The loser gets a DuplicateKeyError, and a real server may show it the
winner's document only later. Nothing here may answer a 500, count twice, or lose a count.
"""

import asyncio
from typing import Any

import pytest

from documents import IdempotencyRecord, UserFacts
from service.db import collections
from service.operations import retries as races
from tests.support.api import claim, create_reward, user_rewards
from tests.support.environment import BOT
from tests.support.stored import stored_one
from tests.support.visibility import UpsertAnswersNothingOnce, WinnerNotVisibleYet

NEW_USER = 7007
POINTS_10 = [{"condition_type": "total_points", "value": 10}]


async def stored_facts(user_id: int = NEW_USER) -> dict[str, Any]:
    return await stored_one(collections.user_facts(), {"user_id": user_id})


async def post_event(client: Any, event_id: str, amount: int) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        f"/v1/users/{NEW_USER}/events", json={"event_id": event_id, "type": "points", "amount": amount}, headers=BOT
    )
    return response.status, await response.json()


async def put_facts(client: Any, **facts: Any) -> tuple[int, dict[str, Any]]:
    response = await client.put(f"/v1/users/{NEW_USER}/facts", json=facts, headers=BOT)
    return response.status, await response.json()


async def test_concurrent_first_events_of_a_new_user_are_each_counted_once(client):
    await create_reward(client, slug="ten", conditions=POINTS_10)
    answers = await asyncio.gather(*(post_event(client, f"first-{i}", i + 1) for i in range(30)))
    assert [status for status, _ in answers] == [200] * 30
    assert (await stored_facts())["total_points"] == sum(range(1, 31))
    reported = [u["slug"] for _, body in answers for u in body["unlocked"]]
    assert reported == ["ten"]


async def test_concurrent_copies_of_a_new_users_first_event_count_it_once(client):
    answers = await asyncio.gather(*(post_event(client, "only", 7) for _ in range(15)))
    assert [status for status, _ in answers] == [200] * 15
    assert {body["facts"]["total_points"] for _, body in answers} == {7}
    assert (await stored_facts())["total_points"] == 7


async def test_concurrent_first_facts_puts_leave_one_of_them_stored(client):
    answers = await asyncio.gather(*(put_facts(client, level=level, total_points=level * 10) for level in range(2, 17)))
    assert [status for status, _ in answers] == [200] * 15
    stored = await stored_facts()
    assert stored["total_points"] == stored["level"] * 10  # one whole PUT won, none was half-applied
    assert await collections.user_facts().count_documents({"user_id": NEW_USER}) == 1


async def test_claims_racing_a_new_users_first_activity_never_fail_and_grant_at_most_once(client):
    await create_reward(client, slug="ten", conditions=POINTS_10)
    work = [post_event(client, f"e-{i}", 5) for i in range(10)]
    work += [put_facts(client, level=3) for _ in range(3)]
    work += [claim(client, NEW_USER, "ten", key=f"key-{i}") for i in range(8)]
    answers = await asyncio.gather(*work)
    statuses = [status for status, _ in answers]
    assert statuses[:13] == [200] * 13  # every event and facts PUT
    refusals = {body["error"]["code"] for status, body in answers if status == 409}
    assert refusals <= {"reward_locked", "already_claimed"}
    claims_granted = statuses[13:].count(200)
    assert claims_granted <= 1
    assert await collections.grants().count_documents({"user_id": NEW_USER}) == claims_granted
    final = await user_rewards(client, NEW_USER)
    assert final["ten"]["status"] in {"unlocked", "claimed"}


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(races, "FIRST_DELAY_SECONDS", 0.0)


async def test_an_event_whose_new_user_was_created_by_an_invisible_winner_is_counted_after_a_retry(
    client, monkeypatch, no_backoff
):
    real = collections.user_facts()

    async def winner(collection: Any) -> None:  # another request's first event for the same user
        theirs = UserFacts(user_id=NEW_USER, total_points=3, recent_event_ids=["theirs"])
        await collection.insert_one(theirs.model_dump(exclude={"id", "revision_id"}))

    racing = WinnerNotVisibleYet(real, winner, hidden=2)
    monkeypatch.setattr(collections, "user_facts", lambda: racing)
    status, body = await post_event(client, "mine", 4)
    monkeypatch.undo()
    assert status == 200, body
    assert body["facts"]["total_points"] == 7
    assert (await stored_facts())["recent_event_ids"] == ["theirs", "mine"]


async def test_a_winner_that_never_becomes_visible_answers_a_retryable_conflict_and_changes_nothing(
    client, monkeypatch, no_backoff
):
    async def winner(collection: Any) -> None:
        pass  # its write never shows

    racing = WinnerNotVisibleYet(collections.user_facts(), winner, hidden=races.ATTEMPTS * 2)
    monkeypatch.setattr(collections, "user_facts", lambda: racing)
    status, body = await post_event(client, "mine", 4)
    monkeypatch.undo()
    assert (status, body["error"]["code"]) == (409, "conflict")
    assert await collections.user_facts().find_one({"user_id": NEW_USER}) is None


async def test_a_key_reserved_by_an_invisible_concurrent_attempt_still_claims_exactly_once(
    client, monkeypatch, no_backoff
):
    await create_reward(client, slug="ten", conditions=POINTS_10)
    assert (await post_event(client, "unlock", 10))[0] == 200

    async def winner(collection: Any) -> None:  # a concurrent attempt with the same key, still running
        theirs = IdempotencyRecord(key="k", user_id=NEW_USER, reward_slug="ten")
        await collection.insert_one(theirs.model_dump(exclude={"id", "revision_id"}))

    racing = WinnerNotVisibleYet(collections.idempotency_records(), winner, hidden=1)
    monkeypatch.setattr(collections, "idempotency_records", lambda: racing)
    status, body = await claim(client, NEW_USER, "ten", key="k")
    monkeypatch.undo()
    assert status == 200, body
    assert await claim(client, NEW_USER, "ten", key="k") == (status, body)
    assert len(await collections.grants().find({"user_id": NEW_USER}).to_list(None)) == 1


async def test_a_key_reservation_that_never_becomes_visible_answers_a_retryable_conflict(
    client, monkeypatch, no_backoff
):
    await create_reward(client, slug="ten", conditions=POINTS_10)
    assert (await post_event(client, "unlock", 10))[0] == 200

    async def winner(collection: Any) -> None:
        pass

    racing = WinnerNotVisibleYet(collections.idempotency_records(), winner, hidden=races.ATTEMPTS * 2)
    monkeypatch.setattr(collections, "idempotency_records", lambda: racing)
    status, body = await claim(client, NEW_USER, "ten", key="k")
    monkeypatch.undo()
    assert (status, body["error"]["code"]) == (409, "conflict")
    assert await collections.grants().count_documents({"user_id": NEW_USER}) == 0


@pytest.mark.parametrize("request_kind", ["event", "facts PUT"])
async def test_an_upsert_that_answers_no_document_is_retried_without_counting_twice(
    client, monkeypatch, no_backoff, request_kind
):
    racing = UpsertAnswersNothingOnce(collections.user_facts())
    monkeypatch.setattr(collections, "user_facts", lambda: racing)
    if request_kind == "event":
        status, body = await post_event(client, "once", 4)
    else:
        status, body = await put_facts(client, total_points=4)
    monkeypatch.undo()
    assert racing.spent
    assert status == 200, body
    assert body["facts"]["total_points"] == 4
    assert (await stored_facts())["total_points"] == 4
