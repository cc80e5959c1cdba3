"""Command line: ``python -m retention_warehouse <command> ...``; commands: generate, load, salt, bench, report,
recommendations-eval, score-churn, score-next-order. ``<command> --help`` explains every option and its default.

Each command ends by naming what it wrote and the command to run next (from the project folder, without
activating the virtualenv). Progress of the long ones goes to stderr, and only when it is a terminal.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from .cli import DATE_FORMATS, HelpFormatter, date_argument  # the standard library only

PYTHON = ".venv/bin/python -m retention_warehouse"  # the hints' commands, runnable from a fresh clone
DBT = ".venv/bin/dbt"
PROFILE_DUCKDB_PATH = "retention.duckdb"  # profiles.yml: the DuckDB file when DBT_DUCKDB_PATH is not set
ENGINES = ["duckdb", "postgres", "spark"]
DATABASE_HELP = ("DuckDB file (default: $DBT_DUCKDB_PATH or retention.duckdb); PostgreSQL DSN (default: from the "
                 "RETENTION_PG_* variables); Spark: warehouse directory (default: $RETENTION_SPARK_DIR or ./spark)")


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output folder: one Parquet file per raw table, the ground "
                                                     "truth in its _truth folder")
    parser.add_argument("--customers", type=int, default=5000, help="customers to generate")
    parser.add_argument("--seed", type=int, default=42, help="random seed: the same arguments write the same bytes")
    parser.add_argument("--start-date", type=date_argument, default="2024-01-01",
                        help=f"first day of the generated period, {DATE_FORMATS}")
    parser.add_argument("--days", type=int, default=540, help="length of the generated period in days")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="share of rows to corrupt per fault class, in [0, 1); every injected fault is listed in "
                             "_truth/faults.parquet")
    parser.add_argument("--single-population", action="store_true",
                        help="one BG/NBD population, without weekday or yearly seasonality (the CLV checks)")
    parser.add_argument("--chunk-customers", type=int, default=100_000,
                        help="generate more customers than this in chunks of at most this many (bounds memory)")
    parser.add_argument("--loyalty", action="store_true",
                        help="add a loyalty points programme: the raw table loyalty_ledger and its true effect on "
                             "retention (recorded in _truth/parameters.json)")


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", help="folder of raw table files (names starting with _ or . are ignored)")
    parser.add_argument("--target", default="duckdb", choices=ENGINES, help="warehouse engine")
    parser.add_argument("--database", help=DATABASE_HELP)
    parser.add_argument("--schema", default="raw", help="schema of the raw tables (dbt reads var raw_schema)")
    parser.add_argument("--loaded-at", help="timestamp to stamp as _loaded_at: ISO 8601, naive = UTC, an offset or "
                                            "zone name is converted to UTC (default: now)")
    parser.add_argument("--append", action="store_true",
                        help="add the rows to the raw tables instead of replacing them (a daily batch; default: "
                             "replace)")
    parser.add_argument("--strict", action="store_true",
                        help="reject files in the folder that are not raw table files (default: warn and ignore "
                             "them)")


def add_salt_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default="duckdb", choices=ENGINES, help="warehouse engine")
    parser.add_argument("--database", help=f"as for load: {DATABASE_HELP}")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; imports neither pandas nor DuckDB (their modules load when a command runs)."""
    from . import bench, recommendations_eval, score_churn, score_next_order
    from .report import cli as report_cli

    parser = argparse.ArgumentParser(prog="retention_warehouse", description=__doc__, formatter_class=HelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, summary: str, description: str | None = None) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=description or f"{summary[0].upper()}{summary[1:]}.",
                                  formatter_class=HelpFormatter)
        sub.set_defaults(command_parser=sub)  # to report a wrong combination of its options
        return sub

    add_generate_arguments(command(
        "generate", "write a synthetic raw dataset as Parquet files",
        "Write a synthetic raw dataset (customers, orders, order items, products, events, experiment\n"
        "assignments, FX rates) as Parquet files, with its ground truth (true dropout dates, experiment effects,\n"
        "injected faults) in <out>/_truth; see retention_warehouse/generate/."))
    add_load_arguments(command(
        "load", "load raw CSV/TSV/Parquet files into the target's raw schema",
        "Load <table>.csv, .csv.gz, .tsv, .tsv.gz or .parquet files (names case-insensitive) into the target's\n"
        "raw schema, checked against the raw input contract; see retention_warehouse/load.py."))
    add_salt_arguments(command(
        "salt", "store RETENTION_PII_SALT in privacy.pii_salt without loading files",
        "Apply the loader's salt rules to a warehouse (for projects that point dbt at their own raw tables):\n"
        "store RETENTION_PII_SALT in privacy.pii_salt, keep it, or create the table empty. Prints what it did,\n"
        "never the salt."))
    bench.add_arguments(command("bench", "generate, load and build at a scale; print timings and ratios",
                                bench.__doc__))
    report_cli.add_arguments(command("report", "write the self-contained HTML retention report for a period"))
    recommendations_eval.add_arguments(command("recommendations-eval",
                                               "offline hit rate / recall of the recommendations",
                                               recommendations_eval.__doc__))
    score_churn.add_arguments(command("score-churn", "score churn warning and P(alive) against generated truth",
                                      score_churn.__doc__))
    score_next_order.add_arguments(command(
        "score-next-order", "score the expected date of next order against the orders after as_of_date",
        score_next_order.__doc__))
    return parser


