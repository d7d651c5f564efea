"""The activity feed through the real app: every change entered once, in order, behind a cursor."""

from datetime import timedelta

from service.db import collections
from tests.support.api import claim, create_reward, send_event, set_facts
from tests.support.environment import ADMIN, BOT
from tests.support.feed import feed_page, follow_to_the_end, relay_all
from tests.support.stored import stored_one

USER = 5005
REACTION = [{"condition_type": "first_reaction"}]


async def _unlocked_and_claimed(client, slug: str = "first-reaction", **reward) -> dict:
    await create_reward(client, slug=slug, conditions=REACTION, **reward)
    await send_event(client, USER, f"r-{slug}", "reaction")
    status, grant = await claim(client, USER, slug)
    assert status == 200, grant
    return grant


async def test_each_change_becomes_one_entry_in_the_order_it_was_entered(client, clock):
    grant = await _unlocked_and_claimed(client)
    clock.advance(seconds=1)
    assert (await client.post(f"/v1/grants/{grant['grant_id']}/ack", headers=BOT)).status == 200
    clock.advance(seconds=1)
    revoked = await client.post(f"/v1/grants/{grant['grant_id']}/revoke", json={"reason": "refund"}, headers=ADMIN)
    reversal = await revoked.json()
    await relay_all(clock)

    entries, _ = await follow_to_the_end(client)
    assert [(e["type"], e["reward_slug"], e["user_id"]) for e in entries] == [
        ("reward_unlocked", "first-reaction", USER),
        ("grant_created", "first-reaction", USER),
        ("grant_acked", "first-reaction", USER),
        ("grant_revoked", "first-reaction", USER),
    ]
    unlocked, created, acked, revocation = entries
    assert unlocked["data"]["expires_at"] is not None
    assert created["data"]["grant_id"] == grant["grant_id"]
    assert created["data"]["kind"] == "grant"
    assert acked["data"]["delivered_at"] is not None
    assert acked["data"]["reward_value"] == grant["reward_value"]
    assert revocation["data"]["grant_id"] == reversal["grant_id"]
    assert revocation["data"]["kind"] == "reversal"
    assert [int(e["cursor"]) for e in entries] == [1, 2, 3, 4]


async def test_repeated_requests_enter_nothing_new(client, clock):
    grant = await _unlocked_and_claimed(client)
    await send_event(client, USER, "r-first-reaction", "reaction")  # the same event again
    for _ in range(2):
        await client.post(f"/v1/grants/{grant['grant_id']}/ack", headers=BOT)
        await client.post(f"/v1/grants/{grant['grant_id']}/revoke", json={"reason": "refund"}, headers=ADMIN)
    await relay_all(clock)
    await relay_all(clock)  # a relay repeating itself enters nothing twice either
    entries, _ = await follow_to_the_end(client)
    assert sorted(e["type"] for e in entries) == ["grant_acked", "grant_created", "grant_revoked", "reward_unlocked"]


async def test_expiries_and_reminders_are_entered_by_the_sweep(client, clock):
    from service.operations.expiry import sweep

    await create_reward(client, slug="soon", conditions=REACTION, claim_window_hours=48)
    await create_reward(client, slug="short", conditions=REACTION, claim_window_hours=2)
    await send_event(client, USER, "r1", "reaction")
    clock.advance(hours=25)  # "soon" closes in 23 hours: remind; "short" closed: expire, never reminded
    result = await sweep(clock(), timedelta(hours=24))
    assert (result.expired, result.reminded) == (1, 1)
    assert (await sweep(clock(), timedelta(hours=24))).reminded == 0  # once per unlock
    await relay_all(clock)
    entries, _ = await follow_to_the_end(client)
    kinds = [(e["type"], e["reward_slug"]) for e in entries if e["type"] != "reward_unlocked"]
    assert sorted(kinds) == [("reward_expired", "short"), ("reward_expiring", "soon")]


async def test_a_claimed_reward_gets_no_reminder(client, clock):
    from service.operations.expiry import sweep

    await _unlocked_and_claimed(client, claim_window_hours=48)
    clock.advance(hours=30)
    assert (await sweep(clock(), timedelta(hours=24))).reminded == 0


async def test_types_filter_the_answer_and_the_cursor_moves_past_the_rest(client, clock):
    await _unlocked_and_claimed(client)
    await relay_all(clock)
    page = await feed_page(client, types="grant_created")
    assert [e["type"] for e in page["entries"]] == ["grant_created"]
    assert page["next"] == "2"  # past the unlock it did not answer, too
    assert (await feed_page(client, after=page["next"]))["entries"] == []


