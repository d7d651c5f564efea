"""Database round trips per request: fixed, and the same for 5 and for 200 active rewards.

What is counted: every call of a collection command method (see tests/support/driver_calls.py), in the
steady state: the catalogue cache is warm (its version read happens at most once per
REWARDS_CATALOG_TTL_SECONDS, so it is amortized, and the TTL is set long here).

Budget (issue 6):
- an event or a facts update: <= 3 (facts update, the user's states read, one bulk write);
- a list, a page of it or one reward: 2 (facts read, states read), plus one bulk write only when
  something expired, and the read of the slots left only when it shows a limited edition;
- a claim: <= 2 for the claim itself (the guarded update; a re-read only when it did not apply)
  plus the ledger writes: the grant upsert and the clearing of the pending snapshot. An
  Idempotency-Key adds its lookup and the remembering insert.
"""

from datetime import timedelta
from typing import Any

import pytest

from service.http.app import init_app
from tests.support.api import create_reward
from tests.support.driver_calls import DriverCalls, count_driver_calls
from tests.support.environment import ADMIN, BOT, make_settings

Calls = list[tuple[str, str]]

EVENT = ("user_facts", "find_one_and_update")
STATES_READ = ("user_rewards", "find")
TRANSITIONS = ("user_rewards", "bulk_write")
FACTS_READ = ("user_facts", "find_one")
CLAIM = ("user_rewards", "find_one_and_update")
LEDGER_UPSERT = ("reward_grants", "update_one")
CLEAR_SNAPSHOT = ("user_rewards", "update_one")
KEY_RESERVE = ("idempotency_keys", "insert_one")
KEY_REMEMBER = ("idempotency_keys", "update_one")

USER = 42


async def _send(client: Any, counter: DriverCalls, method: str, path: str, **kwargs: Any) -> Calls:
    with counter.record() as calls:
        response = await client.request(method, path, headers={**BOT, **kwargs.pop("headers", {})}, **kwargs)
        assert response.status == 200, await response.text()
    return list(calls)


async def _journey(aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch, rewards: int) -> dict[str, Calls]:
    """One user's requests against `rewards` active rewards that all unlock at 10 points."""
    client = await aiohttp_client(init_app(make_settings(catalog_ttl_seconds=3600)))
    for number in range(rewards):
        await create_reward(
            client,
            slug=f"reward-{number:03d}",
            conditions=[{"condition_type": "total_points", "value": 10}],
            is_repeatable=False,
        )
    counter = count_driver_calls(monkeypatch)
    events = f"/v1/users/{USER}/events"
    # Warm-up: the catalogue cache loads here, and the user exists afterwards.
    await _send(client, counter, "POST", events, json={"event_id": "warm", "type": "points", "amount": 1})
    calls = {
        "unlocking event": await _send(
            client, counter, "POST", events, json={"event_id": "e1", "type": "points", "amount": 10}
        ),
        "quiet event": await _send(
            client, counter, "POST", events, json={"event_id": "e2", "type": "points", "amount": 1}
        ),
        "facts update": await _send(client, counter, "PUT", f"/v1/users/{USER}/facts", json={"level": 3}),
        "list": await _send(client, counter, "GET", f"/v1/users/{USER}/rewards"),
        "first page": await _send(client, counter, "GET", f"/v1/users/{USER}/rewards", params={"limit": "3"}),
        "page of what can be claimed": await _send(
            client, counter, "GET", f"/v1/users/{USER}/rewards", params={"status": "unlocked", "limit": "3"}
        ),
        "one reward": await _send(client, counter, "GET", f"/v1/users/{USER}/rewards/reward-002"),
        "claim": await _send(client, counter, "POST", f"/v1/users/{USER}/rewards/reward-000/claim"),
        "claim with key": await _send(
            client, counter, "POST", f"/v1/users/{USER}/rewards/reward-001/claim", headers={"Idempotency-Key": "k-1"}
        ),
    }
    monkeypatch.undo()
    await client.close()
    return calls


# The journeys' calls, measured by the first test that asks: writing 200 rewards takes a wire server
# half a minute, and every test of the module reads the same two journeys.
_MEASURED: dict[int, dict[str, Calls]] = {}


@pytest.fixture
async def round_trips(aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch) -> dict[int, dict[str, Calls]]:
    """The calls of the same journey with 5 and with 200 active rewards."""
    if not _MEASURED:
        for size in (5, 200):
            _MEASURED[size] = await _journey(aiohttp_client, monkeypatch, size)
    return _MEASURED


async def test_request_round_trips_do_not_grow_with_the_number_of_rewards(round_trips: dict[int, dict[str, Calls]]):
    assert round_trips[5] == round_trips[200]


async def test_an_unlocking_event_is_one_facts_update_one_states_read_and_one_bulk_write(round_trips):
    assert round_trips[200]["unlocking event"] == [EVENT, STATES_READ, TRANSITIONS]


