"""Selective builds: `dbt build --select +<mart> ...` passes on a fresh warehouse (nothing built yet).

The invariants in tests/dbt/invariants compare several marts. dbt's default (eager) indirect selection runs such a
test as soon as one of the models it reads is selected, and it then fails on a table that does not exist. The
project sets `indirect_selection: buildable` (dbt_project.yml, flags): a data test runs only when every model it
reads is selected or upstream of the selection.
"""

from __future__ import annotations

import json

import pytest

from conftest import Warehouse, build_warehouse

MARTS = ("fct_orders", "dim_customers", "fct_cohort_retention")


@pytest.fixture(scope="module")
def selective(tmp_path_factory) -> Warehouse:
    """A small generated dataset, loaded, and built only as far as the three marts need."""
    return build_warehouse(tmp_path_factory.mktemp("selective"), customers=200, days=90, seed=3, fault_rate=0.02,
                           build_args=("--select", *(f"+{mart}" for mart in MARTS)))


def run_results(warehouse: Warehouse) -> dict[str, str]:
    results = json.loads((warehouse.work_dir / "target" / "run_results.json").read_text())["results"]
    return {result["unique_id"]: result["status"] for result in results}


def test_three_marts_build_alone(selective):
    tables = set(selective.query(
        "select table_name from information_schema.tables where table_schema = 'marts'")["table_name"])
    assert set(MARTS) <= tables
    # nothing beyond the selection was built: the lifecycle and LTV marts are not there
    assert not tables & {"fct_lifecycle_stage_daily", "fct_cohort_ltv", "fct_retention_headline"}
    for mart in MARTS:
        assert len(selective.query(f"select * from marts.{mart} limit 1")) == 1, mart


def test_invariants_run_only_with_every_model_they_read(selective):
    results = run_results(selective)
    assert set(results.values()) <= {"success", "pass"}, results
    singular = {uid.split(".")[2] for uid in results if uid.startswith("test.") and ".assert_" in uid}
    # reads dim_customers and fct_cohort_retention: both selected, so it runs
    assert "assert_cohort_sizes_match_customers" in singular
    # read a mart outside the selection (fct_lifecycle_stage_daily, fct_cohort_ltv): left out, not failed
    assert "assert_lifecycle_stages_sum_to_registered" not in singular
    assert "assert_revenue_reconciles" not in singular
    # the generic tests of the selected marts run (contracts' keys, not-null columns)
    assert any(uid.startswith("test.") and "dim_customers" in uid for uid in results)
