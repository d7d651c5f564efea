"""rewards-bench's database commands per request: read from /metrics, the route's own plus the jobs' work, idle apart."""

from collections.abc import Iterator

import pytest

from bench.commands import PhaseCommands, Snapshot, parse_metrics, per_request, settle

LIST_ROUTE = "/v1/users/{user_id}/rewards"
EVENTS_ROUTE = "/v1/users/{user_id}/events"

# What the service's GET /metrics answers, trimmed to the two counters the bench reads and a neighbour.
METRICS_TEXT = """\
# HELP rewards_http_requests_total HTTP requests answered, by method, route template and status.
# TYPE rewards_http_requests_total counter
rewards_http_requests_total{method="GET",route="/v1/users/{user_id}/rewards",status="200"} 120.0
rewards_http_requests_total{method="POST",route="/v1/users/{user_id}/events",status="200"} 40.0
rewards_http_requests_total{method="POST",route="/v1/users/{user_id}/events",status="422"} 2.0
# HELP rewards_http_requests_created HTTP requests answered, by method, route template and status.
# TYPE rewards_http_requests_created gauge
rewards_http_requests_created{method="GET",route="/v1/users/{user_id}/rewards",status="200"} 1.7962352197283156e+09
# HELP rewards_database_commands_total Database commands sent, by origin.
# TYPE rewards_database_commands_total counter
rewards_database_commands_total{origin="feed-relay idle"} 39.0
rewards_database_commands_total{origin="feed-relay work"} 18.0
rewards_database_commands_total{origin="GET /v1/users/{user_id}/rewards"} 240.0
rewards_database_commands_total{origin="POST /v1/users/{user_id}/events"} 126.0
# HELP rewards_database_commands_created Database commands sent, by origin.
# TYPE rewards_database_commands_created gauge
rewards_database_commands_created{origin="feed-relay idle"} 1.7962352197283156e+09
# HELP rewards_unlocks_total Rewards unlocked, by reward type.
# TYPE rewards_unlocks_total counter
rewards_unlocks_total{reward_type="besitos"} 7.0
"""


def test_the_command_counter_is_read_by_origin_from_prometheus_text() -> None:
    snapshot = parse_metrics(METRICS_TEXT)

    assert snapshot.commands == {
        "feed-relay idle": 39.0,
        "feed-relay work": 18.0,
        "GET /v1/users/{user_id}/rewards": 240.0,
        "POST /v1/users/{user_id}/events": 126.0,
    }


def test_requests_answered_are_summed_over_every_status_of_a_route() -> None:
    snapshot = parse_metrics(METRICS_TEXT)

    assert snapshot.requests == {("GET", LIST_ROUTE): 120.0, ("POST", EVENTS_ROUTE): 42.0}


def test_a_service_that_sent_no_command_has_no_command_counts() -> None:
    embedded = "\n".join(line for line in METRICS_TEXT.splitlines() if "database_commands" not in line) + "\n"

    assert parse_metrics(embedded).commands == {}


def snapshot(commands: dict[str, float], events: float = 0.0) -> Snapshot:
    return Snapshot(commands, {("POST", EVENTS_ROUTE): events})


def test_commands_per_request_are_the_route_s_own_plus_the_jobs_work_and_leave_idle_polling_out() -> None:
    before = snapshot({"POST /v1/users/{user_id}/events": 100, "feed-relay work": 10, "feed-relay idle": 30}, 50)
    after = snapshot(
        {
            "POST /v1/users/{user_id}/events": 400,
            "feed-relay work": 50,
            "feed-relay idle": 90,
            "expiry-sweep idle": 4,
            "GET /v1/users/{user_id}/rewards": 7,
        },
        150,
    )

    figure = per_request(PhaseCommands(before, after), "POST", EVENTS_ROUTE)

    assert figure is not None
    assert figure.requests == 100
    assert figure.route == 3.0  # 300 commands of the route over 100 requests
    assert figure.work == {"feed-relay": 0.4}  # 40 work commands; the 60 + 4 idle ones and the other route's left out
    assert figure.total == pytest.approx(3.4)


def test_every_job_that_worked_over_the_phase_is_charged_and_named() -> None:
    before = snapshot({"feed-relay work": 5}, 0)
    after = snapshot({"feed-relay work": 25, "rarity-refresh work": 4, "POST /v1/users/{user_id}/events": 20}, 10)

    figure = per_request(PhaseCommands(before, after), "POST", EVENTS_ROUTE)

    assert figure is not None
    assert figure.work == {"feed-relay": 2.0, "rarity-refresh": 0.4}
    assert figure.total == pytest.approx(4.4)


def test_idle_polling_is_counted_apart_by_job() -> None:
    phase = PhaseCommands(
        snapshot({"feed-relay idle": 30, "expiry-sweep idle": 2}),
        snapshot({"feed-relay idle": 60, "expiry-sweep idle": 2, "feed-relay work": 9}),
    )

    assert phase.idle() == {"feed-relay": 30}


def test_a_route_that_answered_nothing_has_no_figure() -> None:
    phase = PhaseCommands(snapshot({"feed-relay idle": 3}), snapshot({"feed-relay idle": 9}))

    assert per_request(phase, "POST", EVENTS_ROUTE) is None


def readings(*snapshots: Snapshot) -> Iterator[Snapshot]:
    yield from snapshots
    raise AssertionError("settle read more than it needed")


def test_settling_waits_for_an_idle_relay_step_after_the_last_work() -> None:
    busy = snapshot({"feed-relay work": 9, "feed-relay idle": 3})
    more_work = snapshot({"feed-relay work": 18, "feed-relay idle": 3})
    quiet = snapshot({"feed-relay work": 18, "feed-relay idle": 3})
    looked = snapshot({"feed-relay work": 18, "feed-relay idle": 6})
    read = readings(busy, more_work, quiet, looked).__next__

    assert settle(read, sleep=lambda _: None) is looked


def test_the_bench_s_own_scrapes_do_not_keep_the_service_busy() -> None:
    first = snapshot({"GET /metrics": 1, "feed-relay idle": 3})
    scraped = snapshot({"GET /metrics": 2, "feed-relay idle": 6})
    read = readings(first, scraped).__next__

    assert settle(read, sleep=lambda _: None) is scraped
