"""Benchmark: generate, load and build at a given scale, and print per phase the wall time, rows per second and
peak memory, then ratios against two references measured in the same run: one aggregation scan over the
customer-activity table the cohort mart reads (the floor for that mart), and the pandas script an analyst would
write from the same raw files (retention_warehouse.bench_pandas).

Every phase runs in its own process, so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RETENTION_MARTS = [
    "fct_cohort_retention", "fct_cohort_retention_by_segment", "fct_retention_headline",
    "fct_active_customers_daily", "fct_active_customers_monthly", "fct_repeat_purchase_cohorts",
    "fct_cohort_ltv", "fct_period_lifecycle", "fct_stickiness",
]
SCAN_SQL = ("select activity_date, count(distinct customer_id) as customers "
            "from intermediate.int_customer_activity_days group by 1")


@dataclass
class Phase:
    name: str
    seconds: float
    peak_mb: float
    rows: int | None = None

    def line(self) -> str:
        rate = f"{self.rows / self.seconds:>14,.0f}" if self.rows and self.seconds > 0 else f"{'':>14}"
        rows = f"{self.rows:>14,}" if self.rows else f"{'':>14}"
        return f"{self.name:<34}{self.seconds:>10.2f}{rows}{rate}{self.peak_mb:>12,.0f}"


def run(name: str, command: list[str], env: dict, rows: int | None = None) -> Phase:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        sys.stderr.write(output.decode(errors="replace")[-5000:])
        raise SystemExit(f"phase {name} failed")
    return Phase(name, seconds, usage.ru_maxrss / 1024, rows)


def duckdb_count(database: Path, sql: str) -> int:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def bench(customers: int, days: int = 540, seed: int = 42, workdir: str | None = None, threads: int = 2) -> list[Phase]:
    work = Path(workdir or tempfile.mkdtemp(prefix="retention-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    raw, database = work / "raw", work / "bench.duckdb"
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    env = dict(os.environ, DBT_PROFILES_DIR=str(PROJECT_DIR), DBT_DUCKDB_PATH=str(database),
               DBT_THREADS=str(threads), RETENTION_TARGET="duckdb")
    dbt = [str(BIN / "dbt")]
    paths = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    python = [sys.executable]
    phases = []

    phases.append(run("generate", python + ["-m", "retention_warehouse", "generate", "--customers", str(customers),
                                            "--days", str(days), "--seed", str(seed), "--out", str(raw)], env))
    phases.append(run("load", python + ["-m", "retention_warehouse", "load", str(raw), "--database", str(database)], env))
    raw_events = duckdb_count(database, "select count(*) from raw.events")
    phases[0].rows = phases[1].rows = raw_events
    phases.append(run("dbt build (full, with tests)", dbt + ["build"] + paths, env, raw_events))
    activity_rows = duckdb_count(database, "select count(*) from intermediate.int_customer_activity_days")
    phases.append(run("dbt run: retention marts", dbt + ["run", "--select", *RETENTION_MARTS] + paths, env,
                      activity_rows))
    phases.append(run("dbt run: fct_cohort_retention", dbt + ["run", "--select", "fct_cohort_retention"] + paths, env,
                      activity_rows))
    compiled = work / "target" / "compiled" / "retention_warehouse" / "models" / "marts" / "retention"
    phases.append(run("sql only: fct_cohort_retention", python + ["-m", "retention_warehouse.bench", "--time-sql",
                                                                   str(database), str(compiled / "fct_cohort_retention.sql")],
                      env, activity_rows))
    phases.append(run("scan: activity per day (floor)", python + [
        "-c", f"import duckdb,time; c=duckdb.connect({str(database)!r}, read_only=True); c.execute({SCAN_SQL!r}).fetchall()"
    ], env, activity_rows))
    phases.append(run("pipeline: load + build to cohort", python + ["-c", (
        "import subprocess,sys;"
        f"subprocess.run([sys.executable,'-m','retention_warehouse','load',{str(raw)!r},'--database',{str(database)!r}],check=True);"
        f"subprocess.run([{dbt[0]!r},'run','--select','+fct_cohort_retention',{paths[0]!r},{paths[1]!r},{paths[2]!r},{paths[3]!r}],check=True)"
    )], env, raw_events))
    phases.append(run("pandas: raw files to cohort", python + ["-m", "retention_warehouse.bench_pandas", str(raw)], env,
                      raw_events))
    return phases


def report(customers: int, phases: list[Phase]) -> str:
    by_name = {p.name: p for p in phases}
    lines = [
        f"retention warehouse benchmark: {customers:,} customers on {platform.machine()} "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        f"{'phase':<34}{'wall s':>10}{'rows':>14}{'rows/s':>14}{'peak MB':>12}",
        *[p.line() for p in phases],
    ]
    scan = by_name["scan: activity per day (floor)"].seconds
    cohort = by_name["sql only: fct_cohort_retention"].seconds
    cohort_dbt = by_name["dbt run: fct_cohort_retention"].seconds
    marts = by_name["dbt run: retention marts"].seconds
    pipeline = by_name["pipeline: load + build to cohort"].seconds
    pandas = by_name["pandas: raw files to cohort"].seconds
    lines += [
        f"ratio cohort mart SQL / activity scan  {cohort / scan:8.1f}x   (target <= 3x; both in one process)",
        f"ratio cohort mart dbt run / scan       {cohort_dbt / scan:8.1f}x   (includes dbt start-up, ~3 s)",
        f"ratio retention marts / activity scan  {marts / scan:8.1f}x",
        f"ratio pandas / our pipeline from files {pandas / pipeline:8.1f}x   (target >= 5x)",
    ]
    return "\n".join(lines)


def time_sql(database: str, compiled_path: str) -> None:
    """Run a compiled model's SQL into a temporary table, in a process of its own (timed by the caller), after
    the same connection set-up as the scan."""
    import duckdb

    sql = Path(compiled_path).read_text()
    with duckdb.connect(database) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"create temporary table bench_result as {sql}")


def main(argv: list[str] | None = None) -> int:
    import argparse

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--time-sql"]:
        time_sql(argv[1], argv[2])
        return 0

    parser = argparse.ArgumentParser(prog="retention_warehouse bench")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=540)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    phases = bench(args.customers, args.days, args.seed, args.workdir, args.threads)
    print(report(args.customers, phases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