async def test_pages_follow_the_cursor_and_stay_put_when_nothing_is_new(client, clock):
    for user in range(1, 6):
        await set_facts(client, user, total_points=1)
    await create_reward(client, slug="points", conditions=[{"condition_type": "total_points", "value": 1}])
    for user in range(1, 6):
        await set_facts(client, user, total_points=2)
    await relay_all(clock)
    first = await feed_page(client, limit=2)
    second = await feed_page(client, after=first["next"], limit=2)
    assert [e["cursor"] for e in first["entries"] + second["entries"]] == ["1", "2", "3", "4"]
    last = await feed_page(client, after="5")
    assert (last["entries"], last["next"]) == ([], "5")


async def test_a_reader_stops_at_an_entry_not_visible_yet_instead_of_skipping_it(client, clock):
    """Numbers 1, 2 and 4 are visible, 3 is not yet: the page ends at 2 and 3 is read once visible."""
    await _unlocked_and_claimed(client)
    await create_reward(client, slug="second", conditions=REACTION)
    await send_event(client, USER + 1, "r2", "reaction")
    await relay_all(clock)
    third = await collections.feed().find_one_and_delete({"seq": 3})
    page = await feed_page(client, after="0")
    assert [e["cursor"] for e in page["entries"]] == ["1", "2"]
    assert page["next"] == "2"
    await collections.feed().insert_one(third)
    assert [e["cursor"] for e in (await feed_page(client, after="2"))["entries"]] == ["3", "4"]


async def test_a_cursor_whose_entries_were_deleted_by_retention_is_410(client, clock):
    await _unlocked_and_claimed(client)
    await create_reward(client, slug="second", conditions=REACTION)
    await send_event(client, USER + 1, "r2", "reaction")
    await relay_all(clock)
    await collections.feed().delete_many({"seq": {"$lte": 2}})  # what the TTL index does after the retention
    response = await client.get("/v1/feed", params={"after": "1"}, headers=BOT)
    assert response.status == 410
    assert (await response.json())["error"]["code"] == "cursor_expired"
    assert [e["cursor"] for e in (await feed_page(client))["entries"]] == ["3", "4"]  # no cursor: the oldest kept


async def test_entries_expire_after_the_retention(client, clock):
    await _unlocked_and_claimed(client)
    await relay_all(clock)
    stored = await stored_one(collections.feed(), {"seq": 1})
    assert stored["expires_at"] - stored["created_at"] == timedelta(days=7)


async def test_bad_feed_queries_are_validation_errors(client):
    for query in ({"after": "-1"}, {"after": "x"}, {"limit": "0"}, {"limit": "501"}, {"types": "nope"}):
        response = await client.get("/v1/feed", params=query, headers=BOT)
        assert response.status == 422, query
        assert (await response.json())["error"]["code"] == "validation_error"
    assert (await client.get("/v1/feed")).status == 401


async def _feed_error(client, after: str) -> tuple[int, dict]:
    response = await client.get("/v1/feed", params={"after": after}, headers=BOT)
    return response.status, (await response.json())["error"]


async def test_a_cursor_beyond_the_newest_entry_is_400_and_names_the_newest_cursor(client, clock):
    """A follower keeping cursor 9 while the feed ends at 2 would later skip entries 3 to 9."""
    await _unlocked_and_claimed(client)
    await relay_all(clock)
    _, newest = await follow_to_the_end(client)
    status, error = await _feed_error(client, str(int(newest) + 7))
    assert (status, error["code"]) == (400, "cursor_ahead")
    assert f"is {newest}" in error["message"]
    at_the_head = await feed_page(client, after=newest)
    assert (at_the_head["entries"], at_the_head["next"]) == ([], newest)


async def test_an_entry_stored_before_the_counter_counts_as_the_newest(client, clock):
    """The relay writes the counter after the entry: a cursor of that entry is valid in between."""
    await _unlocked_and_claimed(client)
    await relay_all(clock)
    newest = await stored_one(collections.feed(), {}, sort=[("seq", -1)])
    early = {key: value for key, value in newest.items() if key != "_id"}
    early.update(seq=newest["seq"] + 1, entry_id="not-counted-yet")
    await collections.feed().insert_one(early)
    page = await feed_page(client, after=str(newest["seq"] + 1))
    assert (page["entries"], page["next"]) == ([], str(newest["seq"] + 1))
    assert (await _feed_error(client, str(newest["seq"] + 2)))[1]["code"] == "cursor_ahead"


async def test_once_retention_emptied_the_feed_the_counter_decides(client, clock):
    await _unlocked_and_claimed(client)
    await relay_all(clock)
    _, last = await follow_to_the_end(client)
    await collections.feed().delete_many({})  # what the TTL index does after the retention
    assert (await feed_page(client, after=last))["entries"] == []
    assert (await _feed_error(client, str(int(last) + 1)))[1]["code"] == "cursor_ahead"
