"""Offline evaluation of ``fct_customer_recommendations`` against a most-popular baseline.

A warehouse built with ``as_of_date = T`` recommends from what was known on T. The evaluation compares its top-k
products per customer with what each customer really bought after T: the valid orders placed after T (trusted rows
of the staging layer, i.e. not quarantined, not a test order or account, never cancelled) of the customers that
existed on T, optionally only within ``horizon_days`` after T.

For every such customer with at least one purchased product after T (the relevant set R):
  hit@k    = 1 when at least one of the top-k recommended products is in R, else 0
  recall@k = |top-k recommended ∩ R| / |R|
averaged over those customers (a customer without recommendations counts with 0). The baseline recommends to each
customer the k products with the most distinct buyers up to T (ties by product id) that the customer had not bought
by T. Both read the same history (``intermediate.int_p13n_order_lines`` of the build).

Usage:
  python -m retention_warehouse.recommendations_eval --database warehouse.duckdb
  python -m retention_warehouse.recommendations_eval --raw DIR --as-of 2024-09-30 --workdir /tmp/eval
The second form loads the raw files into a fresh DuckDB file and builds the models the recommendations need with
``--vars {as_of_date: T}`` first.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .cli import DATE_FORMATS, HelpFormatter, date_argument

if TYPE_CHECKING:
    import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_KS = (5, 10)


def build(raw_dir: str | Path, work_dir: str | Path, as_of: str, *, extra_vars: dict | None = None) -> Path:
    """Load the raw files into ``work_dir/warehouse.duckdb`` and build the recommendations as of ``as_of``."""
    from .load import load_duckdb

    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    database = work_dir / "warehouse.duckdb"
    if database.exists():
        database.unlink()
    load_duckdb(Path(raw_dir), database=str(database))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env.update(DBT_PROFILES_DIR=str(PROJECT_DIR), DBT_DUCKDB_PATH=str(database),
               DBT_SEND_ANONYMOUS_USAGE_STATS="false", RETENTION_TARGET="duckdb")
    dbt_vars = {"as_of_date": as_of, **(extra_vars or {})}
    command = [str(Path(sys.executable).with_name("dbt")), "run", "--select", "+fct_customer_recommendations",
               "--vars", json.dumps(dbt_vars), "--target-path", str(work_dir / "target"),
               "--log-path", str(work_dir / "logs")]
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"dbt run failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    return database


def load_frames(database: str | Path, horizon_days: int | None = None) -> dict:
    """The build's as_of_date, its recommendations, the history up to T and the purchases after T."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
        recommendations = con.execute(
            'select customer_id, "rank", product_id from marts.fct_customer_recommendations').fetchdf()
        history = con.execute(
            "select distinct customer_id, product_id from intermediate.int_p13n_order_lines").fetchdf()
        horizon = "" if horizon_days is None else f"and orders.order_date <= date '{as_of}' + {int(horizon_days)}"
        future = con.execute(f"""
            select distinct orders.customer_id, items.product_id
            from staging.stg_shop__orders as orders
            inner join staging.stg_shop__order_items as items
                on orders.order_id = items.order_id
            inner join staging.stg_shop__customers as customers
                on orders.customer_id = customers.customer_id
            where orders.order_date > date '{as_of}' {horizon}
                and orders.cancelled_at is null
                and customers.signup_date <= date '{as_of}'
        """).fetchdf()
    return {"as_of_date": as_of, "recommendations": recommendations, "history": history, "future": future}


def popularity_baseline(history: pd.DataFrame, customers: list[str], k: int) -> pd.DataFrame:
    """Top-k products by distinct buyers up to T (ties by product id), skipping what each customer bought."""
    import pandas as pd

    buyers = history.groupby("product_id").customer_id.nunique().reset_index(name="buyers")
    ranked = buyers.sort_values(["buyers", "product_id"], ascending=[False, True]).product_id.tolist()
    bought = history.groupby("customer_id").product_id.agg(set).to_dict()
    rows = []
    for customer in customers:
        owned = bought.get(customer, set())
        picks = [p for p in ranked[: k + len(owned)] if p not in owned][:k]
        rows.extend((customer, rank, product) for rank, product in enumerate(picks, start=1))
    return pd.DataFrame(rows, columns=["customer_id", "rank", "product_id"])


