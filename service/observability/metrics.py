"""Prometheus instruments of one app, in the app's own registry.

A registry per app (not prometheus_client's global one) lets tests build many apps in one
process without "duplicated timeseries" errors, and keeps one app's counts out of another's.
"""

from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from rewards_contract.enums import RewardType

# Route label of requests that matched no route: raw paths would make the label unbounded.
UNMATCHED_ROUTE = "unmatched"

# Seconds; the API answers from one or two indexed queries, so most requests land in the low buckets.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The instruments; handlers and the service layer call the record_* methods."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rewards_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "rewards_http_request_duration_seconds",
            "Time from receiving a request to its response, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.unlocks = Counter(
            "rewards_unlocks", "Rewards unlocked, by reward type.", ["reward_type"], registry=self.registry
        )
        self.claims = Counter(
            "rewards_claims", "Rewards claimed, by reward type.", ["reward_type"], registry=self.registry
        )
        self.expiry_sweeps = Counter("rewards_expiry_sweeps", "Runs of the expiry sweep.", registry=self.registry)
        self.rewards_expired = Counter(
            "rewards_expired", "Unlocked rewards the expiry sweep marked expired.", registry=self.registry
        )
        self.pending_grants = Gauge(
            "rewards_pending_grants",
            "Grants claimed but not yet acknowledged by the bot (refreshed on every scrape; NaN "
            "when the database did not answer).",
            registry=self.registry,
        )
        self.webhook_deliveries = Counter(
            "rewards_webhook_deliveries", "Feed entries the webhook receiver accepted (2xx).", registry=self.registry
        )
        self.webhook_failures = Counter(
            "rewards_webhook_failures",
            "Webhook attempts that failed (non-2xx, timeout, connection error); each is retried.",
            registry=self.registry,
        )
        self.webhook_given_up = Counter(
            "rewards_webhook_given_up",
            "Feed entries given up after 24 hours of failed attempts.",
            registry=self.registry,
        )
        self.webhook_backlog = Gauge(
            "rewards_webhook_backlog",
            "Feed entries not yet delivered to the webhook (refreshed on every scrape when webhooks are on; "
            "NaN when the database did not answer).",
            registry=self.registry,
        )
        self.database_unavailable = Counter(
            "rewards_database_unavailable",
            "Requests answered 503 database_unavailable (the database unreachable or out of time), by method "
            "and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.database_commands = Counter(
            "rewards_database_commands",
            "Database commands sent, by origin: `METHOD /route` for requests; for a background job, its name "
            "and whether the step changed something (`feed-relay work`) or only looked (`feed-relay idle`). "
            "Counted on a MongoDB server only (the embedded database sends none).",
            ["origin"],
            registry=self.registry,
        )
        self._command_counters: dict[str, Any] = {}
        # The children of the per-request instruments by label values: `labels()` takes a lock and
        # validates its arguments on every call, and every request observes two of them.
        self._request_counters: dict[tuple[str, str, int], Any] = {}
        self._latencies: dict[tuple[str, str], Any] = {}
        # Every reward type shows up at 0 from the start, so rate() works from the first unlock.
        for reward_type in RewardType:
            self.unlocks.labels(reward_type.value)
            self.claims.labels(reward_type.value)

    def observe_request(self, method: str, route: str, status: int, seconds: float, commands: int = 0) -> None:
        """One answered request and the database commands it sent (called by the access-log middleware)."""
        if commands:
            self.record_commands(f"{method} {route}", commands)
        counter = self._request_counters.get((method, route, status))
        if counter is None:
            counter = self._request_counters[method, route, status] = self.requests.labels(method, route, str(status))
        latency = self._latencies.get((method, route))
        if latency is None:
            latency = self._latencies[method, route] = self.latency.labels(method, route)
        counter.inc()
        latency.observe(seconds)

    def record_commands(self, origin: str, commands: int) -> None:
        """Database commands sent by one request or one background step."""
        counter = self._command_counters.get(origin)
        if counter is None:
            counter = self._command_counters[origin] = self.database_commands.labels(origin)
        counter.inc(commands)

    def record_unlocks(self, reward_types: Iterable[RewardType | str]) -> None:
        """Rewards that became unlocked in one evaluation (one entry per unlocked reward)."""
        for reward_type in reward_types:
            self.unlocks.labels(str(reward_type)).inc()

    def record_claim(self, reward_type: RewardType | str) -> None:
        """One successful claim (not a replayed idempotent one)."""
        self.claims.labels(str(reward_type)).inc()

    def record_expiry_sweep(self, expired: int) -> None:
        """One run of the expiry sweep and how many rewards it expired."""
        self.expiry_sweeps.inc()
        self.rewards_expired.inc(expired)

    def set_pending_grants(self, count: int | None) -> None:
        """The current number of undelivered grants; None when it could not be counted."""
        self.pending_grants.set(float("nan") if count is None else count)

    def set_webhook_backlog(self, count: int | None) -> None:
        """Entries numbered after the webhook's position; None when it could not be counted."""
        self.webhook_backlog.set(float("nan") if count is None else count)

    def render(self, accept: str = "") -> tuple[bytes, str]:
        """The exposition body and its content type, in the format the scraper's Accept asks for."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type
