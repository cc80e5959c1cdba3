"""Command line: ``python -m retention_warehouse <command> ...``; commands: generate, load, salt, bench, report,
recommendations-eval, score-churn, score-next-order."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retention_warehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a synthetic raw dataset as Parquet files")
    generate.add_argument("--customers", type=int, default=5000)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--out", required=True, help="output directory")
    generate.add_argument("--start-date", default="2024-01-01")
    generate.add_argument("--days", type=int, default=540)
    generate.add_argument("--fault-rate", type=float, default=0.0, help="share of rows to corrupt per fault class")
    generate.add_argument("--single-population", action="store_true", help="one BG/NBD population (CLV checks)")
    generate.add_argument("--chunk-customers", type=int, default=100_000,
                          help="generate more customers than this in chunks of at most this many (bounds memory)")
    generate.add_argument("--loyalty", action="store_true",
                          help="add a loyalty points programme: the raw table loyalty_ledger and its true effect on "
                               "retention (recorded in _truth/parameters.json)")

    load = commands.add_parser(
        "load", help="load raw CSV/TSV/Parquet files into the target's raw schema",
        description="Load <table>.csv, .csv.gz, .tsv, .tsv.gz or .parquet files (names case-insensitive) into the "
                    "target's raw schema, checked against the raw input contract; see retention_warehouse/load.py.")
    load.add_argument("directory", help="folder of raw table files (names starting with _ or . are ignored)")
    load.add_argument("--target", default="duckdb", choices=["duckdb", "postgres", "spark"],
                      help="warehouse engine (default: duckdb)")
    load.add_argument("--database", help="DuckDB file (default: $DBT_DUCKDB_PATH or retention.duckdb); PostgreSQL DSN "
                                         "(default: from the RETENTION_PG_* variables); Spark: warehouse directory "
                                         "(default: $RETENTION_SPARK_DIR or ./spark)")
    load.add_argument("--schema", default="raw", help="schema of the raw tables (default: raw)")
    load.add_argument("--loaded-at", help="timestamp to stamp as _loaded_at: ISO 8601, naive = UTC, an offset or "
                                          "zone name is converted to UTC (default: now)")
    load.add_argument("--append", action="store_true",
                      help="add the rows to the raw tables instead of replacing them (a daily batch; default: replace)")
    load.add_argument("--strict", action="store_true",
                      help="reject files in the folder that are not raw table files (default: warn and ignore them)")

    salt = commands.add_parser(
        "salt", help="store RETENTION_PII_SALT in privacy.pii_salt without loading files",
        description="Apply the loader's salt rules to a warehouse (for projects that point dbt at their own raw "
                    "tables): store RETENTION_PII_SALT in privacy.pii_salt, keep it, or create the table empty. "
                    "Prints what it did, never the salt.")
    salt.add_argument("--target", default="duckdb", choices=["duckdb", "postgres", "spark"],
                      help="warehouse engine (default: duckdb)")
    salt.add_argument("--database", help="as for load: DuckDB file (default: $DBT_DUCKDB_PATH or retention.duckdb), "
                                         "PostgreSQL DSN or Spark warehouse directory")

    from .bench import add_arguments as add_bench_arguments  # the standard library only, until it runs

    bench = commands.add_parser("bench", help="generate, load and build at a scale; print timings and ratios")
    add_bench_arguments(bench)

    from .report.cli import add_arguments as add_report_arguments  # imports neither pandas nor duckdb

    report = commands.add_parser("report", help="write the self-contained HTML retention report for a period")
    add_report_arguments(report)

    recommend = commands.add_parser("recommendations-eval", help="offline hit rate / recall of the recommendations")
    recommend.add_argument("eval_args", nargs=argparse.REMAINDER)

    score = commands.add_parser("score-churn", help="score churn warning and P(alive) against generated truth")
    score.add_argument("--database", required=True)
    score.add_argument("--truth", required=True)

    from .score_next_order import HelpFormatter, add_arguments as add_next_order_arguments  # imports no pandas
    from .score_next_order import __doc__ as next_order_doc

    next_order = commands.add_parser(
        "score-next-order", help="score the expected date of next order against the orders after as_of_date",
        description=next_order_doc, formatter_class=HelpFormatter)
    add_next_order_arguments(next_order)

    args = parser.parse_args(argv)
    if args.command == "report":
        from .report.cli import run as run_report

        return run_report(args)
    if args.command == "recommendations-eval":
        from .recommendations_eval import main as recommend_main

        return recommend_main(args.eval_args)
    if args.command == "score-churn":
        from .score_churn import main as score_main

        return score_main(["--database", args.database, "--truth", args.truth])
    if args.command == "score-next-order":
        from .score_next_order import run as run_next_order

        return run_next_order(args)
    if args.command == "bench":
        from .bench import run_cli as run_bench

        return run_bench(args)
    if args.command == "generate":
        from .generate import generate as run_generate

        counts = run_generate(
            args.out,
            customers=args.customers,
            seed=args.seed,
            start_date=args.start_date,
            days=args.days,
            fault_rate=args.fault_rate,
            single_population=args.single_population,
            chunk_customers=args.chunk_customers,
            loyalty=args.loyalty,
        )
        for table, rows in counts.items():
            print(f"{table:<24}{rows:>12,}")
        return 0
    if args.command == "load":
        from .load import LoadError, load as run_load, parse_timestamp

        try:
            loaded_at = parse_timestamp(args.loaded_at, "--loaded-at") if args.loaded_at else None
            counts = run_load(args.directory, target=args.target, database=args.database, schema=args.schema,
                              loaded_at=loaded_at, append=args.append, strict=args.strict)
        except LoadError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        for warning in counts.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for table, rows in counts.items():
            print(f"{table:<24}{rows:>12,}")
        return 0
    if args.command == "salt":
        from .load import LoadError, store_pii_salt

        try:
            outcome = store_pii_salt(args.target, args.database)
        except LoadError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        for warning in outcome.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(outcome.message)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