def score(recommended: pd.DataFrame, relevant: dict[str, set], k: int) -> dict[str, float]:
    """Mean hit@k and recall@k over the customers of ``relevant``."""
    top = recommended[recommended["rank"] <= k].groupby("customer_id").product_id.agg(set).to_dict()
    hits, recalls = [], []
    for customer, products in relevant.items():
        found = len(top.get(customer, set()) & products)
        hits.append(1.0 if found else 0.0)
        recalls.append(found / len(products))
    n = len(relevant)
    return {"hit_rate": sum(hits) / n if n else float("nan"), "recall": sum(recalls) / n if n else float("nan")}


def evaluate(database: str | Path, ks: tuple[int, ...] = DEFAULT_KS, horizon_days: int | None = None) -> pd.DataFrame:
    """One row per method and k: hit rate, recall, customers evaluated, and the share of them with a
    recommendation."""
    import pandas as pd

    frames = load_frames(database, horizon_days)
    relevant = frames["future"].groupby("customer_id").product_id.agg(set).to_dict()
    customers = sorted(relevant)
    recommendations = frames["recommendations"]
    baseline = popularity_baseline(frames["history"], customers, max(ks))
    covered = set(recommendations.customer_id)
    rows = []
    for method, recommended in (("recommendations", recommendations), ("most_popular", baseline)):
        for k in ks:
            metrics = score(recommended, relevant, k)
            with_recs = covered if method == "recommendations" else set(baseline.customer_id)
            rows.append({"method": method, "k": k, **metrics, "customers": len(customers),
                         "coverage": sum(c in with_recs for c in customers) / len(customers) if customers else 0.0,
                         "as_of_date": str(frames["as_of_date"])})
    return pd.DataFrame(rows)


def format_table(result: pd.DataFrame) -> str:
    lines = [f"as_of_date {result.as_of_date.iloc[0]}, customers with a purchase after it: {result.customers.iloc[0]}",
             f"{'method':<18}{'k':>4}{'hit_rate':>11}{'recall':>9}{'coverage':>10}"]
    for row in result.itertuples():
        lines.append(f"{row.method:<18}{row.k:>4}{row.hit_rate:>11.4f}{row.recall:>9.4f}{row.coverage:>10.3f}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m retention_warehouse recommendations-eval`` (standard library only)."""
    parser.add_argument("--database", help="a DuckDB warehouse already built with as_of_date = T (or give --raw)")
    parser.add_argument("--raw", help="a folder of raw files (CSV/Parquet) to load and build from instead, as of "
                                      "--as-of")
    parser.add_argument("--as-of", type=date_argument,
                        help=f"T, the as_of_date of the build (with --raw), {DATE_FORMATS}")
    parser.add_argument("--workdir", help="where to build, with --raw (default: a folder <raw>_eval beside the raw "
                                          "files)")
    parser.add_argument("--k", type=int, nargs="+", default=list(DEFAULT_KS),
                        help=f"cut-offs of the top-k lists (default: {' '.join(map(str, DEFAULT_KS))})")
    parser.add_argument("--horizon-days", type=int,
                        help="only purchases within N days after T count (default: every purchase after T)")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Evaluate for parsed ``add_arguments`` options; ``parser`` reports a wrong combination (exit code 2)."""
    if bool(args.database) == bool(args.raw):
        parser.error("give either --database or --raw (with --as-of)")
    if args.raw:
        if not args.as_of:
            parser.error("--raw needs --as-of")
        work_dir = Path(args.workdir) if args.workdir else Path(args.raw).with_name(Path(args.raw).name + "_eval")
        database = build(args.raw, work_dir, args.as_of)
    else:
        database = Path(args.database)
    print(format_table(evaluate(database, tuple(args.k), args.horizon_days)))
    if args.raw:
        print(f"built {database} (as of {args.as_of})")
        print("next, evaluate it again without rebuilding (other cut-offs, a horizon): .venv/bin/python -m "
              f"retention_warehouse recommendations-eval --database {shlex.quote(str(database))} --k 5 10 20")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retention_warehouse recommendations-eval", description=__doc__,
                                     formatter_class=HelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv), parser)


if __name__ == "__main__":
    sys.exit(main())
