"""The Streamlit dashboard: every page renders on a real build (Streamlit's AppTest), filters change the figures,
marts that are not built yet show a note instead of failing, the big marts are only read aggregated, no
connection outlives a query; and in headless Chromium the page renders without an error box (screenshot checked).

CI needs the Debian packages `chromium` (and fonts it pulls in) for the browser test; without /usr/bin/chromium
that one test is skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import PROJECT_DIR, Warehouse
from streamlit.testing.v1 import AppTest

from retention_warehouse.dashboard import charts, data, screenshot, views

APP = PROJECT_DIR / "retention_warehouse" / "dashboard" / "app.py"
PAGES = list(views.PAGES)
PARALLEL_MARTS = ("fct_retention_brackets", "fct_nday_value", "fct_usage_interval")

# The marts the Brackets & value page reads, built here with plain SQL from this build's marts in the shape the
# page codes against (they are not models of the project yet): brackets of days since the cohort day, N-day value
# per cohort, the days between a customer's orders per first-order month and its distribution by bucket.
PARALLEL_MARTS_SQL = """
create or replace table marts.fct_retention_brackets as
with as_of as (
    select max(activity_date) as as_of_date from marts.fct_active_customers_daily
),
brackets (bracket, bracket_first_day, bracket_last_day) as (
    values ('D1', 1, 1), ('D2-3', 2, 3), ('D4-7', 4, 7), ('D8-14', 8, 14), ('D15-30', 15, 30),
           ('D31-60', 31, 60), ('D61-90', 61, 90)
),
cohorts as (
    select 'signup' as cohort_basis, customer_id, signup_date as cohort_date
    from marts.dim_customers where signup_date is not null
    union all
    select 'first_order', customer_id, first_order_date from marts.dim_customers where first_order_date is not null
),
bases (activity_basis) as (values ('any_activity'), ('purchase')),
cells as (
    select cohorts.cohort_basis, bases.activity_basis, cohorts.cohort_date, brackets.bracket,
           brackets.bracket_first_day, brackets.bracket_last_day,
           count(distinct cohorts.customer_id) as cohort_size,
           count(distinct activity.customer_id) as retained_customers
    from cohorts
    cross join bases
    cross join brackets
    left join marts.fct_customer_activity_daily as activity
        on activity.customer_id = cohorts.customer_id
        and activity.activity_date between cohorts.cohort_date + brackets.bracket_first_day
                                       and cohorts.cohort_date + brackets.bracket_last_day
        and (bases.activity_basis = 'any_activity' or activity.is_purchase_day)
    group by all
)
select cells.cohort_basis, cells.activity_basis, cells.cohort_date, cells.bracket, cells.bracket_first_day,
       cells.bracket_last_day, cells.cohort_size,
       cells.retained_customers,
       case when cells.cohort_date + cells.bracket_last_day <= as_of.as_of_date
            then cells.retained_customers / cells.cohort_size end as retention_rate,
       cells.cohort_date + cells.bracket_last_day <= as_of.as_of_date as is_complete
from cells cross join as_of;

create or replace table marts.fct_nday_value as
with as_of as (
    select max(activity_date) as as_of_date from marts.fct_active_customers_daily
),
n (n_days) as (values (1), (7), (30), (90), (180), (365)),
grains (cohort_grain) as (values ('day'), ('month')),
members as (
    select 'signup' as cohort_basis, customer_id, signup_date as cohort_date
    from marts.dim_customers where signup_date is not null
    union all
    select 'first_order', customer_id, first_order_date from marts.dim_customers where first_order_date is not null
),
revenue as (
    select grains.cohort_grain, members.cohort_basis,
           case grains.cohort_grain when 'day' then members.cohort_date
                else cast(date_trunc('month', members.cohort_date) as date) end as cohort_start,
           n.n_days, members.customer_id,
           coalesce(sum(orders.net_revenue), 0) as net_revenue
    from members
    cross join grains
    cross join n
    left join marts.fct_orders as orders
        on orders.customer_id = members.customer_id
        and orders.order_date >= members.cohort_date and orders.order_date < members.cohort_date + n.n_days
    group by all
),
cohorts as (
    select cohort_basis, cohort_grain, cohort_start, n_days, count(*) as cohort_size,
           cast(sum(net_revenue) as decimal(18, 2)) as cumulative_net_revenue
    from revenue group by all
)
select cohort_basis, cohort_grain, cohort_start, n_days, cohort_size, cumulative_net_revenue,
       case when is_complete then cumulative_net_revenue / cohort_size end as value_per_customer,
       is_complete
from (
    select cohorts.*,
           (case cohort_grain when 'day' then cohort_start
                 else cast(cohort_start + interval 1 month - interval 1 day as date) end) + n_days - 1
               <= (select as_of_date from as_of) as is_complete
    from cohorts
) as cohorts;

