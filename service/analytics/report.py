"""The analysts' report: the example queries' results as one self-contained HTML page with charts."""

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import plotly.graph_objects as go

from service.analytics.queries import QUERIES, QUERIES_BY_NAME, Query, run_query
from service.db.availability import deadline


@dataclass
class Report:
    generated_at: datetime
    database: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Queries not run, with the reason (operators the embedded database lacks).
    skipped: dict[str, str] = field(default_factory=dict)


# Each query's deadline: the analysts' queries read whole collections.
QUERY_BUDGET_SECONDS = 300.0


async def collect_report(now: datetime, database: str, embedded: bool) -> Report:
    """Run every example query that this database supports."""
    report = Report(generated_at=now, database=database)
    for query in QUERIES:
        if query.needs_real_mongodb and embedded:
            report.skipped[query.name] = query.needs_real_mongodb
            continue
        with deadline(QUERY_BUDGET_SECONDS):  # a full read of a large collection outlasts a request's deadline
            report.rows[query.name] = await run_query(query, now)
    return report


def table_rows(query: Query, rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Column headings and cell texts: `_id` becomes the query's key (expanded when it is an object)."""
    flat = [_flatten(query, row) for row in rows]
    columns: list[str] = []
    for row in flat:
        columns.extend(name for name in row if name not in columns)
    return columns, [[format_cell(row.get(name)) for name in columns] for row in flat]


def _flatten(query: Query, row: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    key = row.get("_id")
    if isinstance(key, dict):
        flat.update(key)
    elif "_id" in row:
        flat[query.key] = key
    flat.update((name, value) for name, value in row.items() if name != "_id")
    return flat


def format_cell(value: Any) -> str:
    """How the report prints a value (the tests format expected values the same way)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _charts(report: Report) -> list[go.Figure]:
    claims = report.rows.get("claims_per_day", [])
    funnel = report.rows.get("funnel_per_reward", [])
    expiry = report.rows.get("expired_rate_per_reward", [])
    per_day = go.Figure(go.Bar(x=[r["_id"] for r in claims], y=[r["claims"] for r in claims], name="claims"))
    per_day.update_layout(title="Claims per day (UTC)", xaxis_title="day", yaxis_title="claims")
    slugs = [r["_id"] for r in funnel]
    stages = go.Figure(
        [go.Bar(x=slugs, y=[r[stage] for r in funnel], name=stage) for stage in ("unlocked", "claimed", "expired")]
    )
    stages.update_layout(title="Funnel per reward: users who unlocked, claimed, let it expire", barmode="group")
    rate = go.Figure(go.Bar(x=[r["_id"] for r in expiry], y=[r["expired_rate"] for r in expiry], name="expired rate"))
    rate.update_layout(title="Expired rate per reward (expired / closed windows)", yaxis_tickformat=".0%")
    return [per_day, stages, rate]


def render_html(report: Report) -> str:
    """One HTML file, plotly.js inlined once, so it opens anywhere without a network."""
    charts = [
        figure.to_html(full_html=False, include_plotlyjs=index == 0, config={"displaylogo": False})
        for index, figure in enumerate(_charts(report))
    ]
    sections = [_section(QUERIES_BY_NAME[name], rows) for name, rows in report.rows.items()]
    sections += [
        f"<h2>{html.escape(QUERIES_BY_NAME[name].title)}</h2><p><em>Not run: {html.escape(reason)}.</em></p>"
        for name, reason in report.skipped.items()
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Rewards report</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
        "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}</style></head>"
        f"<body><h1>Rewards report</h1><p>Generated {format_cell(report.generated_at)} "
        f"from {html.escape(report.database)}.</p>" + "".join(charts) + "".join(sections) + "</body></html>\n"
    )


def _section(query: Query, rows: Sequence[dict[str, Any]]) -> str:
    columns, cells = table_rows(query, rows)
    head = "".join(f"<th>{html.escape(name)}</th>" for name in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in cells)
    table = (
        f"<table id='{query.name}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        if rows
        else "<p>No rows.</p>"
    )
    return f"<h2>{html.escape(query.title)}</h2><p>{html.escape(query.explanation)}</p>{table}"
