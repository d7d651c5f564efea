"""Database commands per request, from the counters the service exposes in `GET /metrics`.

The service counts every command its driver sends by origin (`rewards_database_commands_total`):
`METHOD /route` for a request, `<job> work` for a background step that changed something and
`<job> idle` for one that only looked. A phase's figure for a route is its own commands plus every
job's work over the phase (the feed relay's numbering of the entries the requests wrote), divided
by the requests the service answered on that route (`rewards_http_requests_total`, any status).
Idle polling happens whatever the load: it is measured apart, per second, and never charged to
requests. The embedded database sends no commands, so none are counted there.
"""

import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

COMMANDS = "rewards_database_commands"
REQUESTS = "rewards_http_requests"
WORK, IDLE = " work", " idle"
RELAY = "feed-relay"
# The bench's own reading of the counters: each scrape refreshes the pending-grants gauge (one count).
SCRAPE = "GET /metrics"
SETTLE_POLL_SECONDS = 0.5
SETTLE_LIMIT_SECONDS = 120.0


@dataclass(frozen=True)
class Snapshot:
    """The counters at one moment: commands by origin, requests answered by (method, route template)."""

    commands: dict[str, float] = field(default_factory=dict)
    requests: dict[tuple[str, str], float] = field(default_factory=dict)

    def busy(self) -> dict[str, float]:
        """The counts that move only while something is done: requests' and work steps' commands, scrapes aside."""
        return {
            origin: count for origin, count in self.commands.items() if not origin.endswith(IDLE) and origin != SCRAPE
        }

    def idle(self, job: str) -> float:
        return self.commands.get(job + IDLE, 0.0)


def parse_metrics(text: str) -> Snapshot:
    """The command and request counters in a Prometheus text exposition."""
    commands: dict[str, float] = {}
    requests: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == COMMANDS + "_total":
                commands[sample.labels["origin"]] = sample.value
            elif sample.name == REQUESTS + "_total":
                key = (sample.labels["method"], sample.labels["route"])
                requests[key] = requests.get(key, 0.0) + sample.value  # every status: each was answered
    return Snapshot(commands, requests)


@dataclass(frozen=True)
class PhaseCommands:
    """What the counters moved by between two snapshots."""

    before: Snapshot
    after: Snapshot

    def _delta(self, origin: str) -> float:
        return self.after.commands.get(origin, 0.0) - self.before.commands.get(origin, 0.0)

    def requests(self, method: str, route: str) -> int:
        key = (method, route)
        return round(self.after.requests.get(key, 0.0) - self.before.requests.get(key, 0.0))

    def route_commands(self, method: str, route: str) -> float:
        return self._delta(f"{method} {route}")

    def work(self) -> dict[str, float]:
        """Each job's work commands over the phase (jobs that did no work left out)."""
        origins = set(self.before.commands) | set(self.after.commands)
        moved = {origin.removesuffix(WORK): self._delta(origin) for origin in origins if origin.endswith(WORK)}
        return {job: count for job, count in sorted(moved.items()) if count}

    def idle(self) -> dict[str, float]:
        """Each job's idle polling over the phase (jobs that sent nothing left out)."""
        origins = set(self.before.commands) | set(self.after.commands)
        moved = {origin.removesuffix(IDLE): self._delta(origin) for origin in origins if origin.endswith(IDLE)}
        return {job: count for job, count in sorted(moved.items()) if count}


@dataclass(frozen=True)
class CommandsPerRequest:
    """One route's commands per request answered: its own plus the jobs' work; idle polling excluded."""

    requests: int
    route: float  # per request
    work: dict[str, float]  # per request, by job

    @property
    def jobs(self) -> float:
        return sum(self.work.values())

    @property
    def total(self) -> float:
        return self.route + self.jobs


def per_request(phase: PhaseCommands, method: str, route: str) -> CommandsPerRequest | None:
    """The route's figure over the phase; None when the service answered no request on it."""
    answered = phase.requests(method, route)
    if not answered:
        return None
    return CommandsPerRequest(
        answered,
        phase.route_commands(method, route) / answered,
        {job: count / answered for job, count in phase.work().items()},
    )


def scrape(base_url: str) -> Snapshot:
    """The service's counters now."""
    with urllib.request.urlopen(base_url + "/metrics", timeout=10) as response:
        return parse_metrics(response.read().decode())


def settle(
    read: Callable[[], Snapshot],
    poll_seconds: float = SETTLE_POLL_SECONDS,
    limit_seconds: float = SETTLE_LIMIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> Snapshot:
    """The counters once the requests and work have stopped and the relay has since looked and found nothing.

    The relay's idle step after the last change is the sign that it numbered every entry the
    phase wrote; without it a phase's tail would be charged to the next. Gives up after
    `limit_seconds` (returns the latest counters): a relay that never goes idle is itself a finding.
    """
    changed = read()
    deadline = time.monotonic() + limit_seconds
    while True:
        sleep(poll_seconds)
        now = read()
        if now.busy() != changed.busy():
            changed = now
        elif now.idle(RELAY) > changed.idle(RELAY):
            return now
        if time.monotonic() > deadline:
            return now