create or replace table marts.fct_usage_interval as
with intervals as (
    select customer_id, median(days_since_previous_order) as median_days
    from marts.fct_orders where days_since_previous_order is not null group by customer_id
),
cohorts as (
    select customer_id, cast(date_trunc('month', first_order_date) as date) as cohort_month
    from marts.dim_customers where first_order_date is not null
)
select cohorts.cohort_month, count(*) as customers, count(intervals.customer_id) as customers_with_repeat,
       median(intervals.median_days) as median_days_between_orders,
       quantile_cont(intervals.median_days, 0.25) as p25_days_between_orders,
       quantile_cont(intervals.median_days, 0.75) as p75_days_between_orders
from cohorts left join intervals on intervals.customer_id = cohorts.customer_id
group by cohorts.cohort_month order by cohorts.cohort_month;

create or replace table marts.fct_usage_interval_distribution as
with intervals as (
    select customer_id, median(days_since_previous_order) as median_days
    from marts.fct_orders where days_since_previous_order is not null group by customer_id
),
buckets (interval_bucket, bucket_first_day, bucket_last_day) as (
    values ('0-7', 0, 7), ('8-14', 8, 14), ('15-30', 15, 30), ('31-60', 31, 60), ('61-90', 61, 90),
           ('91+', 91, 100000)
)
select cast(date_trunc('month', customers.first_order_date) as date) as cohort_month, buckets.interval_bucket,
       buckets.bucket_first_day, count(*) as customers
