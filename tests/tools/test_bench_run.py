"""`python -m bench` for real, briefly: on the wire server every row is reported with exact commands per request.

A small load (20 users, 5 rewards, 30 requests per row, the bench's Python client) keeps this
within about a minute on SecantusDB. The catalogue cache's version check (one read per
REWARDS_CATALOG_TTL_SECONDS, charged to whichever request comes next) would land on one of a
few dozen requests here and blur the exact figures, so the service's TTL is set long, as in the
round-trip tests; on a full bench run it is a few thousandths of a command per request.
"""

from typing import Any

import pymongo
import pytest

from bench.arguments import parse_args
from bench.py_spy import Shares
from bench.run import execute
from tests.support.environment import REAL_MONGODB_URL

on_the_wire = pytest.mark.skipif(REAL_MONGODB_URL is None, reason="needs a MongoDB wire server (set MONGODB_URL)")

ROWS = [
    "list",
    "list-page",
    "one-reward",
    "quiet-event",
    "unlock-event",
    "claim",
    "keyed-claim",
    "capped-claim",
    "chain-claim",
    "board-event",
    "rank",
]
SMALL_LOAD = [
    "--rewards",
    "5",
    "--users",
    "20",
    "--unlocked",
    "1",
    "--generator",
    "python",
    "--requests",
    "30",
    "--clients",
    "4",
    "--idle-seconds",
    "1",
    "--log-level",
    "WARNING",
]


@pytest.fixture(scope="module")
def report():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REWARDS_CATALOG_TTL_SECONDS", "3600")
        return execute(parse_args(["--mongodb-url", str(REAL_MONGODB_URL), *SMALL_LOAD])).reports[0]


@on_the_wire
def test_the_run_succeeds_and_reports_every_row(report) -> None:
    assert report.status == 0
    assert [result.row.name for result in report.rows] == ROWS
    assert all(result.commands is not None and result.answered == result.load.ok > 0 for result in report.rows)


@on_the_wire
def test_a_list_costs_exactly_two_commands(report) -> None:
    figure = report.row("list").commands

    assert (figure.route, figure.jobs, figure.total) == (2.0, 0.0, 2.0)


@on_the_wire
def test_a_list_s_first_page_and_one_reward_of_a_user_cost_exactly_two_commands(report) -> None:
    page, one = report.row("list-page").commands, report.row("one-reward").commands

    assert (page.route, page.jobs, one.route, one.jobs) == (2.0, 0.0, 2.0, 0.0)


@on_the_wire
def test_an_event_that_changes_nothing_costs_exactly_two_commands_and_no_relay_work(report) -> None:
    figure = report.row("quiet-event").commands

    assert (figure.route, figure.work, figure.total) == (2.0, {}, 2.0)


@on_the_wire
def test_unlocks_and_claims_give_the_relay_work_and_a_key_adds_two_commands(report) -> None:
    unlock, claim, keyed = (report.row(name).commands for name in ("unlock-event", "claim", "keyed-claim"))

    assert unlock.route == 3.0  # facts update, states read, the transitions' bulk write
    assert all(figure.work.get("feed-relay", 0) > 0 for figure in (unlock, claim, keyed))
    assert keyed.route == claim.route + 2


@on_the_wire
def test_a_capped_claim_adds_its_hold_and_slot_and_a_chain_its_dependents_evaluation(report) -> None:
    claim, capped, chain = (report.row(name).commands for name in ("claim", "capped-claim", "chain-claim"))

    assert round(capped.route - claim.route, 1) == 2.0  # the hold and the slot
    assert round(chain.route - claim.route, 1) == 3.0  # facts read, states read, the dependent's unlock


@on_the_wire
def test_an_event_feeding_a_board_adds_its_copy_and_a_rank_costs_four_reads(report) -> None:
    quiet, board, rank = (report.row(name).commands for name in ("quiet-event", "board-event", "rank"))

    # The copy of the score to the standings; with 20 users and 4 clients two first copies of one user
    # often race on the unique index, and the one that lost is sent again (a real MongoDB retries such an
    # upsert itself): one command more for those only.
    assert 1.0 <= board.route - quiet.route < 1.5
    # Every user sent a gift first (users in turn): the user's score, those ahead counted, the users above and below.
    assert rank.route == 4.0


@on_the_wire
def test_idle_polling_is_measured_apart_and_the_rows_carry_a_profile_or_its_absence(report) -> None:
    assert report.idle_per_second is not None
    assert report.idle_per_second.get("feed-relay", 0) > 0
    assert all(isinstance(result.profile, Shares | str) for result in report.rows)
    assert all(result.cpu_seconds > 0 for result in report.rows)


@on_the_wire
def test_the_service_s_peak_rss_is_read_after_loading_and_after_every_row(report) -> None:
    assert [phase for phase, _ in report.peaks] == ["loaded", *ROWS]
    assert [kib for _, kib in report.peaks] == sorted(kib for _, kib in report.peaks)  # a peak never falls


@on_the_wire
def test_the_bench_leaves_no_database_behind(report) -> None:
    with pymongo.MongoClient[dict[str, Any]](REAL_MONGODB_URL, serverSelectionTimeoutMS=5000) as client:
        assert report.database.startswith("rewards_bench_")
        assert report.database not in client.list_database_names()


@pytest.mark.skipif(REAL_MONGODB_URL is not None, reason="the embedded run is the same on both passes: once is enough")
def test_an_embedded_run_of_two_sizes_reports_every_row_of_each_and_counts_no_commands() -> None:
    runs = execute(parse_args(["--embedded", *SMALL_LOAD, "--rewards", "5,8", "--rounds", "1"]))

    assert runs.status == 0
    assert [(embedded.round, embedded.rewards) for embedded in runs.reports] == [(1, 5), (1, 8)]
    for embedded in runs.reports:
        assert [result.row.name for result in embedded.rows] == ROWS
        assert embedded.idle_per_second is None
        assert all(result.commands is None and result.answered > 0 for result in embedded.rows)
        assert [phase for phase, _ in embedded.peaks] == ["loaded", *ROWS]
        assert embedded.peak_rss_kib == max(kib for _, kib in embedded.peaks)
