"""A database that cannot be reached in time is a clear 503 with Retry-After, never a 500, and a line in the log."""

import logging

import pytest
from pymongo.errors import ExecutionTimeout, NetworkTimeout, OperationFailure

from service.http import middleware
from service.http.middleware import RETRY_AFTER_SECONDS
from tests.support.api import create_reward, send_event
from tests.support.environment import ADMIN, BOT
from tests.support.outage import database_away

REQUESTS = [
    ("POST", "/v1/users/7/events", BOT, {"event_id": "e-1", "type": "points", "amount": 5}),
    ("PUT", "/v1/users/7/facts", BOT, {"level": 3}),
    ("GET", "/v1/users/7/rewards", BOT, None),
    ("POST", "/v1/users/7/rewards/hello/claim", {**BOT, "Idempotency-Key": "k-1"}, None),
    ("GET", "/v1/users/7/grants", BOT, None),
    ("GET", "/v1/users/7/badges", BOT, None),
    ("GET", "/v1/feed", BOT, None),
    ("GET", "/v1/rewards", BOT, None),
    (
        "POST",
        "/v1/rewards",
        ADMIN,
        {
            "slug": "new-one",
            "name": "New",
            "reward_type": "badge",
            "reward_value": {"badge_name": "New", "emoji": "*"},
            "conditions": [],
        },
    ),
]


async def _answer(client, method, path, headers, body):
    response = await client.request(method, path, headers=headers, json=body)
    return response, await response.json()


@pytest.mark.parametrize(("method", "path", "headers", "body"), REQUESTS, ids=[f"{m} {p}" for m, p, _, _ in REQUESTS])
async def test_a_request_while_the_database_is_away_answers_503_database_unavailable(
    client, monkeypatch, method, path, headers, body
):
    await create_reward(client, slug="hello", conditions=[])
    with database_away(monkeypatch):
        response, answer = await _answer(client, method, path, headers, body)
    assert response.status == 503
    assert answer["error"]["code"] == "database_unavailable"
    assert "same event_id or Idempotency-Key" in answer["error"]["message"]
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


@pytest.mark.parametrize(
    "error",
    [NetworkTimeout("timed out"), ExecutionTimeout("operation exceeded time limit", 50)],
    ids=["client deadline", "server time limit"],
)
async def test_a_call_that_ran_out_of_time_answers_503_too(client, monkeypatch, error):
    with database_away(monkeypatch, lambda: error):
        response, answer = await _answer(client, "GET", "/v1/users/7/rewards", BOT, None)
    assert (response.status, answer["error"]["code"]) == (503, "database_unavailable")


async def test_any_other_database_error_is_still_a_bug_answered_500(client, monkeypatch):
    with database_away(monkeypatch, lambda: OperationFailure("bad query", 2)):
        response, answer = await _answer(client, "GET", "/v1/users/7/rewards", BOT, None)
    assert (response.status, answer["error"]["code"]) == (500, "internal_error")


async def test_each_503_is_one_log_line_with_its_cause_and_no_stack_trace(client, monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger="service.http.middleware")
    with database_away(monkeypatch):
        await _answer(client, "GET", "/v1/users/7/rewards", BOT, None)
    [line] = [r for r in caplog.records if r.name == "service.http.middleware"]
    assert line.levelno == logging.WARNING
    assert line.exc_info is None
    assert "GET /v1/users/{user_id}/rewards" in line.getMessage()  # the route, not the user's id
    assert "ServerSelectionTimeoutError" in line.getMessage()


async def test_503s_are_counted_by_route(client, monkeypatch):
    with database_away(monkeypatch):
        for _ in range(2):
            await _answer(client, "GET", "/v1/users/7/rewards", BOT, None)
    metrics = await (await client.get("/metrics")).text()
    assert 'rewards_database_unavailable_total{method="GET",route="/v1/users/{user_id}/rewards"} 2.0' in metrics


async def test_the_service_answers_again_once_the_database_is_back(client, monkeypatch):
    await create_reward(client, slug="hello", conditions=[{"condition_type": "total_points", "value": 5}])
    with database_away(monkeypatch):
        refused, _ = await _answer(client, *REQUESTS[0])
    assert refused.status == 503
    answer = await send_event(client, 7, "e-1", "points", amount=5)  # the same event id, retried
    assert [u["slug"] for u in answer["unlocked"]] == ["hello"]
    assert answer["facts"]["total_points"] == 5


async def test_every_request_runs_under_one_database_deadline_of_the_configured_length(client, monkeypatch, settings):
    deadlines: list[float] = []
    real_deadline = middleware.deadline

    def recorded(seconds: float):
        deadlines.append(seconds)
        return real_deadline(seconds)

    monkeypatch.setattr(middleware, "deadline", recorded)
    await client.get("/v1/users/7/rewards", headers=BOT)
    assert deadlines == [settings.db_timeout_seconds]


async def test_readiness_is_503_and_liveness_200_while_the_database_is_away(client, monkeypatch):
    with database_away(monkeypatch):
        monkeypatch.setattr("service.usecases.service_status.ping", _failing_ping)
        ready = await client.get("/health")
        live = await client.get("/health/live")
    assert (ready.status, (await ready.json())["database"]) == (503, "unavailable")
    assert (live.status, await live.json()) == (200, {"status": "ok"})


async def test_the_readiness_probe_logs_once_when_the_database_goes_and_once_when_it_is_back(
    client, monkeypatch, caplog
):
    caplog.set_level(logging.INFO, logger="service.http.handlers.health")
    with monkeypatch.context() as patch:
        patch.setattr("service.usecases.service_status.ping", _failing_ping)
        for _ in range(3):
            assert (await client.get("/health")).status == 503
    for _ in range(2):
        assert (await client.get("/health")).status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "service.http.handlers.health"]
    assert len(lines) == 2
    assert "database unavailable (ServerSelectionTimeoutError" in lines[0]
    assert "available again after 3 failed attempt(s)" in lines[1]


async def _failing_ping(database):
    from tests.support.outage import unreachable

    raise unreachable()