from intervals
inner join marts.dim_customers as customers on customers.customer_id = intervals.customer_id
inner join buckets on intervals.median_days between buckets.bucket_first_day and buckets.bucket_last_day
group by all;
"""


def run_app(database: Path, monkeypatch, page: str | None = None) -> AppTest:
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(database))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    if page and page != PAGES[0]:
        at.sidebar.radio(key="page").set_value(page).run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def helps(at: AppTest) -> dict[str, str]:
    return {m.label: m.proto.help for m in at.metric}


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.info] + [e.value for e in at.warning] + [e.value for e in at.markdown]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module", autouse=True)
def dashboard_dbt(faulty_warehouse: Warehouse, tmp_path_factory):
    """The Explore page compiles with dbt in the dashboard's process: its dbt directory starts from the build's
    partial-parse file (same project and profile), so the first parse is warm; the dashboards started by the
    browser test inherit it."""
    directory = tmp_path_factory.mktemp("dashboard_dbt")
    (directory / "target").mkdir()
    partial = faulty_warehouse.work_dir / "target" / "partial_parse.msgpack"
    if partial.exists():
        shutil.copyfile(partial, directory / "target" / partial.name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RETENTION_DASHBOARD_DBT_DIR", str(directory))
        patch.setenv("DBT_PROFILES_DIR", str(PROJECT_DIR))
        patch.setenv("RETENTION_TARGET", "duckdb")
        patch.delenv("RETENTION_DBT_PROJECT_DIR", raising=False)
        patch.delenv("RETENTION_DBT_VARS", raising=False)
        yield directory


@pytest.fixture(scope="module")
def database(faulty_warehouse: Warehouse) -> Path:
    return faulty_warehouse.database


@pytest.fixture(scope="module")
def marts_database(faulty_warehouse: Warehouse, tmp_path_factory) -> Path:
    """A copy of the build with the marts of the Brackets & value page (same file name, so the same catalog)."""
    path = tmp_path_factory.mktemp("parallel_marts") / faulty_warehouse.database.name
    shutil.copyfile(faulty_warehouse.database, path)
    with duckdb.connect(str(path)) as con:
        con.execute(PARALLEL_MARTS_SQL)
    return path


@pytest.fixture(scope="module")
def bare_database(faulty_warehouse: Warehouse, tmp_path_factory) -> Path:
    """A copy of the build without the marts that land later or only on some targets."""
    path = tmp_path_factory.mktemp("bare") / "warehouse.duckdb"
    shutil.copyfile(faulty_warehouse.database, path)
    with duckdb.connect(str(path)) as con:
        existing = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        for table in data.OPTIONAL_MARTS + ("fct_funnel_daily_by_channel", "fct_first_purchase_experience"):
            if table in existing:
                con.execute(f"drop table marts.{table}")
    return path


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(database, monkeypatch, page):
    at = run_app(database, monkeypatch, page)
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    assert not at.error, f"{page}: {[e.value for e in at.error]}"
    assert at.title[0].value.startswith("Retention warehouse - ")
    assert views.PAGES[page][0] in at.title[0].value


def test_cohort_filters_change_the_figures(database, monkeypatch):
    at = run_app(database, monkeypatch, "cohorts")
    base = metrics(at)
    assert base["Cohorts shown"] != "0"
    at.selectbox(key="activity_basis").set_value("purchase").run()
    purchase = metrics(at)
    assert purchase["Period 1 retention"] != base["Period 1 retention"]
    at.selectbox(key="cohort_basis").set_value("first_order").run()
    first_order = metrics(at)
    assert first_order["Customers in them"] != purchase["Customers in them"]
    at.selectbox(key="grain").set_value("week").run()
    assert "(week grain)" in helps(at)["Period 1 retention"]
    weekly = metrics(at)
    at.selectbox(key="split_week").set_value("acquisition_channel").run()
    assert not at.exception
    by_channel = metrics(at)
    assert by_channel["Customers in them"] != weekly["Customers in them"]
    at.selectbox(key="grain").set_value("day").run()
    assert not at.exception and "(day grain)" in helps(at)["Period 1 retention"]


def test_activity_date_range_changes_the_figures(database, monkeypatch):
    at = run_app(database, monkeypatch, "activity")
    before = metrics(at)["Average DAU"]
    start, end = at.date_input(key="activity_range").value
    at.date_input(key="activity_range").set_value((start, start + (end - start) / 6)).run()
    assert not at.exception
    assert metrics(at)["Average DAU"] != before


def test_lifecycle_and_value_pages_show_the_marts(database, monkeypatch):
    at = run_app(database, monkeypatch, "lifecycle")
    stages = metrics(at)
    assert set(stages) >= {"prospect", "new", "active", "churned"}
    at.selectbox(key="stage_grain").set_value("month").run()
    assert not at.exception
    at.sidebar.radio(key="page").set_value("value").run()
    assert not at.exception
    assert len(at.dataframe) >= 2  # RFM segments and tiers


def test_optional_marts_not_built_yet(bare_database, monkeypatch):
    notes = {}
    for page in ("value", "experiments", "brackets", "activation"):
        at = run_app(bare_database, monkeypatch, page)
        assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
        notes[page] = " ".join(i.value for i in at.info)
        assert "not built yet" in notes[page], f"{page} shows no 'not built yet' note"
        if page == "brackets":
            assert not at.get("vega_lite_chart"), "a chart drawn without its mart"
    assert "fct_audience_win_back" in notes["activation"] and "fct_funnel_daily" in notes["activation"]
    assert all(f"`{table}`" in notes["brackets"] for table in PARALLEL_MARTS)


def test_optional_marts_are_picked_up_when_built(database, monkeypatch):
    built = data.Warehouse(database).tables()
    at = run_app(database, monkeypatch, "activation")
    notes = " ".join(i.value for i in at.info)
    for table in views.AUDIENCES:
        if table in built:
            assert f"`{table}`" not in notes, f"{table} is built but shown as missing"
    downloads = at.get("download_button")
    assert len(downloads) == sum(t in built for t in views.AUDIENCES)
    if "fct_funnel_daily" in built:
        assert "View to cart" in metrics(at)
    if "fct_experiment_retention" in built:
        at.sidebar.radio(key="page").set_value("experiments").run()
        assert not at.exception and "`fct_experiment_retention`" not in " ".join(i.value for i in at.info)
        assert any("control" in label for label in metrics(at))
    if "fct_customer_clv" in built:
        at.sidebar.radio(key="page").set_value("value").run()
        assert "Customers scored" in metrics(at)


def test_value_page_shows_the_predictive_fields(database, faulty_warehouse, monkeypatch):
    """The figures of the predictive-fields section, against pandas on the mart: customers with status ok, the
    median of days_to_next_order, and the customers whose expected next order is within 30 days of as_of_date."""
    frame = faulty_warehouse.query("select * from marts.fct_customer_predictions")
    ok = frame[frame["prediction_status"] == "ok"]
    assert len(ok) > 500
    within = (pd.to_datetime(ok["expected_next_order_date"]) <= pd.to_datetime(ok["as_of_date"])
              + pd.Timedelta(days=30)).sum()
    assert 0 < within < len(ok)
    at = run_app(database, monkeypatch, "value")
    figures = metrics(at)
    assert not at.exception
    assert figures["Customers predicted"] == f"{len(ok):,}"
    assert figures["Median days to next order"] == f"{ok['days_to_next_order'].median():,.0f}"
    assert figures["Next order expected within 30 days"] == f"{within:,}"


def test_audience_csv_is_the_whole_mart(database):
    wh = data.Warehouse(database)
    for table in [t for t in views.AUDIENCES if wh.has(t)] or pytest.skip("no audience mart built"):
        csv = data.table_csv(wh, table).decode()
        assert csv.count("\n") == data.table_count(wh, table) + 1
        assert csv.splitlines()[0].split(",")[:2] == wh.columns(table)[:2]


def test_reads_aggregate_and_release_the_file(bare_database, tmp_path, monkeypatch):
    """Every page aggregates the big marts in SQL (never `select *` of them) and no connection outlives its query,
    so `dbt build` can take the file between two queries."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(bare_database, database)
    issued: list[str] = []
    original = data.Warehouse.query

    def recording(self, sql, params=None):
        issued.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(data.Warehouse, "query", recording)
    at = run_app(database, monkeypatch)
    for page in PAGES[1:]:
        at.sidebar.radio(key="page").set_value(page).run()
        assert not at.exception
    big = ("fct_customer_activity_daily", "fct_orders", "dim_customers", "fct_customer_rfm")
    for sql in issued:
        for table in big:
            if re.search(rf"\b{table}\b", sql):
                assert re.search(r"count\(|sum\(|avg\(|group by|limit \d+", sql, re.I), \
                    f"{table} read without aggregation:\n{sql}"
    with duckdb.connect(str(database)) as con:  # read-write: fails if a read-only connection were still open
        con.execute("create table main.touched as select 1 as x")


# --- Explore: the retention insight macro, compiled by dbt for the page's choices ---------------------------------

