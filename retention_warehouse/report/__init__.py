"""Periodic retention report: one self-contained HTML file for management.

    python -m retention_warehouse.report --period month --date 2025-05 --out report.html

Sections: headline figures with the change against the previous period, the cohort retention heatmap, retention
curves, activity, lifecycle flows, segments (acquisition channel, country, RFM, tiers) and notable movements.
Charts are inline SVG and an HTML-table heatmap: no script, no font, no network resource.

Every figure reads the public marts (read-only, one connection per query) and is restricted to what was known at
the end of the period: cohort cells, retention windows and stage counts after the period's last day are left
out, so the report of a past month reads the same from any later build. RFM segments and tiers are as of the
build's as_of_date (say so where shown).

Call it from Python with `write_report(out, database=..., period="month", date="2025-05")`, or wire the CLI into
another argparse program with `retention_warehouse.report.cli.add_arguments(parser)` and `.run(args)` (that module
imports neither pandas nor DuckDB until it runs).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from retention_warehouse.report.cli import add_arguments, main, run

__all__ = ["ReportError", "add_arguments", "build_report", "main", "resolve_period", "run", "write_report"]


def __getattr__(name: str):  # pandas and DuckDB load only when the report is made, not when the CLI is wired
    if name in ("ReportError", "resolve_period", "build_content"):
        from retention_warehouse.report import content

        return getattr(content, name)
    raise AttributeError(name)


def build_report(database: str | Path | None = None, period: str = "month", date: str | None = None, *,
                 schema: str | None = None, generated_at: dt.datetime | None = None) -> str:
    """The report as an HTML string. `period` is month or week; `date` names it (2025-05, 2025-05-14 or 2025-W20;
    default: the latest period that ended on or before as_of_date)."""
    from retention_warehouse.dashboard.data import Warehouse, database_path, marts_schema
    from retention_warehouse.report.content import build_content
    from retention_warehouse.report.render import render_html

    wh = Warehouse(Path(database) if database else database_path(), schema or marts_schema())
    content = build_content(wh, period, date)
    return render_html(content, generated_at=generated_at or dt.datetime.now().replace(microsecond=0))


def write_report(out: str | Path, database: str | Path | None = None, period: str = "month", date: str | None = None,
                 *, schema: str | None = None) -> Path:
    """Write the report to `out` (a file, or a directory that gets retention_report.html); returns the path."""
    html = build_report(database, period, date, schema=schema)
    out = Path(out)
    if out.is_dir():
        out = out / "retention_report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out