async def test_an_event_that_changes_no_reward_writes_no_transitions(round_trips):
    assert round_trips[200]["quiet event"] == [EVENT, STATES_READ]


async def test_a_facts_update_stays_within_three_round_trips(round_trips):
    assert len(round_trips[200]["facts update"]) <= 3
    assert round_trips[200]["facts update"][0] == EVENT


async def test_listing_rewards_is_two_reads(round_trips):
    assert sorted(round_trips[200]["list"]) == sorted([FACTS_READ, STATES_READ])


@pytest.mark.parametrize("read", ["first page", "page of what can be claimed", "one reward"])
async def test_a_page_and_one_reward_are_two_reads_as_the_whole_list(round_trips, read):
    assert sorted(round_trips[200][read]) == sorted([FACTS_READ, STATES_READ])


async def test_a_claim_is_one_guarded_update_plus_the_two_ledger_writes(round_trips):
    assert round_trips[200]["claim"] == [CLAIM, LEDGER_UPSERT, CLEAR_SNAPSHOT]


async def test_an_idempotency_key_adds_one_reservation_and_one_outcome_write_to_a_claim(round_trips):
    assert round_trips[200]["claim with key"] == [KEY_RESERVE, CLAIM, LEDGER_UPSERT, CLEAR_SNAPSHOT, KEY_REMEMBER]


HOLD = ("user_rewards", "find_one_and_update")
SLOT = ("reward_editions", "find_one_and_update")
SLOTS_LEFT = ("reward_editions", "find")
FACTS_FOR_DEPENDENTS = ("user_facts", "find_one")


@pytest.fixture
async def rule_round_trips(aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Calls]:
    """The calls of requests on rewards that use the run-time rules: what each rule adds, and only there."""
    client = await aiohttp_client(init_app(make_settings(catalog_ttl_seconds=3600)))
    await client.post(
        "/v1/counters",
        json={"name": "messages_sent", "kind": "count", "display_name": "M"},
        headers=ADMIN,
    )
    await create_reward(
        client,
        slug="windowed",
        conditions=[{"condition_type": "counter_in_window", "counter": "messages_sent", "value": 5, "window_days": 7}],
    )
    await create_reward(client, slug="edition", max_claims=10, conditions=[{"condition_type": "first_reaction"}])
    await create_reward(client, slug="step", conditions=[{"condition_type": "first_reaction"}])
    await create_reward(client, slug="after-step", conditions=[{"condition_type": "reward_claimed", "reward": "step"}])
    counter = count_driver_calls(monkeypatch)
    events = f"/v1/users/{USER}/events"
    await _send(client, counter, "POST", events, json={"event_id": "warm", "type": "reaction"})
    calls = {
        "windowed counter event": await _send(
            client,
            counter,
            "POST",
            events,
            json={"event_id": "m1", "type": "counter", "counter": "messages_sent", "amount": 1},
        ),
        "list with a limited edition": await _send(client, counter, "GET", f"/v1/users/{USER}/rewards"),
        # Display order: after-step, edition, step, windowed.
        "page without the limited edition": await _send(
            client, counter, "GET", f"/v1/users/{USER}/rewards", params={"limit": "1"}
        ),
        "the limited edition alone": await _send(client, counter, "GET", f"/v1/users/{USER}/rewards/edition"),
        "capped claim": await _send(client, counter, "POST", f"/v1/users/{USER}/rewards/edition/claim"),
        "claim that unlocks its dependents": await _send(
            client, counter, "POST", f"/v1/users/{USER}/rewards/step/claim"
        ),
    }
    monkeypatch.undo()
    await client.close()
    return calls


async def test_a_windowed_counter_event_costs_what_any_event_costs(rule_round_trips):
    assert rule_round_trips["windowed counter event"] == [EVENT, STATES_READ]


async def test_a_list_with_a_limited_edition_adds_one_read_of_the_slots_left(rule_round_trips):
    assert sorted(rule_round_trips["list with a limited edition"]) == sorted([FACTS_READ, STATES_READ, SLOTS_LEFT])


async def test_a_page_reads_the_slots_left_only_when_it_shows_a_limited_edition(rule_round_trips):
    assert sorted(rule_round_trips["page without the limited edition"]) == sorted([FACTS_READ, STATES_READ])
    assert sorted(rule_round_trips["the limited edition alone"]) == sorted([FACTS_READ, STATES_READ, SLOTS_LEFT])


async def test_a_capped_claim_adds_the_hold_and_the_slot(rule_round_trips):
    assert rule_round_trips["capped claim"] == [HOLD, SLOT, CLAIM, LEDGER_UPSERT, CLEAR_SNAPSHOT]