# Two argument sets: how the page is set (widget key, value; a None key runs the app) and the same insight as a
# macro call written out by hand, queried through `dbt show` as the oracle.
EXPLORE_CASES = {
    "weekly_recurring_habit": (
        [("selectbox", "explore_type", "recurring"), ("number_input", "explore_minimum", 2), (None, None, None)],
        ("retention_insight(period='week', total_intervals=8, date_to='{date_to}', retention_type='recurring',"
         " minimum_occurrences=2)")),
    "monthly_app_viewers_to_orders_by_channel": (
        [("selectbox", "explore_period", "month"), ("slider", "explore_intervals", 5),
         ("selectbox", "explore_type", "first_ever"), ("selectbox", "explore_target", "product_view"),
         ("selectbox", "explore_returning", "order"), ("date_input", "explore_date_from", "{date_from}"),
         ("toggle", "explore_cumulative", True), (None, None, None),
         ("selectbox", "explore_target_prop", "device"), (None, None, None),
         ("multiselect", "explore_target_values_device", ["app"]),
         ("selectbox", "explore_breakdown", "customer:acquisition_channel"), (None, None, None)],
        ("retention_insight(period='month', total_intervals=5, date_from='{date_from}', date_to='{date_to}',"
         " retention_type='first_ever', target_event='product_view', target_filters={{'device': 'app'}},"
         " returning_event='order', cumulative=true, breakdown='acquisition_channel')")),
}
INSIGHT_COLUMNS = ["breakdown_value", "cohort_start", "period_number", "cohort_size", "retained_customers",
                   "retention_rate", "is_complete"]


def macro_output(warehouse: Warehouse, calls: dict[str, str]) -> pd.DataFrame:
    """The insights of `calls` as dbt runs them (`dbt show --inline`, one invocation for all), tagged by name."""
    union = "\nunion all by name\n".join(
        f"select '{name}' as case_name, * from ({{{{ retention_warehouse.{call} }}}}) as insight"
        for name, call in calls.items())
    result = warehouse.dbt("show", "--inline", union, "--limit", "-1", "--output", "json", "--quiet")
    rows = pd.DataFrame(json.loads(result.stdout[result.stdout.index("{"):])["show"])
    rows["cohort_start"] = pd.to_datetime(rows["cohort_start"])
    return rows


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in INSIGHT_COLUMNS if c in frame.columns and frame[c].notna().any()]
    frame = frame[columns].copy()
    frame["cohort_start"] = pd.to_datetime(frame["cohort_start"]).astype("datetime64[ns]")
    for column in ("period_number", "cohort_size", "retained_customers"):
        frame[column] = frame[column].astype("int64")
    frame["is_complete"] = frame["is_complete"].astype(bool)
    keys = [c for c in ("breakdown_value", "cohort_start", "period_number") if c in columns]
    return frame.sort_values(keys).reset_index(drop=True)


def test_explore_shows_the_macro_output(database, faulty_warehouse, monkeypatch):
    """For two argument sets, the rows and the pooled figures the Explore page shows are those of the macro run by
    dbt itself."""
    as_of = data.as_of_date(data.Warehouse(database)).date()
    dates = {"date_to": as_of.isoformat(), "date_from": (as_of - dt.timedelta(days=120)).isoformat()}
    expected = macro_output(faulty_warehouse, {name: call.format(**dates) for name, (_, call) in EXPLORE_CASES.items()})
    for name, (steps, _) in EXPLORE_CASES.items():
        at = run_app(database, monkeypatch, "explore")
        for kind, key, value in steps:
            if kind is None:
                at.run()
                assert not at.exception, f"{name}: {[e.value for e in at.exception]}"
                continue
            if isinstance(value, str) and value.startswith("{"):
                value = dt.date.fromisoformat(value.format(**dates))
            getattr(at, kind)(key=key).set_value(value)
        assert not at.error and not at.warning, f"{name}: {[e.value for e in [*at.error, *at.warning]]}"
        macro = canonical(expected[expected["case_name"] == name])
        shown = canonical(at.dataframe[0].value)
        assert len(macro) > 8, f"{name}: the macro returns too few rows to compare"
        pd.testing.assert_frame_equal(shown, macro, check_exact=False, rtol=1e-12)
        grain = "Month" if "monthly" in name else "Week"
        figures = metrics(at)
        first = macro[(macro["period_number"] == 1) & macro["is_complete"]]
        assert figures[f"{grain} 1 retention"] == f"{first['retained_customers'].sum() / first['cohort_size'].sum():.1%}"
        assert figures["Cohort members"] == f"{macro.loc[macro['period_number'] == 0, 'cohort_size'].sum():,}"
        if "breakdown_value" in macro:
            assert macro["breakdown_value"].nunique() > 1
            assert figures["Cohorts"].endswith(f"x {macro['breakdown_value'].nunique()} values")
        assert len(at.get("vega_lite_chart")) == 2  # the heatmap and the curves
        assert any(c.value.startswith(("compiled by dbt in", "compiled SQL from the cache")) for c in at.caption)


