"""Benchmark: generate, load and build at a given scale, and print per phase the wall time, rows per second and
peak memory, then ratios against two references measured in the same run: one aggregation scan over the
customer-activity table the cohort mart reads (int_cohort_activity_days: the floor for that mart), and the pandas
script an analyst would write from the same raw files (retention_warehouse.bench_pandas). The full build runs on the
history up to the day before the last (split by arrival, see replay.py); the last day is then appended as a daily
batch and built incrementally, which is what a production day costs.

Every phase runs in its own process, so its peak memory (max RSS) is its own. A third reference, dbt's fixed
cost, runs the same daily builds on a warehouse of 1,000 customers (same days and seed), where the data work is
negligible: its share of the full build is the least any day can cost (``--no-floor`` skips it). The last two
ratios split the models' thread time (dbt's run_results.json) of the daily `dbt run` against the full build: the
incremental event models, which should cost in proportion to the new day, and the models rebuilt in full "as of"
the day. One more phase times the daily build's data tests alone (``dbt test`` without unit tests, after the new
day): they re-check every invariant on the whole warehouse, so they cost in proportion to all history, not to the
day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .cli import HelpFormatter

PROJECT_DIR = Path(__file__).resolve().parents[1]
START_DATE = "2024-01-01"  # the generator's default start
BIN = Path(sys.executable).parent
RETENTION_MARTS = [
    "fct_cohort_retention", "fct_cohort_retention_by_segment", "fct_retention_headline",
    "fct_active_customers_daily", "fct_active_customers_monthly", "fct_repeat_purchase_cohorts",
    "fct_cohort_ltv", "fct_period_lifecycle", "fct_stickiness",
]
# the floor for the cohort mart: one aggregation scan over the table it reads (a row per cohort basis, activity
# basis, customer and active day), counting distinct customers per day
SCAN_SQL = ("select cohort_basis, activity_basis, activity_date, count(distinct customer_id) as customers "
            "from intermediate.int_cohort_activity_days group by 1, 2, 3")
TIMING_REPEATS = 3
# the three ways a production day runs, in the order history_and_new_day runs them
DAILY_PHASES = ("dbt build: one new day (incr.)", "dbt build: new day, no unit tests", "dbt run: one new day (incr.)")
# the daily build's data tests alone, run on the warehouse as of the new day
DATA_TESTS_PHASE = "dbt test: data tests, new day"
# the two scheduled jobs of selectors.yml on the new day (README, "The daily and weekly jobs")
JOB_PHASES = ("job: daily selector, scoped tests", "job: weekly selector")
# the fixed-cost reference: the same DAG on a warehouse this small does next to no data work
FLOOR_CUSTOMERS = 1_000
FLOOR_PHASES = ("floor 1k: dbt build, new day", "floor 1k: no unit tests, new day", "floor 1k: dbt run, new day")


@dataclass
class Phase:
    name: str
    seconds: float
    peak_mb: float
    rows: int | None = None
    output: str = ""
    # thread seconds of the models a dbt phase ran: (incremental models, the other models)
    model_seconds: tuple[float, float] | None = None

    def line(self) -> str:
        rate = f"{self.rows / self.seconds:>14,.0f}" if self.rows and self.seconds > 0 else f"{'':>14}"
        rows = f"{self.rows:>14,}" if self.rows else f"{'':>14}"
        return f"{self.name:<34}{self.seconds:>10.2f}{rows}{rate}{self.peak_mb:>12,.0f}"


HEADER = f"{'phase':<34}{'wall s':>10}{'rows':>14}{'rows/s':>14}{'peak MB':>12}"


def print_phase(phase: Phase) -> Phase:
    """Print a finished phase's line at once (a later failure keeps the earlier figures)."""
    print(phase.line(), flush=True)
    return phase


def announce(name: str) -> None:
    """Name the phase that starts, on stderr when it is a terminal (the phase's figures follow on stdout when it
    ends, minutes later at scale); captured output gets nothing."""
    if sys.stderr.isatty():
        print(f"bench {time.strftime('%H:%M:%S')}: {name} ...", file=sys.stderr, flush=True)