def dbt_build(target: str, database: str | None, schema: str = "raw") -> str:
    """The dbt build that reads what load or salt wrote, as a command to run from the project folder."""
    from .load import default_duckdb_path, spark_dir

    env = []
    if target == "duckdb" and (database or default_duckdb_path()) != PROFILE_DUCKDB_PATH:
        env.append(f"DBT_DUCKDB_PATH={shlex.quote(database or default_duckdb_path())}")
    if target != "duckdb":
        env.append(f"RETENTION_TARGET={target}")
    if target == "spark" and (database or spark_dir()) != "spark":
        env.append(f"RETENTION_SPARK_DIR={shlex.quote(database or spark_dir())}")
    variables = ["--vars", shlex.quote(f"{{raw_schema: {schema}}}")] if schema != "raw" else []
    # dbt reads no DSN: its postgres target is the RETENTION_PG_* variables
    note = ["  # with RETENTION_PG_* naming the --database server"] if target == "postgres" and database else []
    return " ".join([*env, DBT, "build", *variables, *note])


def written_to(target: str, database: str | None) -> str:
    """Where load or salt wrote, for the closing line (never a PostgreSQL DSN: it may hold a password)."""
    from .load import default_duckdb_path, spark_dir

    if target == "duckdb":
        return database or default_duckdb_path()
    if target == "postgres":
        return "the PostgreSQL database" + (" of --database" if database else " of the RETENTION_PG_* variables")
    return f"the Spark warehouse {database or spark_dir()}"


def print_counts(counts: dict[str, int]) -> None:
    for table, rows in counts.items():
        print(f"{table:<24}{rows:>12,}")


def run_generate(args: argparse.Namespace) -> int:
    from .generate import generate

    counts = generate(args.out, customers=args.customers, seed=args.seed, start_date=args.start_date, days=args.days,
                      fault_rate=args.fault_rate, single_population=args.single_population,
                      chunk_customers=args.chunk_customers, loyalty=args.loyalty, progress=True)
    print_counts(counts)
    print(f"wrote {len(counts)} raw tables ({sum(counts.values()):,} rows) as Parquet to {args.out}, the ground "
          f"truth to {os.path.join(args.out, '_truth')}")
    database = os.environ.get("DBT_DUCKDB_PATH", PROFILE_DUCKDB_PATH)  # where load writes by default
    print(f"next, load them into {database}: {PYTHON} load {shlex.quote(args.out)}")
    return 0


def run_load(args: argparse.Namespace) -> int:
    from .load import LoadError, load, parse_timestamp

    try:
        loaded_at = parse_timestamp(args.loaded_at, "--loaded-at") if args.loaded_at else None
        counts = load(args.directory, target=args.target, database=args.database, schema=args.schema,
                      loaded_at=loaded_at, append=args.append, strict=args.strict, progress=True)
    except LoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in counts.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print_counts(counts)
    rows = sum(counts.values())
    print(f"{'appended to' if args.append else 'loaded into'} {written_to(args.target, args.database)}, schema "
          f"{args.schema}: {len(counts)} raw tables, {rows:,} row{'' if rows == 1 else 's'}"
          f"{' now' if args.append else ''}")
    print(f"next, build the warehouse{' (the new rows incrementally)' if args.append else ''}: "
          f"{dbt_build(args.target, args.database, args.schema)}")
    return 0


def run_salt(args: argparse.Namespace) -> int:
    from .load import LoadError, store_pii_salt

    try:
        outcome = store_pii_salt(args.target, args.database)
    except LoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in outcome.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(outcome.message)
    print(f"next, build the warehouse: {dbt_build(args.target, args.database)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "generate":
        return run_generate(args)
    if args.command == "load":
        return run_load(args)
    if args.command == "salt":
        return run_salt(args)
    if args.command == "bench":
        from .bench import run_cli as run_bench

        return run_bench(args)
    if args.command == "report":
        from .report.cli import run as run_report

        return run_report(args)
    if args.command == "recommendations-eval":
        from .recommendations_eval import run as run_recommend

        return run_recommend(args, args.command_parser)
    if args.command == "score-churn":
        from .score_churn import run as run_churn

        return run_churn(args)
    if args.command == "score-next-order":
        from .score_next_order import run as run_next_order

        return run_next_order(args)
    return 1


if __name__ == "__main__":
    sys.exit(main())
