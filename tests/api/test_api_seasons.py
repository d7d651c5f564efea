"""Seasonal rewards through the real app: set by admins, listed with their availability, unlocked only in season."""

from datetime import datetime, timedelta

import pytest

from tests.support.api import claim, create_reward, send_event, user_rewards
from tests.support.environment import ADMIN, BOT
from tests.support.factories import reward_payload

USER = 3003
STREAK_3 = [{"condition_type": "streak_length", "value": 3}]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def _streak_of_3(client, user_id: int = USER) -> dict:
    return await send_event(client, user_id, "streak-3", "streak", value=3)


async def _seasonal(client, clock, slug: str, starts_in: timedelta | None, ends_in: timedelta | None, **more):
    bounds = {}
    if starts_in is not None:
        bounds["available_from"] = _iso(clock.now + starts_in)
    if ends_in is not None:
        bounds["available_until"] = _iso(clock.now + ends_in)
    return await create_reward(client, slug=slug, conditions=STREAK_3, **bounds, **more)


async def test_admin_sets_a_season_and_gets_it_back_with_its_availability(client, clock):
    body = await _seasonal(client, clock, "winter", timedelta(days=1), timedelta(days=10))
    assert _at(body["available_from"]) == clock.now + timedelta(days=1)
    assert _at(body["available_until"]) == clock.now + timedelta(days=10)
    assert body["availability"] == "upcoming"


async def test_a_reward_without_a_season_is_open_with_null_bounds(client):
    body = await create_reward(client, slug="always")
    assert (body["available_from"], body["available_until"], body["availability"]) == (None, None, "open")


@pytest.mark.parametrize("until_offset", [timedelta(0), timedelta(days=-1)])
async def test_a_season_ending_before_it_starts_is_a_validation_error_and_creates_nothing(client, clock, until_offset):
    start = clock.now + timedelta(days=2)
    payload = reward_payload(slug="backwards", available_from=_iso(start), available_until=_iso(start + until_offset))
    response = await client.post("/v1/rewards", json=payload, headers=ADMIN)
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "validation_error"
    assert (await client.get("/v1/rewards/backwards", headers=ADMIN)).status == 404


async def test_a_naive_season_bound_is_a_validation_error(client):
    payload = reward_payload(slug="naive", available_from="2026-12-01T00:00:00")
    response = await client.post("/v1/rewards", json=payload, headers=ADMIN)
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "available_from"


async def test_a_patch_putting_the_season_out_of_order_is_refused_and_changes_nothing(client, clock):
    before = await _seasonal(client, clock, "patched", timedelta(days=1), timedelta(days=10))
    late_start = {"available_from": _iso(clock.now + timedelta(days=11))}
    response = await client.patch("/v1/rewards/patched", json=late_start, headers=ADMIN)
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "validation_error"
    after = await (await client.get("/v1/rewards/patched", headers=ADMIN)).json()
    assert after == before


async def test_a_patch_can_move_and_clear_a_season(client, clock):
    await _seasonal(client, clock, "moved", timedelta(days=1), timedelta(days=10))
    response = await client.patch("/v1/rewards/moved", json={"available_from": None}, headers=ADMIN)
    assert response.status == 200
    body = await response.json()
    assert (body["available_from"], body["availability"]) == (None, "open")


async def test_the_bots_catalogue_lists_upcoming_open_and_ended_rewards_but_no_secret_one(client, clock):
    await _seasonal(client, clock, "past", timedelta(days=-10), timedelta(days=-1))
    await _seasonal(client, clock, "now", timedelta(days=-1), timedelta(days=1))
    await _seasonal(client, clock, "soon", timedelta(days=1), None)
    await _seasonal(client, clock, "hidden", timedelta(days=1), None, is_secret=True)
    response = await client.get("/v1/rewards", headers=BOT)
    listed = {r["slug"]: r for r in (await response.json())["rewards"]}
    assert {slug: r["availability"] for slug, r in listed.items()} == {
        "past": "ended",
        "now": "open",
        "soon": "upcoming",
    }
    assert _at(listed["soon"]["available_from"]) == clock.now + timedelta(days=1)
    one = await (await client.get("/v1/rewards/soon", headers=BOT)).json()
    assert one["availability"] == "upcoming"


async def test_the_catalogue_answer_follows_the_clock_without_a_catalogue_change(client, clock):
    await _seasonal(client, clock, "soon", timedelta(hours=1), timedelta(hours=2))
    states = []
    for _ in range(3):
        states.append((await (await client.get("/v1/rewards/soon", headers=BOT)).json())["availability"])
        clock.advance(hours=1)
    assert states == ["upcoming", "open", "ended"]


async def test_the_users_list_shows_every_non_secret_seasonal_reward_locked_with_its_availability(client, clock):
    await _seasonal(client, clock, "past", timedelta(days=-10), timedelta(days=-1))
    await _seasonal(client, clock, "soon", timedelta(days=1), timedelta(days=2))
    await _seasonal(client, clock, "hidden", timedelta(days=1), None, is_secret=True)
    await _streak_of_3(client)
    listed = await user_rewards(client, USER)
    assert set(listed) == {"past", "soon"}
    assert [listed[s]["status"] for s in ("past", "soon")] == ["locked", "locked"]
    assert (listed["past"]["availability"], listed["soon"]["availability"]) == ("ended", "upcoming")
    assert _at(listed["soon"]["available_until"]) == clock.now + timedelta(days=2)


async def test_a_user_who_already_qualifies_unlocks_on_the_first_activity_after_the_season_opens(client, clock):
    await _seasonal(client, clock, "winter", timedelta(hours=1), timedelta(days=10))
    answer = await _streak_of_3(client)
    assert answer["unlocked"] == []
    clock.advance(hours=1)
    answer = await send_event(client, USER, "after-opening", "reaction")
    assert [u["slug"] for u in answer["unlocked"]] == ["winter"]
    listed = await user_rewards(client, USER)
    assert (listed["winter"]["status"], listed["winter"]["availability"]) == ("unlocked", "open")


async def test_nothing_unlocks_after_the_season_ended(client, clock):
    await _seasonal(client, clock, "gone", timedelta(days=-10), timedelta(days=-1))
    assert (await _streak_of_3(client))["unlocked"] == []


async def test_a_claim_after_the_season_ended_inside_the_claim_window_succeeds(client, clock):
    await _seasonal(client, clock, "last-call", None, timedelta(hours=1), claim_window_hours=48)
    assert [u["slug"] for u in (await _streak_of_3(client))["unlocked"]] == ["last-call"]
    clock.advance(hours=5)
    listed = await user_rewards(client, USER)
    assert (listed["last-call"]["status"], listed["last-call"]["availability"]) == ("unlocked", "ended")
    status, body = await claim(client, USER, "last-call")
    assert status == 200, body
    assert body["reward"] == "last-call"


async def test_a_claim_after_the_claim_window_closed_is_still_expired(client, clock):
    await _seasonal(client, clock, "too-late", None, timedelta(hours=1), claim_window_hours=2)
    await _streak_of_3(client)
    clock.advance(hours=3)
    status, body = await claim(client, USER, "too-late")
    assert (status, body["error"]["code"]) == (409, "claim_expired")