def run(name: str, command: list[str], env: dict, rows: int | None = None, memory_cap_gb: float | None = None,
        required: bool = True, report: bool = True) -> Phase:
    """Run one phase in a process of its own and print its line; with ``memory_cap_gb`` its address space is
    capped (a phase that would exhaust the machine fails instead, and is reported as failed when not
    ``required``)."""
    def cap() -> None:
        import resource

        limit = int(memory_cap_gb * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    announce(name)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               preexec_fn=cap if memory_cap_gb else None)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    text = output.decode(errors="replace")
    if status != 0:
        sys.stderr.write(text[-5000:])
        if required:
            raise SystemExit(f"phase {name} failed")
        phase = Phase(f"{name} (FAILED)", seconds, usage.ru_maxrss / 1024, None, text)
    else:
        phase = Phase(name, seconds, usage.ru_maxrss / 1024, rows, text)
    return print_phase(phase) if report else phase


def duckdb_count(database: Path, sql: str) -> int:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def model_thread_seconds(target: Path) -> tuple[float, float]:
    """The summed execution time of the models in a dbt invocation's run_results.json: of the incremental models
    (the per-day event tables) and of the others. With two dbt threads the sum exceeds the wall time."""
    import json

    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    incremental = other = 0.0
    for result in results:
        node = nodes.get(result["unique_id"])
        if node is None or node["resource_type"] != "model":
            continue
        if node["config"].get("materialized") == "incremental":
            incremental += result["execution_time"]
        else:
            other += result["execution_time"]
    return incremental, other


def parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


@dataclass
class Warehouse:
    """Where one benchmark warehouse lives, and how its phases run (each in a process of its own)."""

    work: Path
    threads: int
    memory_limit: str

    @property
    def raw(self) -> Path:
        return self.work / "raw"

    @property
    def database(self) -> Path:
        return self.work / "bench.duckdb"

    @property
    def env(self) -> dict:
        return dict(os.environ, DBT_PROFILES_DIR=str(PROJECT_DIR), DBT_DUCKDB_PATH=str(self.database),
                    DBT_THREADS=str(self.threads), RETENTION_TARGET="duckdb",
                    RETENTION_DUCKDB_MEMORY_LIMIT=self.memory_limit)

    @property
    def paths(self) -> list[str]:
        return ["--target-path", str(self.work / "target"), "--log-path", str(self.work / "logs")]


def history_and_new_day(warehouse: Warehouse, customers: int, days: int, seed: int,
                        daily_names: tuple[str, ...] = DAILY_PHASES, report: bool = True) -> list[Phase]:
    """Generate, split off the last day, load and fully build the history, then append the last day and build
    it the three ways a production day runs (dbt build; without unit tests; dbt run), named ``daily_names``; with
    ``report`` False only those three are printed."""
    work, database, raw, env = warehouse.work, warehouse.database, warehouse.raw, warehouse.env
    work.mkdir(parents=True, exist_ok=True)
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    dbt, paths, python = [str(BIN / "dbt")], warehouse.paths, [sys.executable]
    phases = [run("generate", python + ["-m", "retention_warehouse", "generate", "--customers", str(customers),
                                         "--days", str(days), "--seed", str(seed), "--out", str(raw)], env,
                  report=False)]
    phases[0].rows = parquet_rows(raw / "events.parquet")
    if report:
        print_phase(phases[0])
    # the history up to the day before the last, then the last day as a daily batch (see replay.py)
    last_day = dt.date.fromisoformat(START_DATE) + dt.timedelta(days=days - 1)
    batches = work / "batches"
    phases.append(run("split: history + last day", python + ["-c", (
        "import datetime as dt; from retention_warehouse import replay;"
        f"replay.split({str(raw)!r}, {str(batches)!r}, dt.date.fromisoformat({str(last_day)!r}), 1)")], env,
        report=False))
    history, new_day = batches / "initial", batches / f"day_{last_day}"
    stamp = ["--loaded-at", str(dt.datetime.combine(last_day, dt.time()))]
    phases.append(run("load", python + ["-m", "retention_warehouse", "load", str(history), "--database",
                                        str(database)] + stamp, env, report=False))
    history_events = phases[1].rows = phases[2].rows = duckdb_count(database, "select count(*) from raw.events")
    if report:
        print_phase(phases[1])
        print_phase(phases[2])
    phases.append(run("dbt build (full, with tests)", dbt + ["build"] + paths, env, history_events,
                      report=report))
    phases[-1].model_seconds = model_thread_seconds(work / "target")
    stamp = ["--loaded-at", str(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()))]
    new_events = parquet_rows(new_day / "events.parquet")
    phases.append(run("load: one new day (append)", python + [
        "-m", "retention_warehouse", "load", str(new_day), "--database", str(database), "--append"] + stamp,
        env, new_events, report=report))
    phases.append(run(daily_names[0], dbt + ["build"] + paths, env, new_events))
    # a production job: unit tests belong to CI (fixed inputs, nothing a new day can change), so dbt's docs advise
    # excluding them from production builds; every data test still runs. The day is already loaded and built, so
    # this run rebuilds the same days (the new one and the lookback) as the build above.
    phases.append(run(daily_names[1], dbt + [
        "build", "--exclude-resource-type", "unit_test"] + paths, env, new_events))
    phases.append(run(daily_names[2], dbt + ["run"] + paths, env, new_events))
    phases[-1].model_seconds = model_thread_seconds(work / "target")
    return phases