def test_explore_failures_are_messages(database, monkeypatch, tmp_path):
    """Arguments the macro refuses show its message; a dbt that is not set up shows what is missing."""
    at = run_app(database, monkeypatch, "explore")
    date_to = at.date_input(key="explore_date_to").value
    at.date_input(key="explore_date_to").set_value(date_to - dt.timedelta(days=60))
    at.date_input(key="explore_date_from").set_value(date_to - dt.timedelta(days=30)).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "date_from" in errors[0] and "is after date_to" in errors[0], errors
    assert not at.get("vega_lite_chart") and not at.metric
    at.date_input(key="explore_date_from").set_value(None).run()  # a valid choice again: the page recovers
    assert not at.error and len(at.get("vega_lite_chart")) == 2
    for variable, missing in (("RETENTION_DBT_PROJECT_DIR", "no dbt project at"), ("DBT_PROFILES_DIR", "no profiles.yml")):
        with monkeypatch.context() as patch:
            patch.setenv(variable, str(tmp_path))
            at = run_app(database, monkeypatch, "explore")
        assert not at.exception and not at.error
        assert any(missing in w.value for w in at.warning), [w.value for w in at.warning]


# --- Brackets & value: marts built in parallel, read when they exist ----------------------------------------------

def test_brackets_page_shows_the_marts(marts_database, monkeypatch):
    at = run_app(marts_database, monkeypatch, "brackets")
    assert not at.exception and not at.error and not at.warning
    assert "not built yet" not in " ".join(i.value for i in at.info)
    assert len(at.get("vega_lite_chart")) == 4  # brackets, N-day value, usage interval and its distribution
    wh = data.Warehouse(marts_database)
    for activity_basis in ("any_activity", "purchase"):
        if activity_basis != "any_activity":
            at.selectbox(key="brackets_activity_basis").set_value(activity_basis).run()
        pooled = wh.query(
            "select bracket, sum(retained_customers) / sum(cohort_size) as rate from {marts}.fct_retention_brackets"
            " where cohort_basis = 'signup' and activity_basis = ? and is_complete group by bracket",
            (activity_basis,)).set_index("bracket")["rate"]
        shown = at.dataframe[0].value.dropna(subset=["retention_rate"]).set_index("bracket")["retention_rate"]
        pd.testing.assert_series_equal(shown.sort_index(), pooled.sort_index(), check_names=False)
    value = wh.query(
        "select n_days, sum(cumulative_net_revenue) / sum(cohort_size) as value from {marts}.fct_nday_value"
        " where cohort_basis = 'first_order' and cohort_grain = 'month' and is_complete group by n_days")
    figures = metrics(at)
    for n, per_customer in zip(value["n_days"], value["value"]):
        assert figures[f"Day {n} value, months pooled"] == f"USD {per_customer:,.2f}"
    waiting = sorted(set(wh.query("select n_days from {marts}.fct_nday_value")["n_days"]) - set(value["n_days"]))
    assert waiting, "the 300-day build should leave the 365-day value incomplete"
    assert any(c.value.startswith("No value for") and f"day {waiting[-1]} yet" in c.value for c in at.caption)
    repeat = wh.query("select sum(customers_with_repeat) as n from {marts}.fct_usage_interval")["n"].iloc[0]
    assert figures["Customers with a repeat order"] == f"{repeat:,.0f}"
    specs = " ".join(chart.proto.spec for chart in at.get("vega_lite_chart"))
    assert "net revenue per customer (USD)" in specs
    assert not re.search(r"\b(None|n/a|NaN)\b", " ".join([*figures.values(), *(c.value for c in at.caption)]))


def test_usage_interval_columns_are_read_from_the_table(marts_database, tmp_path, monkeypatch):
    assert data.usage_interval_columns(["cohort_month", "customers_with_repeat", "median_of_median_interval_days",
                                        "q1_median_interval_days", "q3_median_interval_days"]) == {
        "cohort": "cohort_month", "customers_with_repeat": "customers_with_repeat",
        "median": "median_of_median_interval_days", "low": "q1_median_interval_days",
        "high": "q3_median_interval_days"}
    path = tmp_path / marts_database.name
    shutil.copyfile(marts_database, path)
    with duckdb.connect(str(path)) as con:
        con.execute("alter table marts.fct_usage_interval drop column p25_days_between_orders;"
                    " alter table marts.fct_usage_interval drop column p75_days_between_orders")
    at = run_app(path, monkeypatch, "brackets")
    assert not at.exception
    assert any("no quartile columns" in c.value for c in at.caption)
    with duckdb.connect(str(path)) as con:
        con.execute("alter table marts.fct_usage_interval rename column median_days_between_orders to typical_gap")
    at = run_app(path, monkeypatch, "brackets")
    assert not at.exception
    assert any("no column for a median" in w.value for w in at.warning)


def test_cache_key_follows_the_file(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts;"
                    " create table marts.fct_active_customers_daily as select date '2024-01-01' as activity_date")
    wh = data.Warehouse(path)
    first = wh.version()
    os.utime(path, ns=(first + 5_000_000_000, first + 5_000_000_000))
    assert wh.version() != first
    assert str(data.as_of_date(wh).date()) == "2024-01-01"
    with pytest.raises(data.WarehouseMissing):
        data.Warehouse(tmp_path / "absent.duckdb").query("select 1")


