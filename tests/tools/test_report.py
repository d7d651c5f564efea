"""`rewards-report`: one self-contained HTML file whose numbers match the data, computed directly."""

import re
from collections import Counter, defaultdict
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rewards_scripts.report import write_report

from service.analytics.queries import (
    CONTRIBUTIONS_GOAL,
    STANDINGS_BOARD,
    STANDINGS_RUN,
    TOP_COUNTER,
    TOP_USERS,
)
from service.analytics.report import collect_report, format_cell, render_html
from service.db.connection import Database
from service.operations import leaderboards
from tests.support.analytics_data import NOW, History, insert_history
from tests.support.environment import REAL_MONGODB_URL, drop_database, make_settings


class Tables(HTMLParser):
    """Every <table id=...> of the page as a list of {heading: cell text} rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self._id: str | None = None
        self._headings: list[str] = []
        self._row: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            table_id = dict(attrs)["id"]
            assert table_id, "every table of the report has an id"
            self._id, self._headings = table_id, []
            self.tables[table_id] = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._id:
            if not self._headings:
                self._headings = self._row
            else:
                self.tables[self._id].append(dict(zip(self._headings, self._row, strict=True)))
        elif tag == "table":
            self._id = None


@pytest.fixture
async def page(database: Database) -> tuple[History, dict[str, list[dict[str, str]]], str]:
    history = await insert_history()
    report = await collect_report(NOW, "test database", embedded=database.embedded)
    text = render_html(report)
    parser = Tables()
    parser.feed(text)
    return history, parser.tables, text


def by_key(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: {k: v for k, v in row.items() if k != key} for row in rows}


async def test_funnel_table_matches_the_user_rewards(page: tuple) -> None:
    history, tables, _ = page
    expected: dict[str, Counter] = defaultdict(Counter)
    for state in history.user_rewards:
        counts = expected[state["reward_slug"]]
        counts["unlocked"] += 1
        counts["claimed"] += state["claim_count"] > 0
        counts["expired"] += state["status"] == "expired"
        counts["waiting"] += state["status"] == "unlocked"
        counts["claims"] += state["claim_count"]

    shown = by_key(tables["funnel_per_reward"], "reward")

    assert shown == {
        slug: {name: str(counts[name]) for name in ("unlocked", "claimed", "expired", "waiting", "claims")}
        for slug, counts in expected.items()
    }


async def test_expired_rate_table_matches_closed_windows(page: tuple) -> None:
    history, tables, _ = page
    closed: dict[str, Counter] = defaultdict(Counter)
    for state in history.user_rewards:
        if state["status"] in ("claimed", "expired"):
            closed[state["reward_slug"]][state["status"]] += 1

    shown = by_key(tables["expired_rate_per_reward"], "reward")

    assert {slug: row["expired_rate"] for slug, row in shown.items()} == {
        slug: format_cell(c["expired"] / (c["claimed"] + c["expired"])) for slug, c in closed.items()
    }


async def test_claims_and_besitos_per_day_match_the_grants(page: tuple) -> None:
    history, tables, _ = page
    claims = Counter(grant["claimed_at"].strftime("%Y-%m-%d") for grant in history.grants)
    besitos: Counter = Counter()
    for grant in history.grants:
        if grant["reward_type"] == "besitos":
            besitos[grant["claimed_at"].strftime("%Y-%m-%d")] += grant["reward_value"]["amount"]

    assert {day: row["claims"] for day, row in by_key(tables["claims_per_day"], "day").items()} == {
        day: str(n) for day, n in claims.items()
    }
    assert {day: row["besitos"] for day, row in by_key(tables["besitos_per_day"], "day").items()} == {
        day: str(n) for day, n in besitos.items()
    }
    assert sum(claims.values()) == len(history.grants) > 0


async def test_vip_days_per_month_and_badge_holders_match_the_grants(page: tuple) -> None:
    history, tables, _ = page
    days: Counter = Counter()
    holders: dict[str, set[int]] = defaultdict(set)
    for grant in history.grants:
        if grant["reward_type"] == "vip_extension":
            days[grant["claimed_at"].strftime("%Y-%m")] += grant["reward_value"]["days"]
        if grant["reward_type"] == "badge":
            holders[grant["reward_value"]["badge_name"]].add(grant["user_id"])

    vip = by_key(tables["vip_extensions_per_month"], "month")
    badges = by_key(tables["top_badges"], "badge_name")

    assert {month: row["days"] for month, row in vip.items()} == {month: str(n) for month, n in days.items()}
    assert {name: row["holders"] for name, row in badges.items()} == {n: str(len(u)) for n, u in holders.items()}


async def test_overdue_pending_grants_are_listed_and_the_fresh_one_is_not(page: tuple) -> None:
    history, tables, _ = page
    overdue = {
        g["grant_id"]
        for g in history.grants
        if g["delivered_at"] is None and g["claimed_at"] < NOW - timedelta(hours=1)
    }
    fresh = {g["grant_id"] for g in history.grants if g["claimed_at"] > NOW - timedelta(hours=1)}

    listed = {row["grant_id"] for row in tables["pending_grants_older_than_an_hour"]}

    assert listed == overdue != set()
    assert fresh
    assert not fresh & listed


async def test_report_holds_three_charts_and_loads_nothing_from_the_network(page: tuple) -> None:
    _, _, text = page

    assert text.count('class="plotly-graph-div"') == 3
    assert not re.search(r"<script[^>]*\bsrc=", text)
    assert "Claims per day" in text
    assert "Funnel per reward" in text
    assert "Expired rate per reward" in text


async def test_report_command_writes_one_html_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings()
    out = tmp_path / "report.html"
    try:
        await write_report(settings, out)
    finally:
        await drop_database(settings)

    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert capsys.readouterr().out.strip() == f"wrote {out}"


async def test_rarity_table_matches_the_users_with_facts_who_unlocked_and_claimed(page: tuple) -> None:
    history, tables, _ = page
    unlocked: Counter = Counter(state["reward_slug"] for state in history.user_rewards)
    claimed: Counter = Counter(state["reward_slug"] for state in history.user_rewards if state["claim_count"] > 0)
    users = len(history.facts)

    shown = by_key(tables["rarest_rewards"], "reward")

    assert {slug: (row["unlocked_share"], row["claimed_share"]) for slug, row in shown.items()} == {
        slug: (format_cell(unlocked[slug] / users), format_cell(claimed[slug] / users)) for slug in unlocked
    }


async def test_top_users_table_lists_the_highest_counter_values_ties_by_user_id(page: tuple) -> None:
    history, tables, _ = page
    values = [
        (facts["user_id"], facts["counters"][TOP_COUNTER])
        for facts in history.facts
        if facts["counters"].get(TOP_COUNTER, 0) > 0
    ]
    top = sorted(values, key=lambda pair: (-pair[1], pair[0]))[:TOP_USERS]

    shown = [(row["user_id"], row[TOP_COUNTER]) for row in tables["top_users_by_counter"]]

    assert shown == [(str(user_id), str(value)) for user_id, value in top]
    assert len(values) > TOP_USERS  # some users are left out, so the limit is what shows them


async def test_sell_through_table_counts_each_editions_grants_against_its_cap(page: tuple) -> None:
    history, tables, _ = page
    capped = {slug: reward for slug, reward in history.rewards.items() if reward.get("max_claims") is not None}
    granted = Counter(grant["reward_slug"] for grant in history.grants if grant["reward_slug"] in capped)

    shown = by_key(tables["edition_sell_through"], "reward")

    assert shown == {
        slug: {
            "name": reward["name"],
            "taken": str(granted[slug]),
            "max_claims": str(reward["max_claims"]),
            "left": str(reward["max_claims"] - granted[slug]),
            "share_taken": format_cell(granted[slug] / reward["max_claims"]),
            "sold_out": str(granted[slug] >= reward["max_claims"]),
        }
        for slug, reward in capped.items()
    }
    assert sum(granted.values()) > 0


@pytest.mark.skipif(REAL_MONGODB_URL is None, reason="$setWindowFields is not in mongomock: the wire pass runs it")
async def test_final_standings_rank_a_runs_users_as_the_service_does_and_leave_out_the_removed(page: tuple) -> None:
    history, tables, _ = page
    run = [s for s in history.board_scores if (s["board"], s["run"]) == (STANDINGS_BOARD, STANDINGS_RUN)]
    kept = [score for score in run if not score["removed"]]
    ranked = sorted(kept, key=lambda score: (-score["score"], score["reached_at"], score["user_id"]))

    shown = tables["final_standings"]

    assert shown == [
        {
            "rank": str(rank),
            "user_id": str(score["user_id"]),
            "score": str(score["score"]),
            "reached_at": format_cell(score["reached_at"]),
        }
        for rank, score in enumerate(ranked, start=1)
    ]
    served = await leaderboards.top(STANDINGS_BOARD, STANDINGS_RUN, len(run))
    assert [row["user_id"] for row in shown] == [str(score["user_id"]) for score in served]
    assert len(kept) < len(run)  # a removed user is left out
    assert len({(s["score"], s["reached_at"]) for s in kept}) < len(kept)  # and a tie goes to the smaller id


async def test_contributions_table_lists_a_goals_contributors_biggest_first_beside_its_target_and_total(
    page: tuple,
) -> None:
    history, tables, _ = page
    goal = history.goals[CONTRIBUTIONS_GOAL]
    total = sum(shard["total"] for shard in history.goal_shards if shard["goal"] == CONTRIBUTIONS_GOAL)
    theirs = [c for c in history.contributions if c["goal"] == CONTRIBUTIONS_GOAL]
    biggest_first = sorted(theirs, key=lambda c: (-c["amount"], c["user_id"]))

    shown = tables["goal_contributions"]

    assert shown == [
        {
            "user_id": str(c["user_id"]),
            "amount": str(c["amount"]),
            "qualifies": str(c["amount"] >= goal["min_contribution"]),
            "awarded": str(c["awarded"]),
            "target": str(goal["target"]),
            "total": str(total),
        }
        for c in biggest_first
    ]
    assert {row["qualifies"] for row in shown} == {"True", "False"}
    assert len(theirs) < len(history.contributions)  # another goal's contributions are left out
