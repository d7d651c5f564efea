"""`python -m bench --rewards 50,1000`: its arguments, the order of its runs, and the medians and ratios it prints."""

import pytest

from bench.arguments import parse_args
from bench.commands import CommandsPerRequest
from bench.compare import commands_by_row, compare, cpu_by_row, median, peak_rss_mib, round_ratios, schedule
from bench.load import Figures
from bench.report import Report, RowResult, Runs
from bench.workload import LIST, QUIET_EVENT


def test_one_size_runs_once_as_before() -> None:
    args = parse_args(["--rewards", "50"])

    assert (args.rewards, args.rounds) == ([50], 1)


def test_several_sizes_run_three_rounds_unless_told() -> None:
    assert (parse_args(["--rewards", "50,1000"]).rewards, parse_args(["--rewards", "50,1000"]).rounds) == (
        [50, 1000],
        3,
    )
    assert parse_args(["--rewards", "50,1000", "--rounds", "5"]).rounds == 5


@pytest.mark.parametrize("sizes", ["50,x", "0", "50,-1", "50,50", ""])
def test_sizes_must_be_different_positive_numbers(sizes: str) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--rewards", sizes])


@pytest.mark.parametrize("phase", [["--soak"], ["--open-loop"], ["--profile", "stacks.txt"]])
def test_the_phases_of_a_single_run_refuse_several_sizes_or_rounds(phase: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--rewards", "50,1000", *phase])
    with pytest.raises(SystemExit):
        parse_args(["--rounds", "2", *phase])


def test_rounds_must_be_at_least_one() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--rewards", "50,1000", "--rounds", "0"])


def test_each_round_runs_every_size_back_to_back_in_alternating_order() -> None:
    assert schedule([50, 1000], 3) == [(1, 50), (1, 1000), (2, 1000), (2, 50), (3, 50), (3, 1000)]


def test_one_size_and_one_round_is_one_run() -> None:
    assert schedule([50], 1) == [(1, 50)]


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert median([]) is None


def test_each_round_s_ratio_divides_its_own_figures() -> None:
    figures = {(1, 50): 2.0, (1, 1000): 2.2, (2, 50): 4.0, (2, 1000): 4.8, (3, 50): 1.0, (3, 1000): 0.9}

    assert round_ratios(figures, 50, 1000) == pytest.approx([1.1, 1.2, 0.9])


def test_a_round_missing_a_size_or_with_nothing_at_the_smaller_gives_no_ratio() -> None:
    figures = {(1, 50): 2.0, (1, 1000): 3.0, (2, 50): 2.0, (3, 50): 0.0, (3, 1000): 1.0}

    assert round_ratios(figures, 50, 1000) == [1.5]


def test_the_ratio_is_the_median_of_the_rounds_ratios_not_the_ratio_of_the_medians() -> None:
    # Round 2 ran on a machine twice as slow for both sizes: its ratio is as good as the others'.
    cpu = {"list": {(1, 50): 1.0, (1, 1000): 1.1, (2, 50): 2.0, (2, 1000): 2.6, (3, 50): 1.0, (3, 1000): 2.4}}

    (row,) = compare(cpu, {})

    assert row.ratios[1000] == pytest.approx([1.1, 1.3, 2.4])
    assert row.ratio(1000) == pytest.approx(1.3)  # the medians' ratio would be 2.4 / 1.0
    assert row.cpu_ms == {50: 1.0, 1000: 2.4}


def test_one_spoiled_round_does_not_move_the_median() -> None:
    cpu = {"list": {(1, 50): 1.0, (1, 1000): 1.1, (2, 50): 1.0, (2, 1000): 9.0, (3, 50): 1.0, (3, 1000): 1.2}}

    assert compare(cpu, {})[0].ratio(1000) == pytest.approx(1.2)


def test_commands_are_the_median_per_size_and_none_where_none_were_counted() -> None:
    cpu = {"list": {(1, 50): 1.0, (1, 1000): 1.0, (2, 50): 1.0, (2, 1000): 1.0}}
    commands = {"list": {(1, 50): 2.0, (2, 50): 2.0}}

    assert compare(cpu, commands)[0].commands == {50: 2.0, 1000: None}


def _report(round_number: int, rewards: int, list_cpu_seconds: float, peak_kib: int) -> Report:
    ceiling = Figures("ceiling", "wrk", 1000, 1000, 0, 0, 1.0, 1.0, 1.0, 1.0, cpu_seconds=0.04)
    rows = [
        RowResult(LIST, ceiling, 100, list_cpu_seconds, CommandsPerRequest(100, 2.0, {}), "no py-spy"),
        RowResult(QUIET_EVENT, ceiling, 0, 0.0, None, "no py-spy"),  # answered nothing: no figure
    ]
    return Report("db", rewards, round_number, ceiling, rows, None, [("loaded", 1024), ("list", peak_kib)], 0)


def test_the_reports_give_the_ceiling_then_each_row_that_answered_by_run() -> None:
    reports = [_report(1, 50, 0.1, 2048), _report(1, 1000, 0.2, 4096)]

    assert cpu_by_row(reports) == {
        "ceiling": {(1, 50): pytest.approx(0.04), (1, 1000): pytest.approx(0.04)},
        "list": {(1, 50): pytest.approx(1.0), (1, 1000): pytest.approx(2.0)},
    }
    assert commands_by_row(reports) == {"list": {(1, 50): 2.0, (1, 1000): 2.0}}


def test_peak_rss_is_the_median_over_rounds_of_each_run_s_last_peak_in_mib() -> None:
    reports = [_report(1, 50, 0.1, 2048), _report(2, 50, 0.1, 3072), _report(3, 50, 0.1, 10240)]
    reports += [_report(1, 1000, 0.1, 4096)]

    assert peak_rss_mib(reports) == {50: 3.0, 1000: 4.0}


def test_the_invocation_fails_when_any_run_failed() -> None:
    assert Runs([_report(1, 50, 0.1, 1024), _report(1, 1000, 0.1, 1024)]).status == 0
    assert Runs([_report(1, 50, 0.1, 1024), Report("db", 1000)]).status == 1
    assert Runs().status == 1