@pytest.mark.skipif(screenshot.find_chromium() is None,
                    reason="headless Chromium is not installed (apt-get install chromium); the browser check needs it")
def test_dashboard_in_headless_chromium(database, tmp_path):
    """Every page in a real browser 1280 px wide, through the screenshot command's own code (capture_pages): one
    whole-page PNG per page, no error box, its charts drawn, nothing blank; no label cut short (metric labels,
    values and deltas, widget values: text wider than its box), no "None" or "NaN" in the visible text, and every
    "n/a" tile explained in a caption under its row. The Explore page compiles with dbt in the served dashboard."""
    from PIL import Image

    captures = screenshot.capture_pages(tmp_path, database=database)
    assert list(captures) == PAGES, "the screenshot command skips a page"
    for page, capture in captures.items():
        assert "Retention warehouse" in capture.text, "title missing from the rendered page"
        assert html.escape(f"Retention warehouse - {views.PAGES[page][0]}", quote=False) in capture.html
        assert capture.exceptions == 0 and capture.error_alerts == 0, f"{page} shows an error"
        for phrase in ("Traceback", "Error:", "Exception"):
            assert phrase not in capture.text, f"{page} shows {phrase!r}"
        assert capture.charts >= 2, f"{page} rendered {capture.charts} charts"
        assert not capture.cut, f"{page} cuts labels short at 1280 px: {capture.cut}"
        assert not capture.problems(), f"{page}: {capture.problems()}"
        lines = [line.strip() for line in capture.text.splitlines() if line.strip()]
        for index, line in enumerate(lines):
            if line == views.NA:  # a tile's value; the line before it is the tile's label
                label = lines[index - 1]
                assert f"{label}: {views.NA} - " in capture.text, f"{page}: {label} is n/a with no reason"
        if page == "explore":
            assert re.search(r"compiled (by dbt in|SQL from the cache)", capture.text)
        png = (tmp_path / f"dashboard_{page}.png").read_bytes()
        assert len(png) < 500_000
        image = Image.open(io.BytesIO(png)).convert("RGB")
        assert image.size[0] == screenshot.WIDTH == 1280
        assert image.size[1] > 900, f"{page}: the screenshot is not of the whole page"
        colours = image.getcolors(maxcolors=1 << 16) or []
        assert len(colours) > 20, f"{page} screenshot looks blank"
    if os.environ.get("UPDATE_SCREENSHOTS"):  # refresh the committed screenshots from this build
        target = PROJECT_DIR / "docs" / "screenshots"
        for page in captures:
            if (target / f"dashboard_{page}.png").exists():
                shutil.copyfile(tmp_path / f"dashboard_{page}.png", target / f"dashboard_{page}.png")


# --- readable at 1280 px: short labels, month axes, n/a with a reason, no None, money with its currency ------------

@pytest.fixture(scope="module")
def orders_only_database(faulty_warehouse: Warehouse, tmp_path_factory) -> Path:
    """A copy of the build shaped like CDNOW loaded as orders: every customer signed up long before as_of_date (no
    signup cohort in its last 40 days) and no behavioural event reaches the funnel."""
    path = tmp_path_factory.mktemp("orders_only") / faulty_warehouse.database.name
    shutil.copyfile(faulty_warehouse.database, path)
    with duckdb.connect(str(path)) as con:
        as_of = con.execute("select max(activity_date) from marts.fct_active_customers_daily").fetchone()[0]
        con.execute("delete from marts.fct_retention_headline where cohort_date > cast(? as date) - 40", [as_of])
        con.execute("delete from marts.fct_funnel_daily; delete from marts.fct_funnel_daily_by_channel")
    return path


@pytest.fixture(scope="module")
def rendered(database, orders_only_database) -> dict[tuple[str, str], AppTest]:
    """Every page run once on the build and once on its orders-only copy, for the checks below (read only: a run
    kept here is not run again)."""
    runs = {}
    with pytest.MonkeyPatch.context() as patch:
        for name, served in (("build", database), ("orders only", orders_only_database)):
            for page in PAGES:
                at = runs[name, page] = run_app(served, patch, page)
                assert not at.exception, f"{name}, {page}: {[e.value for e in at.exception]}"
    return runs


def unexplained_na(at: AppTest) -> list[str]:
    """Tiles reading n/a without "n/a - <reason>" in their help and in a caption under them."""
    captions = " ".join(c.value for c in at.caption)
    return [m.label for m in at.metric if m.value == views.NA
            and not (m.proto.help.startswith(f"{views.NA} - ") and f"**{m.label}**: {views.NA} - " in captions)]


