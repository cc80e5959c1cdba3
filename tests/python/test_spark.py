"""The same generated data built on DuckDB and on Apache Spark (dbt-spark, session method, local mode) gives the
same public marts: same rows, rates equal to 1e-9, money equal to the cent's 1e-10 (as test_engines.py does for
PostgreSQL). Documented exceptions: the Python-model CLV marts and the snapshot-based fct_customer_state_daily do
not run on Spark (disabled by config, see docs/engines.md, "Spark"); the churn-warning marts are compared on their
CLV-free rule.

Spark runs in the dbt process (pyspark local mode) with its warehouse directory and Derby metastore in a
temporary folder (RETENTION_SPARK_DIR). Derby admits one process at a time, so loading, building and reading
run one after the other, each in its own process."""

from __future__ import annotations

import importlib.util
import json
import pickle
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import DBT, PROJECT_DIR, Warehouse, dbt_env
from test_engines import (INCREMENTAL_MODELS, INCREMENTAL_QUERIES, PYTHON_MODELS, USES_CLV, assert_same_rows,
                          fetch_duckdb, public_marts)

# marts that read the snapshots: disabled on Spark (no Delta/Iceberg offline, so no snapshots)
SNAPSHOT_MARTS = {"fct_customer_state_daily"}
# SQL marts that read the Python CLV models, enabled where those are (clv_enabled): off on Spark with them
CLV_READERS = {"fct_customer_predictions"}



def spark_env(spark_dir: Path) -> dict:
    env = dbt_env(Path("/nonexistent.duckdb"))
    env.update(RETENTION_TARGET="spark", RETENTION_SPARK_DIR=str(spark_dir), TZ="UTC")
    return env


def fetch_spark(warehouse: Warehouse, queries: dict[str, str]) -> dict[str, list[tuple]]:
    """Run the queries in one local SparkSession on the build's metastore, in a child process (TZ=UTC, so pyspark
    turns timestamps into the same naive datetimes as DuckDB; and no JVM left in the test process)."""
    script = textwrap.dedent("""
        import pickle, sys
        from retention_warehouse.load import spark_session
        queries = pickle.load(sys.stdin.buffer)
        spark = spark_session()
        out = {name: [tuple(row) for row in spark.sql(sql).collect()] for name, sql in queries.items()}
        spark.stop()
        sys.stdout.buffer.write(pickle.dumps(out))
    """)
    result = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(queries), capture_output=True,
                            cwd=warehouse.work_dir, env=warehouse.env)
    if result.returncode != 0:
        raise AssertionError(f"reading Spark failed:\n{result.stderr.decode()[-4000:]}")
    return pickle.loads(result.stdout)


@pytest.fixture(scope="module")
def spark_warehouse(faulty_warehouse, tmp_path_factory) -> Warehouse:
    """The faulty_warehouse's raw files loaded into a local Spark warehouse and built there with `dbt build`
    (every model, seed, unit test and data test that is enabled on Spark)."""
    if importlib.util.find_spec("dbt.adapters.spark") is None or shutil.which("java") is None:
        pytest.fail("the Spark target needs pip install -e '.[spark]' and a Java 17 runtime "
                    "(make install, make system-deps)")
    work_dir = tmp_path_factory.mktemp("spark_build")
    warehouse = Warehouse(data_dir=faulty_warehouse.data_dir, database=Path("/nonexistent.duckdb"),
                          work_dir=work_dir, env=spark_env(work_dir / "spark"))
    started = time.monotonic()
    load = subprocess.run([sys.executable, "-m", "retention_warehouse", "load", str(faulty_warehouse.data_dir),
                           "--target", "spark"], cwd=work_dir, env=warehouse.env, capture_output=True, text=True)
    assert load.returncode == 0, load.stderr[-4000:]
    warehouse.dbt("build")
    warehouse.build_seconds = time.monotonic() - started
    # an incremental run of the event models: insert_overwrite of their day partitions (every day here, as all
    # rows came in the one load the watermark points at)
    warehouse.dbt("run", "--select", *INCREMENTAL_MODELS)
    return warehouse


WARNING_COLUMNS = "customer_id, lifecycle_stage, last_order_date, days_since_last_purchase, purchase_days, " \
                  "median_gap_days, overdue_ratio, lifetime_net_revenue"
AUDIENCE_COLUMNS = "as_of_date, customer_id, audience_reason, lifecycle_stage, days_since_last_purchase"
STAGING_QUERIES = {
    "reconciliation": "select * from staging.stg_shop__reconciliation order by source_table",
    "quarantine": "select source_table, record_id, quarantine_reason from staging.stg_shop__quarantine",
    **INCREMENTAL_QUERIES,
}


