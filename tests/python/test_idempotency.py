"""Idempotency and concurrency on one DuckDB file: a build interrupted midway (killed) and re-run yields the same
marts as an uninterrupted build; a second build on unchanged data changes no mart and adds no snapshot rows; a
second build started while one is running fails with a clear message and leaves the file intact. "The same" is bit
for bit: every value of every mart, doubles included, is equal across builds of unchanged data (no mart stores a
sum of doubles, whose last digits depend on the order the engine adds them in). And a history of any length builds
whole: one order decades before the rest does not cut the daily marts short of as_of_date."""

from __future__ import annotations

import datetime as dt
import hashlib
import signal
import subprocess
import time

import duckdb
import pytest

from conftest import DBT, PROJECT_DIR, Warehouse, dbt_env, with_test_vars
from retention_warehouse.generate import generate
from retention_warehouse.load import load_duckdb


def stable(value):
    """Doubles to 12 significant digits, for comparisons across engines or builds that may round differently
    (money is decimal and exact; rates are compared to 1e-9 everywhere else)."""
    return float(f"{value:.12g}") if isinstance(value, float) else value


def fingerprints(warehouse: Warehouse) -> dict[str, str]:
    """A digest of every table in the marts and snapshots schemas (rows sorted, so order does not matter), exact:
    a double's repr is the shortest text that reads back as the same bits, so equal digests mean equal bits."""
    digests = {}
    with warehouse.connect() as con:
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             "where table_schema in ('marts', 'snapshots') order by 1, 2").fetchall()
        for schema, table in tables:
            rows = sorted(repr(tuple(row)) for row in con.execute(f'select * from "{schema}"."{table}"').fetchall())
            digests[f"{schema}.{table}"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def differing(digests: dict[str, str], reference: dict[str, str]) -> list[str]:
    return sorted(name for name in set(digests) | set(reference) if digests.get(name) != reference.get(name))


def start_build(warehouse: Warehouse, tag: str) -> subprocess.Popen:
    return subprocess.Popen(
        [DBT, *with_test_vars(("build",)), "--target-path", str(warehouse.work_dir / f"target_{tag}"),
         "--log-path", str(warehouse.work_dir / f"logs_{tag}")],
        cwd=PROJECT_DIR, env=warehouse.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


@pytest.fixture(scope="module")
def reference(faulty_warehouse) -> dict[str, str]:
    return fingerprints(faulty_warehouse)


@pytest.fixture(scope="module")
def fresh(faulty_warehouse, tmp_path_factory) -> Warehouse:
    """The faulty warehouse's raw files loaded into a new DuckDB file, not built yet."""
    work_dir = tmp_path_factory.mktemp("idem")
    database = work_dir / "warehouse.duckdb"
    load_duckdb(faulty_warehouse.data_dir, database=str(database))
    return Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir, env=dbt_env(database))


def test_concurrent_build_fails_clearly_and_the_file_stays_intact(fresh, reference):
    first = start_build(fresh, "first")
    time.sleep(4)
    assert first.poll() is None, "the first build finished too early for the check"
    second = subprocess.run(
        [DBT, *with_test_vars(("build",)), "--target-path", str(fresh.work_dir / "target_second"),
         "--log-path", str(fresh.work_dir / "logs_second")],
        cwd=PROJECT_DIR, env=fresh.env, capture_output=True, text=True,
    )
    output = first.communicate(timeout=600)[0]
    assert first.returncode == 0, output[-3000:]
    assert second.returncode != 0
    assert "Could not set lock on file" in second.stdout + second.stderr
    assert not differing(fingerprints(fresh), reference)


def test_interrupted_build_rerun_equals_uninterrupted(faulty_warehouse, tmp_path_factory, reference):
    work_dir = tmp_path_factory.mktemp("killed")
    database = work_dir / "warehouse.duckdb"
    load_duckdb(faulty_warehouse.data_dir, database=str(database))
    warehouse = Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir,
                          env=dbt_env(database))
    build = start_build(warehouse, "killed")
    time.sleep(12)
    assert build.poll() is None, "the build finished before it could be interrupted"
    build.send_signal(signal.SIGKILL)
    build.wait()
    warehouse.dbt("build")
    assert not differing(fingerprints(warehouse), reference)