async def test_a_claim_that_completes_a_prerequisite_adds_one_evaluation(rule_round_trips):
    assert rule_round_trips["claim that unlocks its dependents"] == [
        CLAIM,
        LEDGER_UPSERT,
        CLEAR_SNAPSHOT,
        FACTS_FOR_DEPENDENTS,
        STATES_READ,
        TRANSITIONS,
    ]


SCORE_COPY = ("leaderboard_scores", "bulk_write")
TOP_READ = ("leaderboard_scores", "find")
MY_SCORE = ("leaderboard_scores", "find_one")
AHEAD_COUNT = ("leaderboard_scores", "count_documents")


@pytest.fixture
async def board_round_trips(aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Calls]:
    """The calls of requests on leaderboards: what feeding a board adds to an event, and what its reads cost."""
    client = await aiohttp_client(init_app(make_settings(catalog_ttl_seconds=3600)))
    await create_reward(client, slug="reacted", conditions=[{"condition_type": "first_reaction"}])
    for slug, period in (("daily-points", "daily"), ("weekly-points", "weekly")):
        body = {"slug": slug, "name": slug, "ranks": "total_points", "period": period}
        assert (await client.post("/v1/leaderboards", json=body, headers=ADMIN)).status == 201
    events = f"/v1/users/{USER}/events"
    for user_id in range(1, 30):  # others on the board, above and below the user
        points = {"event_id": f"p{user_id}", "type": "points", "amount": user_id}
        assert (await client.post(f"/v1/users/{user_id}/events", json=points, headers=BOT)).status == 200
    counter = count_driver_calls(monkeypatch)
    await _send(client, counter, "POST", events, json={"event_id": "warm", "type": "points", "amount": 15})
    calls = {
        "event feeding two boards": await _send(
            client, counter, "POST", events, json={"event_id": "e1", "type": "points", "amount": 1}
        ),
        "event feeding no board": await _send(
            client, counter, "POST", events, json={"event_id": "e2", "type": "reaction"}
        ),
        "top": await _send(client, counter, "GET", "/v1/leaderboards/daily-points/top", params={"limit": "10"}),
        "rank": await _send(
            client, counter, "GET", f"/v1/leaderboards/daily-points/users/{USER}", params={"around": "3"}
        ),
    }
    monkeypatch.undo()
    await client.close()
    return calls


async def test_an_event_feeding_boards_adds_one_bulk_copy_of_its_scores(board_round_trips):
    assert board_round_trips["event feeding two boards"] == [EVENT, SCORE_COPY, STATES_READ]


async def test_an_event_feeding_no_board_costs_what_it_cost_before_boards(board_round_trips):
    assert board_round_trips["event feeding no board"] == [EVENT, STATES_READ, TRANSITIONS]


async def test_the_top_of_a_run_is_one_read(board_round_trips):
    assert board_round_trips["top"] == [TOP_READ]


async def test_a_rank_with_its_neighbours_is_four_reads(board_round_trips):
    assert board_round_trips["rank"] == [MY_SCORE, AHEAD_COUNT, TOP_READ, TOP_READ]


GOAL_READ = ("community_goals", "find_one")
SHARDS_READ = ("goal_shards", "find")


@pytest.fixture
async def goal_round_trips(aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch, clock: Any) -> dict[str, Calls]:
    """The calls of requests on a community goal: what feeding it adds to an event, and what its reads cost."""
    client = await aiohttp_client(init_app(make_settings(catalog_ttl_seconds=3600), clock=clock))
    await create_reward(client, slug="hero", conditions=[{"condition_type": "awarded"}])
    window = {
        "starts_at": (clock() - timedelta(days=1)).isoformat(),
        "ends_at": (clock() + timedelta(days=1)).isoformat(),
    }
    body = {
        "slug": "together",
        "name": "Together",
        "counts": "total_points",
        "target": 1000,
        "reward": "hero",
        **window,
    }
    assert (await client.post("/v1/goals", json=body, headers=ADMIN)).status == 201
    counter = count_driver_calls(monkeypatch)
    events = f"/v1/users/{USER}/events"
    await _send(client, counter, "POST", events, json={"event_id": "warm", "type": "points", "amount": 1})
    calls = {
        "event feeding a goal": await _send(
            client, counter, "POST", events, json={"event_id": "e1", "type": "points", "amount": 1}
        ),
        "goal": await _send(client, counter, "GET", "/v1/goals/together"),
        "own contribution": await _send(client, counter, "GET", f"/v1/goals/together/users/{USER}"),
    }
    monkeypatch.undo()
    await client.close()
    return calls


async def test_an_event_feeding_a_goal_costs_what_any_event_costs(goal_round_trips):
    assert goal_round_trips["event feeding a goal"] == [EVENT, STATES_READ]


async def test_a_goals_progress_is_two_reads_and_a_users_share_one(goal_round_trips):
    assert goal_round_trips["goal"] == [GOAL_READ, SHARDS_READ]
    assert goal_round_trips["own contribution"] == [FACTS_READ]