def compared_marts(warehouse) -> list[tuple[str, list[str]]]:
    return [(name, columns) for name, columns in public_marts(warehouse) if name not in USES_CLV | PYTHON_MODELS]


@pytest.fixture(scope="module")
def spark_rows(spark_warehouse) -> dict[str, list[tuple]]:
    """Everything the tests below read from Spark, in one session (starting the JVM takes seconds)."""
    queries = {name: f"select {', '.join(columns)} from marts.{name}" for name, columns in compared_marts(spark_warehouse)}
    queries.update(STAGING_QUERIES)
    queries["churn_warning"] = f"select {WARNING_COLUMNS} from marts.fct_churn_warning"
    queries["audience_churn_warning"] = f"select {AUDIENCE_COLUMNS} from marts.fct_audience_churn_warning"
    return fetch_spark(spark_warehouse, queries)


def test_every_public_mart_is_equal_on_duckdb_and_spark(faulty_warehouse, spark_warehouse, spark_rows):
    duck_marts = {name for name, _ in public_marts(faulty_warehouse)}
    # every public mart of DuckDB runs on Spark but the documented exceptions
    assert duck_marts - {name for name, _ in public_marts(spark_warehouse)} == SNAPSHOT_MARTS | CLV_READERS
    compared = compared_marts(spark_warehouse)
    assert len(compared) >= 15
    for name, columns in compared:
        duck = fetch_duckdb(faulty_warehouse, f"select {', '.join(columns)} from marts.{name}")
        assert duck, f"{name} is empty: the comparison would prove nothing"
        assert_same_rows(name, columns, duck, spark_rows[name], right_engine="Spark")
    assert {"fct_cohort_retention", "dim_customers", "fct_experiment_retention"} <= {name for name, _ in compared}


def test_churn_warning_agrees_on_its_clv_free_rule(faulty_warehouse, spark_rows):
    """Spark does not run the CLV Python models, so its churn warning is the purchase-gap rule alone; DuckDB's adds
    the P(alive) rule. The customers flagged by the gap rule, and their gap figures, must be the same."""
    duck = fetch_duckdb(faulty_warehouse, f"select {WARNING_COLUMNS} from marts.fct_churn_warning "
                                          "where warning_reason like 'overdue%'")
    assert duck
    assert_same_rows("fct_churn_warning", WARNING_COLUMNS.split(", "), duck, spark_rows["churn_warning"],
                     right_engine="Spark")
    duck = fetch_duckdb(faulty_warehouse, f"select {AUDIENCE_COLUMNS} from marts.fct_audience_churn_warning "
                                          "where warning_reason like 'overdue%'")
    assert_same_rows("fct_audience_churn_warning", AUDIENCE_COLUMNS.split(", "), duck,
                     spark_rows["audience_churn_warning"], right_engine="Spark")


def test_quarantine_and_reconciliation_agree(faulty_warehouse, spark_rows):
    assert fetch_duckdb(faulty_warehouse, STAGING_QUERIES["reconciliation"]) == spark_rows["reconciliation"]
    assert sorted(fetch_duckdb(faulty_warehouse, STAGING_QUERIES["quarantine"]), key=repr) == sorted(
        spark_rows["quarantine"], key=repr)


def test_incremental_event_models_agree_after_an_incremental_run(faulty_warehouse, spark_rows):
    """insert_overwrite of day partitions on Spark leaves the same rows as DuckDB's full build."""
    for name, sql in INCREMENTAL_QUERIES.items():
        duck = fetch_duckdb(faulty_warehouse, sql)
        assert duck
        assert sorted(duck, key=repr) == sorted(spark_rows[name], key=repr), name


def test_what_is_disabled_on_spark_is_disabled_by_config(spark_warehouse):
    """Only what cannot run without Delta (snapshots) or a Python-model runtime (CLV) is off, and dbt says so."""
    manifest = json.loads((spark_warehouse.work_dir / "target" / "manifest.json").read_text())
    disabled = {node["name"] for nodes in manifest["disabled"].values() for node in nodes}
    assert {"snap_customer_state", "fct_customer_state_daily", "fct_customer_clv", "fct_clv_parameters",
            *CLV_READERS} <= disabled
    built = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"}
    assert not built & disabled
    print(f"Spark load + dbt build: {spark_warehouse.build_seconds:.0f} s", file=sys.stderr)
