"""The semantic layer answers what the marts answer: every metric queried with `mf query` (MetricFlow, in a
subprocess, against a copy of a built DuckDB warehouse) equals the figure computed in SQL on the mart it comes from.

`mf` reads `<project>/target/semantic_manifest.json` (a fixed path) and has no --target: the profile's default
target comes from RETENTION_TARGET and the file from DBT_DUCKDB_PATH. To leave the project's own target/ alone,
the tests point DBT_PROJECT_DIR at a scratch project holding the real dbt_project.yml and the semantic manifest of
the build.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from conftest import PROJECT_DIR, Warehouse, dbt_env

MF = str(Path(sys.executable).with_name("mf"))
TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def semantic(faulty_warehouse: Warehouse, tmp_path_factory):
    """(run_mf, warehouse copy): mf runs against a copy of the session build, so the shared file is never opened
    read-write."""
    work = tmp_path_factory.mktemp("semantic")
    database = work / "warehouse.duckdb"
    shutil.copyfile(faulty_warehouse.database, database)
    manifest = faulty_warehouse.work_dir / "target" / "semantic_manifest.json"
    assert manifest.exists(), "dbt build writes target/semantic_manifest.json"
    project = work / "project"
    (project / "target").mkdir(parents=True)
    (project / "dbt_project.yml").symlink_to(PROJECT_DIR / "dbt_project.yml")
    shutil.copyfile(manifest, project / "target" / "semantic_manifest.json")
    env = dbt_env(database)
    env.update(DBT_PROJECT_DIR=str(project), DBT_LOG_PATH=str(work / "logs"))
    copy = Warehouse(faulty_warehouse.data_dir, database, work, env)
    counter = iter(range(1000))

    def run_mf(*args: str, csv: bool = True) -> pd.DataFrame | str:
        out = work / f"result_{next(counter)}.csv"
        command = [MF, *args] + (["--csv", str(out), "--quiet"] if csv else [])
        result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0 or (csv and not out.exists()):
            raise AssertionError(f"mf {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        if not csv:
            return result.stdout
        return pd.read_csv(out, dtype=str, keep_default_na=False)

    return run_mf, copy


def as_float(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace({"": None, "None": None, "nan": None}), errors="coerce")


def day(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.strftime("%Y-%m-%d")


def assert_close(merged: pd.DataFrame, pairs: list[tuple[str, str]], context: str) -> None:
    for mf_col, sql_col in pairs:
        left, right = as_float(merged[mf_col]), pd.to_numeric(merged[sql_col]).astype(float)
        both_null = left.isna() & right.isna()
        close = (left - right).abs() <= TOLERANCE * right.abs().clip(lower=1)
        bad = merged[~(both_null | close)]
        assert bad.empty, f"{context}: {mf_col} differs from {sql_col}:\n{bad.head(10).to_string()}"


def test_manifest_defines_the_metrics(faulty_warehouse):
    manifest = json.loads((faulty_warehouse.work_dir / "target" / "semantic_manifest.json").read_text())
    metrics = {m["name"] for m in manifest["metrics"]}
    required = {"dau", "wau", "mau", "stickiness", "cohort_retention_rate", "unbounded_retention_rate", "d1_retention",
                "d7_retention", "d30_retention", "within_7d_retention", "within_30d_retention",
                "repeat_purchase_rate_30d", "repeat_purchase_rate_90d", "churn_rate", "net_revenue", "cohort_ltv",
                "historical_ltv", "customers", "customers_in_stage", "rfm_customers"}
    assert required <= metrics, f"missing metrics: {sorted(required - metrics)}"
    assert all(m.get("label") and (m.get("description") or m["type"] == "simple") for m in manifest["metrics"])
    saved = {q["name"] for q in manifest["saved_queries"]}
    assert {"activity_daily", "retention_headline_monthly", "signup_cohort_retention_monthly", "churn_monthly",
            "lifecycle_stages_monthly", "customers_by_segment"} <= saved
    spine = manifest["project_configuration"]["time_spines"]
    assert spine and spine[0]["primary_column"]["name"] == "date_day"


def test_mf_validate_configs(semantic):
    run_mf, _ = semantic
    output = run_mf("validate-configs", "--skip-dw", csv=False)
    assert "ERRORS: 0" in output, output


def test_activity_metrics_by_day_and_month(semantic):
    run_mf, wh = semantic
    daily = run_mf("query", "--metrics", "dau,wau,mau,stickiness", "--group-by", "metric_time__day")
    mart = wh.query("select cast(activity_date as varchar) as d, dau, wau, mau, stickiness"
                    " from marts.fct_active_customers_daily")
    daily["d"] = day(daily["metric_time__day"])
    merged = mart.merge(daily, on="d", how="outer", suffixes=("_sql", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), "mf and the mart cover different days"
    assert_close(merged, [(c, f"{c}_sql") for c in ("dau", "wau", "mau", "stickiness")], "daily activity")

    # at month grain the semi-additive measures take the month's last day (as_of_date for the month in progress)
    monthly = run_mf("query", "--metrics", "dau,mau,stickiness,average_dau,monthly_active_customers",
                     "--group-by", "metric_time__month")
    expected = wh.query("""
        with days as (select *, date_trunc('month', activity_date) as m from marts.fct_active_customers_daily),
        last_days as (select m, max(activity_date) as d from days group by 1)
        select cast(days.m as date)::varchar as m, days.dau, days.mau, days.stickiness,
               (select avg(dau) from days as all_days where all_days.m = days.m) as average_dau,
               monthly.active_customers
        from days inner join last_days on last_days.d = days.activity_date
        left join marts.fct_active_customers_monthly as monthly on monthly.month_start = days.m
    """)
    monthly["m"] = day(monthly["metric_time__month"])
    merged = expected.merge(monthly, on="m", suffixes=("_sql", ""))
    assert len(merged) == len(expected) > 3
    assert_close(merged, [("dau", "dau_sql"), ("mau", "mau_sql"), ("stickiness", "stickiness_sql"),
                          ("average_dau", "average_dau_sql"), ("monthly_active_customers", "active_customers")],
                 "monthly activity")


def test_cohort_retention_rates_per_cell_and_pooled(semantic):
    run_mf, wh = semantic
    dims = "cohort_cell__cohort_basis,cohort_cell__activity_basis,cohort_cell__period_grain,cohort_cell__period_number"
    cells = run_mf("query", "--metrics", "cohort_retention_rate,unbounded_retention_rate",
                   "--group-by", f"{dims},metric_time__day",
                   "--where", "{{ Dimension('cohort_cell__period_grain') }} in ('week', 'month')")
    mart = wh.query("""
        select cohort_basis, activity_basis, period_grain, cast(period_number as varchar) as period_number,
               cast(cohort_start as varchar) as d, retention_rate, unbounded_retention_rate
        from marts.fct_cohort_retention where period_grain in ('week', 'month') and is_complete
    """)
    cells = cells.rename(columns=lambda c: c.replace("cohort_cell__", ""))
    cells["d"] = day(cells["metric_time__day"])
    keys = ["cohort_basis", "activity_basis", "period_grain", "period_number", "d"]
    merged = mart.merge(cells, on=keys, how="outer", suffixes=("_sql", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), "mf must return exactly the complete cells"
    assert_close(merged, [("cohort_retention_rate", "retention_rate"),
                          ("unbounded_retention_rate", "unbounded_retention_rate_sql")], "cohort cells")

    pooled = run_mf("query", "--metrics", "cohort_retention_rate", "--group-by", dims)
    expected = wh.query("""
        select cohort_basis, activity_basis, period_grain, cast(period_number as varchar) as period_number,
               sum(retained_customers) / sum(cohort_size) as pooled
        from marts.fct_cohort_retention where is_complete group by all
    """)
    pooled = pooled.rename(columns=lambda c: c.replace("cohort_cell__", ""))
    merged = expected.merge(pooled, on=keys[:-1])
    assert len(merged) == len(expected)
    assert_close(merged, [("cohort_retention_rate", "pooled")], "pooled retention")


def test_headline_repeat_churn_revenue_ltv_by_month(semantic):
    run_mf, wh = semantic
    figures = ["d1", "d7", "d30", "within_7d", "within_30d"]
    headline = run_mf("query", "--metrics", ",".join(f"{f}_retention" for f in figures),
                      "--group-by", "headline_cohort__cohort_basis,metric_time__month")
    rates = ", ".join(f"sum({f}_retained_customers) / sum(case when {f}_retained_customers is not null"
                      f" then cohort_size end) as {f}_sql" for f in figures)
    expected = wh.query(f"""select cohort_basis, cast(date_trunc('month', cohort_date) as date)::varchar as m, {rates}
                            from marts.fct_retention_headline group by all""")
    headline["m"] = day(headline["metric_time__month"])
    merged = expected.merge(headline.rename(columns={"headline_cohort__cohort_basis": "cohort_basis"}),
                            on=["cohort_basis", "m"])
    assert len(merged) == len(expected)
    assert_close(merged, [(f"{f}_retention", f"{f}_sql") for f in figures], "headline retention")

    monthly = run_mf("query", "--metrics", "repeat_purchase_rate_30d,repeat_purchase_rate_60d,repeat_purchase_rate_90d,"
                     "churn_rate,churned_customers,net_revenue,orders,average_order_value", "--group-by", "metric_time__month")
    monthly["m"] = day(monthly["metric_time__month"])
    repeat = wh.query("select cast(cohort_month as varchar) as m, repeat_rate_30d, repeat_rate_60d, repeat_rate_90d"
                      " from marts.fct_repeat_purchase_cohorts")
    merged = repeat.merge(monthly, on="m")
    assert len(merged) == len(repeat)
    assert_close(merged, [(f"repeat_purchase_rate_{n}d", f"repeat_rate_{n}d") for n in (30, 60, 90)], "repeat purchase")
    churn = wh.query("select cast(month_start as varchar) as m, churn_rate as churn_sql, churned_customers as churned_sql"
                     " from marts.fct_churn_monthly")
    merged = churn.merge(monthly, on="m")
    assert len(merged) == len(churn)
    assert_close(merged, [("churn_rate", "churn_sql"), ("churned_customers", "churned_sql")], "churn")
    revenue = wh.query("""select cast(date_trunc('month', order_date) as date)::varchar as m,
                                 cast(sum(net_revenue) as varchar) as revenue_sql, count(*) as orders_sql,
                                 sum(net_revenue) / count(*) as aov_sql
                          from marts.fct_orders group by 1""")
    merged = revenue.merge(monthly, on="m")
    assert len(merged) == len(revenue)
    # money is decimal: the semantic layer's sum is exactly the mart's sum
    assert [Decimal(v) for v in merged["net_revenue"]] == [Decimal(v) for v in merged["revenue_sql"]]
    assert_close(merged, [("orders", "orders_sql"), ("average_order_value", "aov_sql")], "orders")

    ltv = run_mf("query", "--metrics", "cohort_ltv", "--group-by", "metric_time__month,ltv_cell__month_offset")
    ltv["m"] = day(ltv["metric_time__month"])
    expected = wh.query("""select cast(cohort_month as varchar) as m, cast(month_offset as varchar) as ltv_cell__month_offset,
                                  avg_cumulative_net_revenue from marts.fct_cohort_ltv where is_complete""")
    merged = expected.merge(ltv, on=["m", "ltv_cell__month_offset"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), "cohort_ltv covers exactly the complete rows"
    assert_close(merged, [("cohort_ltv", "avg_cumulative_net_revenue")], "cohort LTV")


def test_customers_by_stage_segment_and_history(semantic):
    run_mf, wh = semantic
    by_stage = run_mf("query", "--metrics", "customers,historical_ltv", "--group-by", "customer__lifecycle_stage")
    expected = wh.query("""select lifecycle_stage as customer__lifecycle_stage, count(*) as n,
                                  sum(lifetime_net_revenue) / nullif(count(first_order_date), 0) as ltv
                           from marts.dim_customers group by 1""")
    merged = expected.merge(by_stage, on="customer__lifecycle_stage")
    assert len(merged) == len(expected) >= 5
    assert_close(merged, [("customers", "n"), ("historical_ltv", "ltv")], "customers by stage")

    by_segment = run_mf("query", "--metrics", "customers,rfm_customers", "--group-by", "customer__rfm_segment")
    summary = wh.query("select rfm_segment as customer__rfm_segment, customers from marts.fct_rfm_segment_summary"
                       " where customers > 0")
    merged = summary.merge(by_segment, on="customer__rfm_segment", suffixes=("_sql", ""))
    assert len(merged) == len(summary) > 3
    assert_close(merged, [("customers", "customers_sql")], "customers by RFM segment (dim_customers)")
    rfm = run_mf("query", "--metrics", "rfm_customers", "--group-by", "rfm_customer__rfm_segment")
    merged = summary.merge(rfm.rename(columns={"rfm_customer__rfm_segment": "customer__rfm_segment"}),
                           on="customer__rfm_segment")
    assert_close(merged, [("rfm_customers", "customers")], "customers by RFM segment (fct_customer_rfm)")

    stages = run_mf("query", "--saved-query", "lifecycle_stages_monthly")
    expected = wh.query("""
        with last_days as (select max(stage_date) as d from marts.fct_lifecycle_stage_daily
                           group by date_trunc('month', stage_date))
        select cast(date_trunc('month', stage_date) as date)::varchar as m, lifecycle_stage, customers
        from marts.fct_lifecycle_stage_daily inner join last_days on last_days.d = stage_date
    """)
    stages["m"] = day(stages["metric_time__month"])
    merged = expected.merge(stages.rename(columns={"stage_day__lifecycle_stage": "lifecycle_stage"}),
                            on=["m", "lifecycle_stage"], suffixes=("_sql", ""))
    assert len(merged) == len(expected)
    assert_close(merged, [("customers_in_stage", "customers")], "customers in stage at month end")


def test_predicted_clv_metrics_where_clv_runs(semantic):
    run_mf, wh = semantic
    if "fct_customer_clv" not in set(wh.query("select table_name from information_schema.tables"
                                              " where table_schema = 'marts'")["table_name"]):
        pytest.skip("fct_customer_clv is not built on this target")
    result = run_mf("query", "--metrics", "average_predicted_clv,predicted_clv,expected_alive_customers")
    expected = wh.query("select avg(predicted_clv) as avg_clv, sum(predicted_clv) as clv, sum(p_alive) as alive"
                        " from marts.fct_customer_clv")
    merged = pd.concat([result.reset_index(drop=True), expected], axis=1)
    assert_close(merged, [("average_predicted_clv", "avg_clv"), ("predicted_clv", "clv"),
                          ("expected_alive_customers", "alive")], "predicted CLV")


def test_dbt_docs_generate(semantic, faulty_warehouse):
    """`dbt docs generate` works on a build; the catalog has every public mart, the exposures depend on public
    models only, and every public model and column carries a description."""
    _, wh = semantic
    target = wh.work_dir / "docs"
    env = dbt_env(wh.database)  # no DBT_PROJECT_DIR here: dbt must see the real project
    result = subprocess.run([str(Path(sys.executable).with_name("dbt")), "docs", "generate", "--target-path", str(target),
                             "--log-path", str(wh.work_dir / "logs")], cwd=PROJECT_DIR, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    assert (target / "index.html").exists()
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    public = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model" and n.get("access") == "public"}
    assert len(public) >= 18
    for uid, node in public.items():
        if node["config"].get("materialized") != "ephemeral":
            assert uid in catalog["nodes"], f"{node['name']} is not in the catalog"
        assert node["description"].strip(), f"{node['name']} has no description"
        assert all(c.get("description", "").strip() for c in node["columns"].values()), node["name"]
    exposures = manifest["exposures"]
    assert {e["name"] for e in exposures.values()} == {"retention_dashboard", "retention_report"}
    for exposure in exposures.values():
        assert exposure["owner"]["email"] and exposure["description"].strip()
        assert exposure["depends_on"]["nodes"], exposure["name"]
        for uid in exposure["depends_on"]["nodes"]:
            assert uid in public, f"exposure {exposure['name']} depends on non-public {uid}"
    semantic_models = manifest["semantic_models"]
    for model in semantic_models.values():
        assert model["description"].strip(), model["name"]
        for uid in model["depends_on"]["nodes"]:
            assert uid in public, f"semantic model {model['name']} reads non-public {uid}"
