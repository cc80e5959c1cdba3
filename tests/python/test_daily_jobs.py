"""The daily and weekly jobs (selectors.yml) and the daily job's scoped data tests (macros/tests/test_scope.sql).

The daily job checks what it rebuilt: with `test_scope_since` set, the data tests of the event tables read only
the days from it on. Proven by faults written into a built table: one on an old day, outside the scope (the
scoped tests pass, the whole-table tests catch it), and one on the newest day (the scoped tests catch it).
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from conftest import Warehouse, dbt_env

TABLE = "stg_shop__event_identity_days"
GRAIN_TEST = "unique_combination_of_columns"  # the table's grain: (event_date, customer_id, anonymous_id)


@pytest.fixture(scope="module")
def copy(faulty_warehouse, tmp_path_factory) -> Warehouse:
    work_dir = tmp_path_factory.mktemp("daily_jobs")
    database = work_dir / faulty_warehouse.database.name
    shutil.copy(faulty_warehouse.database, database)
    (work_dir / "target").mkdir()
    partial = faulty_warehouse.work_dir / "target" / "partial_parse.msgpack"
    if partial.exists():
        shutil.copyfile(partial, work_dir / "target" / partial.name)
    return Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir,
                     env=dbt_env(database))


def listed(warehouse: Warehouse, *args: str) -> set[str]:
    result = warehouse.dbt("ls", *args, "--output", "name", "--quiet")
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


def test_daily_and_weekly_selectors(copy):
    daily = listed(copy, "--selector", "daily")
    weekly = listed(copy, "--selector", "weekly")
    every_test = listed(copy, "--resource-type", "test")
    models = listed(copy, "--resource-type", "model")
    refits = {"fct_clv_parameters", "dim_customer_profile.v1", "fct_customer_recommendations.v1",
              "fct_product_affinity.v1", "fct_retention_drivers.v1", "fct_cross_purchase_monthly.v1"}
    # daily: every model but the refits (CLV scoring reads the stored parameters), no unit test
    assert refits <= models and not refits & daily
    assert {"fct_customer_clv", "fct_orders.v1", "dim_customers.v1", "fct_churn_warning.v1"} <= daily
    assert models - daily == refits | {"int_p13n_customer_categories", "int_p13n_customer_event_hours",
                                       "int_p13n_order_lines"}
    assert not daily & listed(copy, "--resource-type", "unit_test")
    assert "assert_event_counts_reconcile" not in daily
    # weekly: the refits and every data test, no unit test
    assert weekly == (refits | {"int_p13n_customer_categories", "int_p13n_customer_event_hours",
                                "int_p13n_order_lines"} | every_test)


def scoped_test(warehouse: Warehouse, since: str | None):
    args = ["test", "--select", TABLE]
    if since:
        args += ["--vars", f"{{test_scope_since: '{since}'}}"]
    return warehouse.dbt(*args, check=False)


def grain_test(warehouse: Warehouse) -> dict:
    """The grain test's result in the last run: status and compiled SQL."""
    results = json.loads((warehouse.work_dir / "target" / "run_results.json").read_text())["results"]
    (result,) = [r for r in results if GRAIN_TEST in r["unique_id"]]
    return result


def duplicate_a_row(warehouse: Warehouse, day: str) -> None:
    with duckdb.connect(str(warehouse.database)) as con:
        con.execute(f"insert into staging.{TABLE} select * from staging.{TABLE} "
                    f"where event_partition_date = cast('{day}' as date) limit 1")


def test_scoped_tests_check_only_the_rebuilt_days(copy):
    with duckdb.connect(str(copy.database), read_only=True) as con:
        newest, old = con.execute(f"select max(event_partition_date), max(event_partition_date) - 100 "
                                  f"from staging.{TABLE}").fetchone()
    newest, old = str(newest), str(old)
    duplicate_a_row(copy, old)
    outside = scoped_test(copy, newest)
    assert outside.returncode == 0, outside.stdout[-3000:]
    assert f"event_partition_date >= cast('{newest}' as date)" in grain_test(copy)["compiled_code"]
    whole = scoped_test(copy, None)
    assert whole.returncode == 1 and grain_test(copy)["status"] == "fail"
    assert "event_partition_date >=" not in grain_test(copy)["compiled_code"]

    duplicate_a_row(copy, newest)
    inside = scoped_test(copy, newest)
    assert inside.returncode == 1 and grain_test(copy)["status"] == "fail"