def bench(customers: int, days: int = 540, seed: int = 42, workdir: str | None = None, threads: int = 2,
          memory_limit: str = "6GB", pandas_memory_gb: float = 16.0, floor: bool = True) -> list[Phase]:
    work = Path(workdir or tempfile.mkdtemp(prefix="retention-bench-"))
    warehouse = Warehouse(work, threads, memory_limit)
    phases = history_and_new_day(warehouse, customers, days, seed)
    raw, database, env, paths = warehouse.raw, warehouse.database, warehouse.env, warehouse.paths
    raw_events = phases[0].rows
    dbt, python = [str(BIN / "dbt")], [sys.executable]
    # the scheduled jobs: the daily selector with its data tests scoped to the new day, then the weekly refits and
    # every whole-table data test
    last_day = dt.date.fromisoformat(START_DATE) + dt.timedelta(days=days - 1)
    phases.append(run(JOB_PHASES[0], dbt + ["build", "--selector", "daily", "--vars",
                                            f"{{test_scope_since: '{last_day}'}}"] + paths, env))
    phases.append(run(JOB_PHASES[1], dbt + ["build", "--selector", "weekly"] + paths, env))
    # what the data tests of a daily build cost by themselves: each asserts its invariant over a whole table
    # (uniqueness of every event id, reconciliations of every day), so this part of a day does not shrink with it
    phases.append(run(DATA_TESTS_PHASE, dbt + ["test", "--exclude-resource-type", "unit_test"] + paths, env))
    activity_rows = duckdb_count(database, "select count(*) from intermediate.int_customer_activity_days")
    phases.append(run("dbt run: retention marts", dbt + ["run", "--select", *RETENTION_MARTS] + paths, env,
                      activity_rows))
    phases.append(run("dbt run: fct_cohort_retention", dbt + ["run", "--select", "fct_cohort_retention"] + paths, env,
                      activity_rows))
    compiled = work / "target" / "compiled" / "retention_warehouse" / "models" / "marts" / "retention"
    # the mart's SQL and its floor, timed in one process on one connection (best of TIMING_REPEATS each), so
    # neither includes start-up
    cohort_rows = duckdb_count(database, "select count(*) from intermediate.int_cohort_activity_days")
    timing = run("time: cohort mart SQL and scan", python + ["-m", "retention_warehouse.bench", "--time-sql",
                                                               str(database), str(compiled / "fct_cohort_retention.sql")],
                 env, cohort_rows, report=False)
    mart_seconds, scan_seconds = (float(value) for value in timing.output.split()[-2:])
    phases.append(print_phase(Phase("sql only: fct_cohort_retention", mart_seconds, timing.peak_mb, cohort_rows)))
    phases.append(print_phase(Phase("scan: cohort activity (floor)", scan_seconds, timing.peak_mb, cohort_rows)))
    phases.append(run("pipeline: load + build to cohort", python + ["-c", (
        "import subprocess,sys;"
        f"subprocess.run([sys.executable,'-m','retention_warehouse','load',{str(raw)!r},'--database',{str(database)!r}],check=True);"
        f"subprocess.run([{dbt[0]!r},'run','--full-refresh','--select','+fct_cohort_retention',{paths[0]!r},{paths[1]!r},{paths[2]!r},{paths[3]!r}],check=True)"
    )], env, raw_events))
    phases.append(run("pandas: raw files to cohort", python + ["-m", "retention_warehouse.bench_pandas", str(raw)], env,
                      raw_events, memory_cap_gb=pandas_memory_gb, required=False))
    if floor:
        # dbt's fixed cost: the same daily builds on a warehouse of FLOOR_CUSTOMERS customers, where the data work
        # is negligible (start-up, parsing, per-node overhead, the unit tests' fixtures). A reference, not what is
        # measured: if it fails, the report says so and keeps every other figure
        try:
            phases += history_and_new_day(Warehouse(work / "floor", threads, memory_limit), FLOOR_CUSTOMERS, days,
                                          seed, FLOOR_PHASES, report=False)[-3:]
        except SystemExit as failure:
            print(f"the fixed-cost reference failed: {failure}", file=sys.stderr)
            phases.append(print_phase(Phase(f"{FLOOR_PHASES[0]} (FAILED)", 0.0, 0.0)))
    return phases


