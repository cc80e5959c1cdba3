"""Command-line wiring of the report, importable without pandas or DuckDB (the work is imported on run):

    report = commands.add_parser("report", help="write the self-contained HTML retention report for a period")
    add_arguments(report)
    ...
    if args.command == "report":
        return run(args)
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--period", choices=["month", "week"], default="month", help="reporting period (default month)")
    parser.add_argument("--date", help="the period: 2025-05 or any day in it (2025-05-14); for weeks also 2025-W20."
                                       " Default: the latest period that ended on or before as_of_date")
    parser.add_argument("--out", default="retention_report.html", help="output HTML file (default retention_report.html)")
    parser.add_argument("--database", help="DuckDB file (default: $DBT_DUCKDB_PATH or retention.duckdb)")
    parser.add_argument("--schema", help="schema of the marts (default: $RETENTION_MARTS_SCHEMA or marts)")
    return parser


def run(args: argparse.Namespace) -> int:
    from retention_warehouse.dashboard.data import WarehouseBusy, WarehouseMissing
    from retention_warehouse.report import ReportError, write_report

    try:
        path = write_report(args.out, args.database, args.period, args.date, schema=args.schema)
    except (ReportError, WarehouseMissing, WarehouseBusy) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retention_warehouse.report",
                                     description="Write the self-contained HTML retention report for a period.")
    return run(add_arguments(parser).parse_args(argv))