def test_second_build_on_unchanged_data_changes_nothing(fresh, reference):
    fresh.dbt("build")
    assert not differing(fingerprints(fresh), reference)


def test_marts_hold_doubles_that_must_match_bit_for_bit(faulty_warehouse):
    """The bit-for-bit comparisons above are not vacuous: the marts hold doubles beyond counts (profile indices,
    rates, intervals)."""
    columns = faulty_warehouse.query("""select table_name, column_name from information_schema.columns
                                        where table_schema = 'marts' and data_type = 'DOUBLE'""")
    assert {"dim_customer_profile", "fct_cohort_retention", "fct_retention_drivers"} <= set(columns.table_name)
    profile = faulty_warehouse.query("""select count(distinct average_price_index) as n
                                        from marts.dim_customer_profile""")
    assert profile.n[0] > 100


def test_one_order_decades_early_keeps_every_daily_mart_whole(tmp_path_factory):
    """A valid order on 1990-01-02, 34 years before the rest of the data: the spines (int_numbers) follow the data,
    so fct_active_customers_daily runs from that day to as_of_date without a gap (a fixed 10,000-number spine
    stopped it in 2017), and the order's day cohort has a period for every day up to as_of_date."""
    work_dir = tmp_path_factory.mktemp("long_history")
    raw = work_dir / "raw"
    generate(raw, customers=40, seed=5, start_date="2024-01-01", days=45, fault_rate=0)
    orders = raw / "orders.parquet"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"""create table orders as select * from read_parquet('{orders}') union all by name
            select * replace ('o_1990' as order_id, timestamp '1990-01-02 10:00:00' as ordered_at,
                              'delivered' as status, null::timestamp as cancelled_at, 0 as refunded_amount,
                              null::timestamp as refunded_at, timestamp '1990-01-04 10:00:00' as shipped_at,
                              timestamp '1990-01-06 10:00:00' as delivered_at, false as is_test,
                              timestamp '1990-01-06 10:00:00' as updated_at, 'USD' as currency)
            from (select * from read_parquet('{orders}') where not coalesce(is_test, false) and customer_id in (
                      select customer_id from read_parquet('{raw / "customers.parquet"}')
                      where not coalesce(is_test, false))
                  order by order_id limit 1)""")
        con.execute(f"copy orders to '{orders}' (format parquet)")
    database = work_dir / "warehouse.duckdb"
    load_duckdb(raw, database=str(database))
    warehouse = Warehouse(data_dir=raw, database=database, work_dir=work_dir, env=dbt_env(database))
    warehouse.dbt("build", "--select", "+fct_active_customers_daily", "+fct_cohort_retention",
                  "--indirect-selection", "buildable")
    with warehouse.connect() as con:
        first_day, last_day, days, as_of = con.execute("""
            select min(activity_date), max(activity_date), count(*),
                   (select as_of_date from intermediate.int_as_of_date)
            from marts.fct_active_customers_daily""").fetchone()
        periods, last_period = con.execute("""
            select count(*), max(period_number) from marts.fct_cohort_retention
            where cohort_basis = 'first_order' and activity_basis = 'purchase' and period_grain = 'day'
                and cohort_start = date '1990-01-02'""").fetchone()
    assert as_of > dt.date(2024, 1, 1)
    assert (first_day, last_day, days) == (dt.date(1990, 1, 2), as_of, (as_of - dt.date(1990, 1, 2)).days + 1)
    assert (periods, last_period) == (last_period + 1, (as_of - dt.date(1990, 1, 2)).days)