def test_cut_labels_are_short(database, monkeypatch):
    """The cohort tiles' labels that were cut at 1280 px ("Period 1 (month), all cohorts po...") are short; the grain
    and the pooling moved into the help. So did the lifecycle tiles' "+134 in 30 days" deltas."""
    at = run_app(database, monkeypatch, "cohorts")
    labels = [m.label for m in at.metric]
    assert labels == ["Cohorts shown", "Customers in them", "Period 1 retention", "Period 6 retention"]
    assert all(len(label) <= 24 for label in labels)
    assert "(month grain); all cohorts of the selection pooled" in helps(at)["Period 1 retention"]
    assert all(len(option) <= 22 for option in at.selectbox(key="measure").options)
    at.sidebar.radio(key="page").set_value("lifecycle").run()
    deltas = [m.proto.delta for m in at.metric if m.proto.delta]
    assert deltas and all(re.fullmatch(r"[+-][\d,]+", delta) for delta in deltas), deltas
    assert any("the change since 30 days earlier" in c.value for c in at.caption)


def test_month_axes_have_one_label_per_month():
    """CDNOW's three cohort months drew "1997-01" four times on the headline chart (a temporal axis with a month
    format and weekly ticks); the month charts now put one ordinal YYYY-MM label per month, in time order."""
    months = pd.to_datetime(["1997-01-01", "1997-02-01", "1997-03-01"])
    headline = pd.DataFrame({"cohort_month": months, "cohort_size": [7846, 8476, 7248],
                             **{f: [0.01, 0.02, 0.03] for f in ("d1_retention", "d7_retention", "within_7d_retention")},
                             "d30_retention": [0.01, 0.02, None], "within_30d_retention": [0.01, None, None]})
    churn = pd.DataFrame({"month_start": months, "churn_rate": [0.0, 0.1, 0.2], "is_complete": [True, True, False],
                          "customers_at_start": 10, "churned_customers": 1})
    repeat = pd.DataFrame({"cohort_month": months, "repeat_rate_30d": [0.1, 0.2, 0.3], "repeat_rate_60d": 0.3,
                           "repeat_rate_90d": [0.4, None, None]})
    for chart in (charts.headline_lines(headline), charts.churn_rate(churn), charts.repeat_rates(repeat)):
        spec = chart.to_dict()
        x = spec["encoding"]["x"]
        assert x["type"] == "ordinal" and x["field"] == charts.MONTH_LABEL, x
        assert x["sort"] == ["1997-01", "1997-02", "1997-03"] and "format" not in x.get("axis", {})
        rows = next(iter(spec["datasets"].values()))
        assert {row[charts.MONTH_LABEL] for row in rows} == set(x["sort"])
    # four weekly cohorts inside one month are one label, not four
    weeks = pd.DataFrame({"cohort_start": pd.to_datetime(["1997-01-01", "1997-01-08", "1997-01-15", "1997-01-22"])})
    labelled, x = charts.month_axis(weeks, "cohort_start", "month")
    assert x.to_dict()["sort"] == ["1997-01"] and set(labelled[charts.MONTH_LABEL]) == {"1997-01"}


def test_long_legends_go_under_the_chart():
    """A legend right of a chart is cut off at the chart's bottom (the demo's retention curves lost their latest
    cohort, 2025-05): past eight series it moves under the chart, in rows, and the chart grows by those rows."""
    def curves(cohorts: int):
        starts = pd.date_range("2024-01-01", periods=cohorts, freq="MS")
        matrix = pd.DataFrame([{"cohort_start": d, "period_number": n, "retention_rate": 0.5, "cohort_size": 10,
                                "is_complete": True} for d in starts for n in (0, 1)])
        pooled = pd.DataFrame({"period_number": [0, 1], "retention_rate": [1.0, 0.5], "cohorts": cohorts})
        return charts.retention_curves(matrix, pooled, "month").to_dict()

    few, many = curves(5), curves(12)
    assert few["layer"][0]["encoding"]["color"]["legend"].get("orient") is None and few["height"] == 360
    legend = many["layer"][0]["encoding"]["color"]["legend"]
    assert legend["orient"] == "bottom" and legend["columns"] == charts.LEGEND_COLUMNS_BELOW
    assert many["height"] == 360 + 40 + 30 * 3
    shown = {row["series"] for dataset in many["datasets"].values() for row in dataset if "series" in row}
    assert len(shown - {"all cohorts (pooled)"}) == 12


def test_na_tiles_say_why(rendered):
    """On a CDNOW-like warehouse the within-7-days tile and the funnel tiles are n/a: each says why, in its help and
    in a caption under its row; no page has an unexplained n/a."""
    at = rendered["orders only", "overview"]
    tile = next(m for m in at.metric if m.label == "Within-7-days retention")
    assert tile.value == views.NA
    assert re.match(r"n/a - no cohort with a complete 7-day window: nobody signed up between \d{4}-\d\d-\d\d and "
                    r"\d{4}-\d\d-\d\d\.", tile.proto.help), tile.proto.help
    assert any("**Within-7-days retention**: n/a - no cohort with a complete 7-day window" in c.value
               for c in at.caption)
    at = rendered["orders only", "activation"]
    funnel = {m.label: m for m in at.metric if m.label != "Customers"}
    assert len(funnel) == 4 and all(m.value == views.NA for m in funnel.values())
    assert funnel["Cart to checkout"].proto.help.startswith("n/a - no customer added to cart in the 28 days.")
    assert any("a feed of orders only has none" in c.value for c in at.caption)
    for (name, page), at in rendered.items():
        assert not unexplained_na(at), f"{name}, {page}: n/a without a reason: {unexplained_na(at)}"


