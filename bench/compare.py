"""Catalogue sizes compared: what a request costs at the larger R over the smaller, the median of several rounds.

`python -m bench --rewards 50,1000` runs the whole bench once per size and round, each run on a
fresh database and a fresh service, and compares each row's service CPU per request across sizes.

Why rounds and a median: on a shared machine two runs of one size differ by up to 20-25% in CPU
per request (other workers' load, the cores' clock of the moment), as much as the difference a
comparison must detect. Each round gives each row one ratio; the median of three ignores one
round that a burst of load spoiled, where a mean would carry it.

Why interleaved, and why the order alternates: a round runs every size back to back, so noise of
the minute hits both sizes of a round alike and cancels in that round's ratio; sizes run in the
order given in odd rounds and reversed in even ones, so a drift over the invocation (a neighbour's
job starting, the machine warming up) makes one round's ratio too high and the next one's too
low, instead of biasing every ratio the same way as it would if one size always ran first.
"""

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.report import Report

# What a figure is keyed by across runs: (round, catalogue size R).
Run = tuple[int, int]
CEILING = "ceiling"


def schedule(sizes: Sequence[int], rounds: int) -> list[Run]:
    """Every (round, size) in the order they run: each round runs every size, in turn given order then reversed."""
    return [
        (number, size)
        for number in range(1, rounds + 1)
        for size in (sizes if number % 2 == 1 else list(reversed(sizes)))
    ]


def median(values: Sequence[float]) -> float | None:
    """The median (the mean of the middle two of an even count); None of nothing."""
    return statistics.median(values) if values else None


def round_ratios(figures: Mapping[Run, float], small: int, large: int) -> list[float]:
    """Each round's figure at `large` over its figure at `small`, for the rounds that measured both (and not 0)."""
    rounds = sorted({number for number, _ in figures})
    return [
        figures[(number, large)] / figures[(number, small)]
        for number in rounds
        if (number, large) in figures and figures.get((number, small))
    ]


@dataclass(frozen=True)
class ComparedRow:
    """One row across sizes: its median CPU per request and commands at each size, and its ratios to the smallest."""

    name: str
    cpu_ms: dict[int, float | None]  # by size: the median over rounds of CPU ms per request
    commands: dict[int, float | None]  # by size: the median over rounds of cmds/req (None: none counted)
    ratios: dict[int, list[float]]  # by each size but the smallest: every round's CPU ratio to the smallest

    def ratio(self, size: int) -> float | None:
        return median(self.ratios.get(size, []))


def compare(
    figures: Mapping[str, Mapping[Run, float]], commands: Mapping[str, Mapping[Run, float]]
) -> list[ComparedRow]:
    """Each row's medians by size and its round-by-round CPU ratios to the smallest size, rows in the order given."""
    sizes = sorted({size for by_run in figures.values() for _, size in by_run})
    compared = []
    for name, by_run in figures.items():
        counted = commands.get(name, {})
        compared.append(
            ComparedRow(
                name,
                {size: median([value for (_, at), value in by_run.items() if at == size]) for size in sizes},
                {size: median([value for (_, at), value in counted.items() if at == size]) for size in sizes},
                {size: round_ratios(by_run, sizes[0], size) for size in sizes[1:]},
            )
        )
    return compared


def cpu_by_row(reports: Sequence[Report]) -> dict[str, dict[Run, float]]:
    """Every row's CPU ms per request by run, the ceiling first, rows in the order they ran."""
    figures: dict[str, dict[Run, float]] = {}
    for report in reports:
        run = (report.round, report.rewards)
        if report.ceiling:
            figures.setdefault(CEILING, {})[run] = report.ceiling.cpu_ms_per_request
        for result in report.rows:
            if result.answered:
                figures.setdefault(result.row.name, {})[run] = result.cpu_ms_per_request
    return figures


def commands_by_row(reports: Sequence[Report]) -> dict[str, dict[Run, float]]:
    """Every row's commands per request by run (none on the embedded database)."""
    counted: dict[str, dict[Run, float]] = {}
    for report in reports:
        for result in report.rows:
            if result.commands is not None:
                counted.setdefault(result.row.name, {})[(report.round, report.rewards)] = result.commands.total
    return counted


def peak_rss_mib(reports: Sequence[Report]) -> dict[int, float | None]:
    """The service's peak RSS by size, in MiB: the median over rounds."""
    sizes = sorted({report.rewards for report in reports})
    return {
        size: median(
            [report.peak_rss_kib / 1024 for report in reports if report.rewards == size and report.peak_rss_kib]
        )
        for size in sizes
    }
