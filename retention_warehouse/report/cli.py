"""Command-line wiring of the report, importable without pandas or DuckDB (the work is imported on run):

    report = commands.add_parser("report", help="write the self-contained HTML retention report for a period")
    add_arguments(report)
    ...
    if args.command == "report":
        return run(args)
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys

PERIOD_FORMATS = "YYYY-MM (a month, 2025-05), YYYY-MM-DD (the period holding that day, 2025-05-14) or YYYY-Www (an " \
                 "ISO week, 2025-W20)"


def period_argument(text: str) -> str:
    """An argparse ``type`` for --date: a month, a day or an ISO week (PERIOD_FORMATS), returned as given; anything
    else is a one-line error naming the accepted formats (argparse exits with code 2)."""
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
            dt.date.fromisoformat(text + "-01")
            return text
        if week := re.fullmatch(r"([0-9]{4})-W([0-9]{2})", text):
            dt.date.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
            return text
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            dt.date.fromisoformat(text)
            return text
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a period; accepted: {PERIOD_FORMATS}")


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--period", choices=["month", "week"], default="month", help="reporting period")
    parser.add_argument("--date", type=period_argument,
                        help=f"the period: {PERIOD_FORMATS} (default: the latest period that ended on or before "
                             "as_of_date)")
    parser.add_argument("--out", default="retention_report.html",
                        help="output HTML file, or a folder to write retention_report.html into")
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
    print("next, open it in a browser: one self-contained file (no script, font or network resource), ready to "
          "send as it is")
    return 0


def main(argv: list[str] | None = None) -> int:
    from retention_warehouse.cli import HelpFormatter

    parser = argparse.ArgumentParser(prog="python -m retention_warehouse.report", formatter_class=HelpFormatter,
                                     description="Write the self-contained HTML retention report for a period.")
    return run(add_arguments(parser).parse_args(argv))