def test_tables_show_no_none(rendered):
    """No table shows "None": an empty cell is a dash and a caption under the table says why, per column (the RFM
    segment table's value_group is empty for the segments in neither value group)."""
    seen_gaps = set()
    for (name, page), at in rendered.items():
        captions = [c.value for c in at.caption]
        for frame in at.dataframe:
            shown = frame.value
            assert not any(shown[c].dropna().astype(str).eq("None").any() for c in shown.columns), \
                f"{name}, {page}: a cell holds the text None"
            gaps = [column for column in shown.columns if shown[column].isna().any()]
            if gaps:
                assert frame.proto.placeholder == views.MISSING, f"{name}, {page}: empty cells would read None"
                assert any(c.startswith(f"{views.MISSING} = no value") and all(f"`{g}`" in c for g in gaps)
                           for c in captions), f"{name}, {page}: no reason given for the empty cells of {gaps}"
                seen_gaps.update(gaps)
        shown_text = " ".join([*(m.value for m in at.metric), *(m.proto.delta for m in at.metric),
                               *(m.proto.help for m in at.metric), *captions])
        assert not re.search(r"\b(None|NaN|nan)\b", shown_text), f"{name}, {page} shows None or NaN"
    assert "value_group" in seen_gaps  # the segment table printed "None" there
    at = rendered["build", "value"]
    assert next(f for f in at.dataframe if "value_group" in f.value.columns).value["value_group"].isna().any()
    assert "neither value group" in next(c.value for c in at.caption if "`value_group`" in c.value)


def test_money_carries_its_currency(rendered):
    """Every money tile and money column names the reporting currency (reporting_currency, default USD)."""
    money_label = re.compile(r"revenue|CLV|value at risk|liability", re.I)
    tiles = {}
    for page in PAGES:
        at = rendered["build", page]
        tiles.update({m.label: m.value for m in at.metric if money_label.search(m.label)})
        for frame in at.dataframe:
            config = json.loads(frame.proto.columns or "{}")
            for column in frame.value.columns:
                if views.MONEY_COLUMN.search(column) and pd.api.types.is_numeric_dtype(frame.value[column]):
                    assert config.get(column, {}).get("label") == f"{column} (USD)", f"{page}: {column} has no currency"
    assert {"Net revenue, 30 days", "Value at risk", "Predicted CLV, total", "Median predicted CLV",
            "Liability"} <= set(tiles)
    assert all(value.startswith("USD ") for value in tiles.values()), tiles
    assert views.money(201_597.4, "USD") == "USD 201.6k" and views.money(76_109, "EUR") == "EUR 76,109"
    assert views.money(1_234_567, "USD") == "USD 1.23M" and views.money(None, "USD") == views.NA
    assert views.money(6.316, "USD", digits=2) == "USD 6.32"
    assert views.money_exact(1_234_567.891, "USD") == "USD 1,234,567.89"


def test_rfm_page_explains_its_two_counts(rendered, database, faulty_warehouse):
    """The grid's cell counts (every customer of the cell) and the segment table's counts (a segment over its cells)
    differ; the page says why, marks the cells that segments share, and shows that both add up to the scored
    customers."""
    scored = int(faulty_warehouse.query("select count(*) as n from marts.fct_customer_rfm")["n"].iloc[0])
    at = rendered["build", "value"]
    note = next(c.value for c in at.caption if c.value.startswith("Two counts"))
    assert f"both add up to the same {scored:,} scored customers" in note
    cells = data.rfm_segment_cells(data.Warehouse(database))
    spread = cells[cells["cells"] > 1].iloc[0]
    assert f"e.g. {spread['rfm_segment']}: {spread['customers']:,} customers in {spread['cells']} cells" in note
    grid = data.rfm_grid(data.Warehouse(database))
    assert int(grid["customers"].sum()) == scored == int(cells["customers"].sum())
    assert "cell_label" in at.get("vega_lite_chart")[0].proto.spec  # the page draws the grid below
    spec = charts.rfm_grid(grid).to_dict()
    labels = [row["cell_label"] for dataset in spec["datasets"].values() for row in dataset if "cell_label" in row]
    shared = grid[grid["segment_count"] > 1]
    assert len(shared) and sum(" segments" in label for label in labels) == len(shared)


def test_busy_warehouse_shows_a_note(bare_database, tmp_path, monkeypatch):
    """While a build holds the write lock the dashboard says so (after brief retries) instead of failing."""
    import subprocess
    import sys
    import time

    database = tmp_path / "locked.duckdb"
    shutil.copyfile(bare_database, database)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
                               " print('locked', flush=True); time.sleep(60)", str(database)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(data.WarehouseBusy):
            data.Warehouse(database, retries=1, retry_wait=0.05).query("select 1")
        started = time.monotonic()
        at = run_app(database, monkeypatch)
        assert not at.exception
        assert any("being rebuilt" in w.value for w in at.warning)
        assert time.monotonic() - started < 30  # six retries, half a second apart
    finally:
        holder.kill()
        holder.wait()
