"""What `make build` ends with: where the warehouse is, what it holds, and three things to do next.

    python -m retention_warehouse.next_steps [--database FILE] [--data FOLDER]

Reads the DuckDB file (default: $DBT_DUCKDB_PATH, else retention.duckdb) read-only; it imports no pandas.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

TOUR_QUERY = "select * from marts.fct_retention_headline order by cohort_date desc limit 5"


def summary(database: Path) -> dict[str, object]:
    """Customers, orders and the days the build covers, as of its as_of_date."""
    with duckdb.connect(str(database), read_only=True) as con:
        customers, buyers = con.execute(
            "select count(*), count(case when lifetime_orders > 0 then 1 end) from marts.dim_customers").fetchone()
        orders, first_day, last_day = con.execute(
            "select count(*), min(order_date), max(order_date) from marts.fct_orders").fetchone()
        (as_of,) = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()
    days = (last_day - first_day).days + 1 if first_day and last_day else 0
    return {"customers": customers, "buyers": buyers, "orders": orders, "first_day": first_day,
            "last_day": last_day, "days": days, "as_of_date": as_of}


def message(database: Path, data: str | None) -> str:
    facts = summary(database)
    shown = os.path.relpath(database) if database.is_absolute() and database.is_relative_to(Path.cwd()) else database
    env = "" if str(shown) == "retention.duckdb" else f"DBT_DUCKDB_PATH={shown} "
    return "\n".join([
        "",
        f"Warehouse ready: {shown} ({database.stat().st_size / 1e6:,.0f} MB)",
        f"  {facts['customers']:,} customers ({facts['buyers']:,} with an order), {facts['orders']:,} valid orders "
        f"over {facts['days']:,} days ({facts['first_day']} .. {facts['last_day']}), as of {facts['as_of_date']}",
        *([f"  loaded from {data}"] if data else []),
        "",
        "Next:",
        f"  1. query it:      .venv/bin/python -c \"import duckdb; print(duckdb.connect('{shown}', "
        f"read_only=True).sql('{TOUR_QUERY}'))\"",
        f"  2. look at it:    {env}make dashboard    (then open http://localhost:8501)",
        "  3. your own data: make load DEMO_DIR=path/to/your/files && make dbt-build"
        "    (README, \"Your own data\")",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retention_warehouse.next_steps", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", type=Path, default=Path(os.environ.get("DBT_DUCKDB_PATH") or "retention.duckdb"),
                        help="the DuckDB file (default: $DBT_DUCKDB_PATH, else retention.duckdb)")
    parser.add_argument("--data", help="the folder the build was loaded from")
    args = parser.parse_args(argv)
    if not args.database.exists():
        print(f"no warehouse at {args.database}: run `make build`", file=sys.stderr)
        return 1
    print(message(args.database.resolve(), args.data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
