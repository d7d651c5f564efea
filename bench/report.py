"""What a run of `python -m bench` measured: each row's figures and the whole run's, printed by bench/tables.py."""

from dataclasses import dataclass, field

from bench.commands import CommandsPerRequest
from bench.load import Figures
from bench.py_spy import Shares
from bench.workload import Row


@dataclass
class RowResult:
    """One row's figures: the load generator's, and the service's own from its metrics, /proc and py-spy."""

    row: Row
    load: Figures
    answered: int  # requests the service answered on the row's route (any status)
    cpu_seconds: float
    commands: CommandsPerRequest | None  # None on the embedded database
    profile: Shares | str  # py-spy's shares, or why there are none

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_seconds * 1000 / self.answered if self.answered else 0.0


@dataclass
class Report:
    """Everything one run (one catalogue size, one round) measured; `status` is its exit status (1 when a request failed)."""

    database: str = ""  # the bench's own database, dropped at the end
    rewards: int = 0  # the catalogue's size R
    round: int = 1
    ceiling: Figures | None = None
    rows: list[RowResult] = field(default_factory=list)
    idle_per_second: dict[str, float] | None = None  # by job; None on the embedded database
    # The service's peak RSS (VmHWM, KiB) after each phase, in order: where the peak was reached.
    peaks: list[tuple[str, int]] = field(default_factory=list)
    status: int = 1

    def row(self, name: str) -> RowResult:
        return next(result for result in self.rows if result.row.name == name)

    @property
    def peak_rss_kib(self) -> int | None:
        return self.peaks[-1][1] if self.peaks else None


@dataclass
class Runs:
    """Every run of one invocation, in the order they ran; the exit status is 1 when any run failed."""

    reports: list[Report] = field(default_factory=list)

    @property
    def status(self) -> int:
        return max((report.status for report in self.reports), default=1)
