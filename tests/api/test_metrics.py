"""GET /metrics: Prometheus text format, request counts by route template, service-layer counters."""

import math
from datetime import UTC, datetime

from beanie import PydanticObjectId
from prometheus_client.parser import text_string_to_metric_families
from rewards_contract.enums import RewardType

from documents import RewardGrant
from service.observability.metrics import Metrics
from service.usecases import service_status


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the sample `name` with exactly these labels, or None when it is absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return None


def rendered(metrics: Metrics) -> str:
    body, _ = metrics.render()
    return body.decode()


async def scrape(client) -> str:
    response = await client.get("/metrics")
    assert response.status == 200
    return await response.text()


async def grant(number: int, delivered: bool) -> None:
    now = datetime.now(UTC)
    await RewardGrant(
        grant_id=f"1-r-{number}",
        user_id=1,
        reward_id=PydanticObjectId(),
        reward_slug="r",
        reward_type=RewardType.BESITOS,
        reward_value={"amount": 5},
        claim_number=number,
        claimed_at=now,
        delivered_at=now if delivered else None,
    ).insert()


async def test_metrics_is_public_and_in_prometheus_text_format(client):
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    names = {family.name for family in text_string_to_metric_families(await response.text())}
    assert {"rewards_http_requests", "rewards_http_request_duration_seconds", "rewards_pending_grants"} <= names


async def test_requests_are_counted_by_route_template_and_status(client):
    for _ in range(3):
        await client.get("/health")
    await client.get("/users/12345/nowhere")
    text = await scrape(client)
    assert sample(text, "rewards_http_requests_total", method="GET", route="/health", status="200") == 3
    assert sample(text, "rewards_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert "12345" not in text  # raw paths never become label values
    assert sample(text, "rewards_http_request_duration_seconds_count", method="GET", route="/health") == 3


async def test_pending_grants_counts_undelivered_grants_at_scrape_time(client):
    await grant(1, delivered=False)
    await grant(2, delivered=False)
    await grant(3, delivered=True)
    assert sample(await scrape(client), "rewards_pending_grants") == 2
    await grant(4, delivered=False)
    assert sample(await scrape(client), "rewards_pending_grants") == 3


async def test_pending_grants_is_nan_but_scrape_succeeds_when_the_database_fails(client, monkeypatch):
    async def failing() -> int:
        raise RuntimeError("database down")

    monkeypatch.setattr(service_status, "count_pending_grants", failing)
    value = sample(await scrape(client), "rewards_pending_grants")
    assert value is not None
    assert math.isnan(value)


def test_unlocks_and_claims_are_counted_by_reward_type():
    metrics = Metrics()
    metrics.record_unlocks([RewardType.BESITOS, RewardType.BADGE, "besitos"])
    metrics.record_claim(RewardType.BADGE)
    text = rendered(metrics)
    assert sample(text, "rewards_unlocks_total", reward_type="besitos") == 2
    assert sample(text, "rewards_unlocks_total", reward_type="badge") == 1
    assert sample(text, "rewards_claims_total", reward_type="badge") == 1
    # Every reward type is exported from the start, at zero.
    assert sample(text, "rewards_claims_total", reward_type="vip_extension") == 0


def test_expiry_sweeps_count_runs_and_expired_rewards():
    metrics = Metrics()
    metrics.record_expiry_sweep(3)
    metrics.record_expiry_sweep(0)
    text = rendered(metrics)
    assert sample(text, "rewards_expiry_sweeps_total") == 2
    assert sample(text, "rewards_expired_total") == 3


def test_each_metrics_instance_has_its_own_registry():
    first, second = Metrics(), Metrics()
    first.record_claim(RewardType.CONTENT)
    assert sample(rendered(first), "rewards_claims_total", reward_type="content") == 1
    assert sample(rendered(second), "rewards_claims_total", reward_type="content") == 0