def report(customers: int, phases: list[Phase]) -> str:
    by_name = {p.name: p for p in phases}
    lines = [
        f"retention warehouse benchmark: {customers:,} customers on {platform.machine()} "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        HEADER,
        *[p.line() for p in phases],
    ]
    full = by_name["dbt build (full, with tests)"].seconds
    incremental, incremental_production, incremental_run = (by_name[name].seconds for name in DAILY_PHASES)
    scan = by_name["scan: cohort activity (floor)"].seconds
    cohort = by_name["sql only: fct_cohort_retention"].seconds
    cohort_dbt = by_name["dbt run: fct_cohort_retention"].seconds
    marts = by_name["dbt run: retention marts"].seconds
    pipeline = by_name["pipeline: load + build to cohort"].seconds
    pandas = by_name.get("pandas: raw files to cohort")
    lines += [
        f"full dbt build                         {full:8.1f} s   (target: 100k < 60 s, 1M < 600 s)",
        f"ratio one new day / full build         {incremental / full:8.1%}   (dbt build, with tests; target < 10%)",
        f"ratio one new day / full build, prod.  {incremental_production / full:8.1%}   (dbt build, data tests only)",
        f"ratio one new day / full build, run    {incremental_run / full:8.1%}   (dbt run, models only)",
        f"ratio cohort mart SQL / its scan       {cohort / scan:8.1f}x   (target <= 3x; one connection, best of "
        f"{TIMING_REPEATS})",
        f"ratio cohort mart dbt run / scan       {cohort_dbt / scan:8.1f}x   (includes dbt start-up, ~3 s)",
        f"ratio retention marts / scan           {marts / scan:8.1f}x",
        f"ratio pandas / our pipeline from files {pandas.seconds / pipeline:8.1f}x   (target >= 5x)" if pandas else
        "ratio pandas / our pipeline from files      n/a   (the pandas script failed within its memory cap)",
    ]
    for job, kind in zip(JOB_PHASES, ("daily", "weekly")):
        if job in by_name:
            lines.append(f"{f'ratio {kind} job / full build':<39}{by_name[job].seconds / full:8.1%}   "
                         f"(dbt build --selector {kind}, {by_name[job].seconds:.1f} s)")
    data_tests = by_name.get(DATA_TESTS_PHASE)
    if data_tests:
        lines.append(f"ratio data tests alone / full build    {data_tests.seconds / full:8.1%}   (dbt test after the "
                     f"new day, {data_tests.seconds:.1f} s: every invariant over the whole warehouse)")
    floors = [by_name.get(name) for name in FLOOR_PHASES]
    if all(floors):
        # the share of the full build a day costs even with no data to process: the target's room for data work is
        # what is left of 10% after it
        lines += [
            f"{f'floor {kind} / full build':<39}{floor.seconds / full:8.1%}   "
            f"(a new day at {FLOOR_CUSTOMERS:,} customers, {floor.seconds:.1f} s: dbt's fixed cost)"
            for floor, kind in zip(floors, ("one new day", "one new day, prod.", "one new day, run"))
        ]
    elif any(phase.name.startswith(FLOOR_PHASES[0]) for phase in phases):
        lines.append(f"{'floor one new day / full build':<39}     n/a   (the {FLOOR_CUSTOMERS:,}-customer warehouse "
                     "failed: see stderr)")
    full_models = by_name["dbt build (full, with tests)"].model_seconds
    day_models = by_name["dbt run: one new day (incr.)"].model_seconds
    if full_models and day_models and full_models[0] > 0 and full_models[1] > 0:
        # where the daily run's time goes: the incremental event models against everything rebuilt "as of" the day
        lines += [
            f"ratio incremental models, day / full   {day_models[0] / full_models[0]:8.1%}   "
            f"(thread s: {day_models[0]:.1f} / {full_models[0]:.1f}; dbt run against the full build's models)",
            f"ratio other models, day / full         {day_models[1] / full_models[1]:8.1%}   "
            f"(thread s: {day_models[1]:.1f} / {full_models[1]:.1f}; rebuilt in full as of the new day)",
        ]
    return "\n".join(lines)


