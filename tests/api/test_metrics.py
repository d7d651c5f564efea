"""GET /metrics: who may read it, Prometheus text format, request counts by route template, service-layer counters."""

import math
from datetime import UTC, datetime

import pytest
from beanie import PydanticObjectId
from prometheus_client.parser import text_string_to_metric_families
from rewards_contract.enums import RewardType

from documents import RewardGrant
from service.http.app import init_app
from service.http.metrics_access import is_loopback
from service.observability.metrics import Metrics
from service.settings import Settings
from service.usecases import service_status
from tests.support.connections import PROXY_ADDRESS, request_from
from tests.support.environment import ADMIN, BOT, make_settings

METRICS_TOKEN = "test-metrics-token-of-its-own-32-chars"
FROM_AFAR = {"X-Forwarded-For": "203.0.113.7"}


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


async def test_a_client_on_this_machine_reads_the_metrics_without_a_token_in_prometheus_text_format(client):
    response = await client.get("/metrics")  # the test client connects from 127.0.0.1
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    names = {family.name for family in text_string_to_metric_families(await response.text())}
    assert {"rewards_http_requests", "rewards_http_request_duration_seconds", "rewards_pending_grants"} <= names


@pytest.fixture
def counted_scrapes(monkeypatch) -> list[int]:
    """Every database count a scrape makes, recorded: a refused scrape must cost none."""
    counts: list[int] = []

    async def counting() -> int:
        counts.append(1)
        return 0

    monkeypatch.setattr(service_status, "count_pending_grants", counting)
    return counts


async def test_without_a_metrics_token_a_client_from_elsewhere_is_refused_before_any_count(
    aiohttp_client, counted_scrapes
):
    """The finding: anyone reaching the port read claims per reward type, and made the database count."""
    client = await aiohttp_client(init_app(make_settings(trusted_proxies=(PROXY_ADDRESS,))))
    answer = await request_from(client, PROXY_ADDRESS, "/metrics", FROM_AFAR)
    assert (answer.status, answer.json()["error"]["code"]) == (403, "forbidden")
    assert "REWARDS_METRICS_TOKEN" in answer.json()["error"]["message"]
    assert counted_scrapes == []


async def test_behind_a_proxy_on_the_same_host_loopback_is_judged_on_the_forwarded_client(aiohttp_client):
    """Every connection comes from 127.0.0.1 then; only the trusted proxy's X-Forwarded-For tells who asks."""
    client = await aiohttp_client(init_app(make_settings(trusted_proxies=("127.0.0.1",))))
    assert (await client.get("/metrics", headers=FROM_AFAR)).status == 403
    assert (await client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})).status == 200


async def test_a_client_cannot_pass_for_loopback_by_writing_x_forwarded_for(aiohttp_client):
    client = await aiohttp_client(init_app(make_settings(trusted_proxies=(PROXY_ADDRESS,))))
    through_proxy = {"X-Forwarded-For": "127.0.0.1, 203.0.113.7"}  # the client's own entry, then the proxy's
    assert (await request_from(client, PROXY_ADDRESS, "/metrics", through_proxy)).status == 403


@pytest.mark.parametrize(
    "authorization", [None, f"Bearer {METRICS_TOKEN}x", ADMIN["Authorization"], BOT["Authorization"], METRICS_TOKEN]
)
async def test_with_a_metrics_token_every_scrape_must_present_it(aiohttp_client, counted_scrapes, authorization):
    """Loopback included: the token, once set, is the only key; the API's tokens are not it."""
    client = await aiohttp_client(init_app(make_settings(metrics_token=METRICS_TOKEN)))
    response = await client.get("/metrics", headers={"Authorization": authorization} if authorization else None)
    body = await response.json()
    assert (response.status, body["error"]["code"]) == (401, "unauthorized")
    assert METRICS_TOKEN not in body["error"]["message"]
    assert counted_scrapes == []


async def test_with_a_metrics_token_any_client_presenting_it_reads_the_metrics(aiohttp_client, counted_scrapes):
    settings = make_settings(metrics_token=METRICS_TOKEN, trusted_proxies=(PROXY_ADDRESS,))
    client = await aiohttp_client(init_app(settings))
    headers = {**FROM_AFAR, "Authorization": f"bearer {METRICS_TOKEN}"}
    answer = await request_from(client, PROXY_ADDRESS, "/metrics", headers)
    assert answer.status == 200
    assert sample(answer.body.decode(), "rewards_pending_grants") == 0
    assert counted_scrapes == [1]


def test_the_metrics_token_can_come_from_a_file(tmp_path):
    (tmp_path / "metrics").write_text(f"{METRICS_TOKEN}\n")
    settings = Settings.from_env({"REWARDS_METRICS_TOKEN_FILE": str(tmp_path / "metrics")})
    assert settings.metrics_token == METRICS_TOKEN
    assert METRICS_TOKEN not in repr(settings)
    assert Settings.from_env({}).metrics_token is None


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        *[("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True)],
        *[("10.0.0.1", False), ("::ffff:10.0.0.1", False), ("", False), (None, False)],
    ],
)
def test_loopback_is_127_0_0_0_8_and_ipv6_s_own(address, loopback):
    assert is_loopback(address) is loopback


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
