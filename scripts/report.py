"""`rewards-report [--out report.html]`: the analysts' queries as one self-contained HTML file."""

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from rewards_scripts.connection import database_settings, open_database

from documents.clock import utc_now
from service.settings import DatabaseSettings

try:
    from service.analytics.report import collect_report, render_html
except ModuleNotFoundError as missing:  # plotly is the optional [report] extra
    if missing.name != "plotly" and not (missing.name or "").startswith("plotly."):
        raise
    raise SystemExit(
        "rewards-report needs plotly: pip install 'rewards-service[report]' (make test installs it)"
    ) from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rewards-report",
        description="Run the example queries of docs/data-model.md against MONGODB_URL / MONGODB_DB "
        "and write the results, with charts, to one HTML file.",
    )
    parser.add_argument("--out", type=Path, default=Path("report.html"), help="where to write (default report.html)")
    return parser.parse_args(argv)


async def write_report(settings: DatabaseSettings, out: Path) -> None:
    async with open_database(settings) as database:
        report = await collect_report(utc_now(), settings.masked_mongodb_url, database.embedded)
    await asyncio.to_thread(out.write_text, render_html(report), encoding="utf-8")
    for name, reason in report.skipped.items():
        print(f"skipped {name}: {reason}", file=sys.stderr)
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(message)s")
    asyncio.run(write_report(database_settings(), parse_args(argv).out))


if __name__ == "__main__":
    main()