def time_sql(database: str, compiled_path: str) -> None:
    """Time a compiled model's SQL (into a temporary table) and the floor scan on one connection, each the best
    of TIMING_REPEATS runs, and print both in seconds: the mart's, then the scan's."""
    import duckdb

    sql = Path(compiled_path).read_text()
    with duckdb.connect(database, read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")

        def best(statement: str) -> float:
            times = []
            for _ in range(TIMING_REPEATS):
                started = time.perf_counter()
                con.execute(statement).fetchall()
                times.append(time.perf_counter() - started)
            return min(times)

        mart = best(f"create or replace temporary table bench_result as {sql}")
        scan = best(SCAN_SQL)
    print(f"{mart:.6f} {scan:.6f}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The bench command's options (``python -m retention_warehouse bench`` and this module's own entry point)."""
    parser.add_argument("--customers", type=int, default=100_000, help="customers to generate")
    parser.add_argument("--days", type=int, default=540, help=f"days of history to generate, from {START_DATE}")
    parser.add_argument("--seed", type=int, default=42, help="the generator's seed")
    parser.add_argument("--workdir", help="folder for the raw files, the DuckDB files and dbt's target and logs; "
                                          "kept afterwards (default: a new temporary folder)")
    parser.add_argument("--threads", type=int, default=2, help="dbt threads (DBT_THREADS)")
    parser.add_argument("--memory-limit", default="6GB",
                        help="DuckDB memory_limit for the dbt phases (it spills beyond)")
    parser.add_argument("--pandas-memory-gb", type=float, default=16.0,
                        help="address-space cap of the pandas reference (it is reported as failed beyond)")
    parser.add_argument("--no-floor", dest="floor", action="store_false",
                        help="skip the fixed-cost reference (the same daily builds on 1,000 customers, about 2 min)")


def run_cli(args: argparse.Namespace) -> int:
    """Run the benchmark for parsed ``add_arguments`` options: each phase's line as it finishes, then the whole
    table with the ratios, then where its files are."""
    work = Path(args.workdir or tempfile.mkdtemp(prefix="retention-bench-"))
    print(HEADER, flush=True)
    phases = bench(args.customers, args.days, args.seed, str(work), args.threads, args.memory_limit,
                   args.pandas_memory_gb, args.floor)
    print(report(args.customers, phases))
    warehouse = Warehouse(work, args.threads, args.memory_limit)
    print(f"wrote {warehouse.raw} (raw files) and {warehouse.database} (the warehouse as of the new day)")
    print("next, compare the table above with the latest run in docs/benchmarks.md; free the space with: "
          f"rm -r {shlex.quote(str(work))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--time-sql"]:
        time_sql(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(prog="retention_warehouse bench", description=__doc__,
                                     formatter_class=HelpFormatter)
    add_arguments(parser)
    return run_cli(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
