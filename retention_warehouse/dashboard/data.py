"""Read-only access to the warehouse for the dashboard and the report.

Every query opens the DuckDB file read-only, runs, and closes the connection again, so a reader never holds the
file between queries and never blocks `dbt build` (DuckDB lets one writer or many readers in at a time). While a
build holds the write lock, a query retries briefly and then raises `WarehouseBusy`.

The queries aggregate in SQL: the big marts (fct_customer_activity_daily, fct_orders, dim_customers) are only
ever grouped or filtered, never loaded whole.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_DATABASE = "retention.duckdb"

# marts that land later or only on some targets: readers show "not built yet" until they exist
OPTIONAL_MARTS = (
    "fct_customer_clv",
    "fct_clv_parameters",
    "fct_customer_predictions",
    "fct_experiment_retention",
    "fct_funnel_daily",
    "fct_audience_browse_abandonment",
    "fct_audience_cart_abandonment",
    "fct_audience_win_back",
    "fct_audience_churn_warning",
    "fct_retention_brackets",
    "fct_nday_value",
    "fct_usage_interval",
)


class WarehouseMissing(RuntimeError):
    """The DuckDB file does not exist (nothing built yet)."""


class WarehouseBusy(RuntimeError):
    """The DuckDB file is locked by a writer (a `dbt build` is running)."""


def database_path() -> Path:
    """The DuckDB file: $DBT_DUCKDB_PATH, else retention.duckdb in the working directory (as in profiles.yml)."""
    return Path(os.environ.get("DBT_DUCKDB_PATH") or DEFAULT_DATABASE)


def marts_schema() -> str:
    """Schema of the public marts ('marts'; '<prefix>_marts' when built with the var custom_schema_prefix)."""
    return os.environ.get("RETENTION_MARTS_SCHEMA", "marts")


@dataclass(frozen=True)
class Warehouse:
    """A built warehouse, read query by query."""

    path: Path
    schema: str = "marts"
    retries: int = 6
    retry_wait: float = 0.5

    @classmethod
    def from_env(cls) -> Warehouse:
        return cls(database_path(), marts_schema())

    def version(self) -> int:
        """Changes whenever the file (or its write-ahead log) changes: the cache key of every query."""
        if not self.path.exists():
            raise WarehouseMissing(f"no warehouse at {self.path}: run `make build` or set DBT_DUCKDB_PATH")
        stamps = [self.path.stat().st_mtime_ns]
        wal = self.path.with_name(self.path.name + ".wal")
        if wal.exists():
            stamps.append(wal.stat().st_mtime_ns)
        return max(stamps)

    def query(self, sql: str, params: tuple | list | None = None) -> pd.DataFrame:
        """Run one query on a fresh read-only connection; `{marts}` in the SQL names the marts schema."""
        if not self.path.exists():
            raise WarehouseMissing(f"no warehouse at {self.path}: run `make build` or set DBT_DUCKDB_PATH")
        sql = sql.replace("{marts}", self.schema)
        for attempt in range(self.retries + 1):
            try:
                with duckdb.connect(str(self.path), read_only=True) as con:
                    return con.execute(sql, list(params or ())).fetchdf()
            except duckdb.IOException as error:  # the write lock of a running build
                if "lock" not in str(error).lower() or attempt == self.retries:
                    if "lock" in str(error).lower():
                        raise WarehouseBusy(f"{self.path} is being rebuilt (locked by a writer); try again shortly") from error
                    raise
                time.sleep(self.retry_wait)
        raise AssertionError("unreachable")

    def tables(self) -> set[str]:
        """Tables and views of the marts schema."""
        frame = self.query(
            "select table_name from information_schema.tables where table_schema = ?", (self.schema,)
        )
        return set(frame["table_name"])

    def has(self, table: str) -> bool:
        return table in self.tables()

    def columns(self, table: str) -> list[str]:
        frame = self.query(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
            " order by ordinal_position",
            (self.schema, table),
        )
        return list(frame["column_name"])


# ---------------------------------------------------------------------------------------------------------------
# Queries shared by the dashboard and the report. Each takes a Warehouse (anything with .query) and returns a small,
# aggregated DataFrame.
# ---------------------------------------------------------------------------------------------------------------

def as_of_date(wh: Warehouse) -> pd.Timestamp | None:
    """The build's as_of_date: the last day of fct_active_customers_daily (one row per day up to as_of_date)."""
    frame = wh.query("select max(activity_date) as as_of_date from {marts}.fct_active_customers_daily")
    value = frame["as_of_date"].iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value)


def cohort_matrix(wh: Warehouse, cohort_basis: str, activity_basis: str, grain: str, *, cohorts: int,
                  max_period: int, segment_type: str | None = None, segment_value: str | None = None,
                  up_to: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """The last `cohorts` cohorts (started on or before `up_to`) of one slice of the cohort matrix, periods
    0..max_period, every cell with its completeness."""
    if segment_type:
        source = "{marts}.fct_cohort_retention_by_segment"
        segment_filter = "and segment_type = ? and segment_value = ?"
        segment_params: tuple = (segment_type, segment_value)
    else:
        source = "{marts}.fct_cohort_retention"
        segment_filter = ""
        segment_params = ()
    up_to_filter = "and cohort_start <= cast(? as date)" if up_to is not None else ""
    up_to_params: tuple = (str(pd.Timestamp(up_to).date()),) if up_to is not None else ()
    sql = f"""
        with cells as (
            select cohort_start, period_number, period_start, cohort_size, retained_customers, retention_rate,
                   unbounded_retained_customers, unbounded_retention_rate, is_complete
            from {source}
            where cohort_basis = ? and activity_basis = ? and period_grain = ? {segment_filter}
              and period_number <= ? {up_to_filter}
        ),
        cohorts as (
            select distinct cohort_start from cells order by cohort_start desc limit ?
        )
        select cells.*
        from cells
        inner join cohorts on cohorts.cohort_start = cells.cohort_start
        order by cells.cohort_start, cells.period_number
    """
    params = (cohort_basis, activity_basis, grain, *segment_params, max_period, *up_to_params, cohorts)
    return wh.query(sql, params)


def pooled_curve(wh: Warehouse, cohort_basis: str, activity_basis: str, grain: str, *, max_period: int,
                 segment_type: str | None = None, segment_value: str | None = None,
                 since: str | pd.Timestamp | None = None, up_to: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Retention by period number pooled over every cohort of the slice (complete cells only): sum(retained) /
    sum(cohort size) - the cohort-size-weighted average curve."""
    if segment_type:
        source = "{marts}.fct_cohort_retention_by_segment"
        segment_filter = "and segment_type = ? and segment_value = ?"
        params: list = [cohort_basis, activity_basis, grain, segment_type, segment_value, max_period]
    else:
        source = "{marts}.fct_cohort_retention"
        segment_filter = ""
        params = [cohort_basis, activity_basis, grain, max_period]
    range_filter = ""
    if since is not None:
        range_filter += " and cohort_start >= cast(? as date)"
        params.append(str(pd.Timestamp(since).date()))
    if up_to is not None:
        range_filter += " and cohort_start <= cast(? as date)"
        params.append(str(pd.Timestamp(up_to).date()))
    sql = f"""
        select period_number,
               count(*) as cohorts,
               sum(cohort_size) as cohort_customers,
               sum(retained_customers) as retained_customers,
               sum(retained_customers) / nullif(sum(cohort_size), 0) as retention_rate,
               sum(unbounded_retained_customers) / nullif(sum(cohort_size), 0) as unbounded_retention_rate
        from {source}
        where cohort_basis = ? and activity_basis = ? and period_grain = ? {segment_filter}
          and period_number <= ? and is_complete {range_filter}
        group by period_number
        order by period_number
    """
    return wh.query(sql, params)


def segment_values(wh: Warehouse, segment_type: str) -> list[str]:
    frame = wh.query(
        "select distinct segment_value from {marts}.fct_cohort_retention_by_segment where segment_type = ?"
        " order by 1", (segment_type,))
    return list(frame["segment_value"])


def headline_by_month(wh: Warehouse, cohort_basis: str, since: str | None = None) -> pd.DataFrame:
    """Headline retention (next-day, day-7, day-30, within-7, within-30) pooled per cohort month; each rate only
    over the cohorts whose window is complete."""
    since_filter = "and cohort_date >= cast(? as date)" if since else ""
    params = (cohort_basis, since) if since else (cohort_basis,)
    figures = ["d1", "d7", "d30", "within_7d", "within_30d"]
    rates = ",\n".join(
        f"sum({f}_retained_customers) / nullif(sum(case when {f}_retained_customers is not null then cohort_size end), 0)"
        f" as {f}_retention" for f in figures)
    sql = f"""
        select date_trunc('month', cohort_date) as cohort_month, sum(cohort_size) as cohort_size, {rates}
        from {{marts}}.fct_retention_headline
        where cohort_basis = ? {since_filter}
        group by 1 order by 1
    """
    return wh.query(sql, params)


def headline_between(wh: Warehouse, cohort_basis: str, start, end) -> dict:
    """Headline retention pooled over the cohort days start..end (inclusive), complete windows only."""
    figures = ["d1", "d7", "d30", "within_7d", "within_30d"]
    rates = ",\n".join(
        f"sum({f}_retained_customers) / nullif(sum(case when {f}_retained_customers is not null then cohort_size end), 0)"
        f" as {f}_retention" for f in figures)
    frame = wh.query(
        f"select sum(cohort_size) as cohort_size, {rates} from {{marts}}.fct_retention_headline"
        " where cohort_basis = ? and cohort_date between cast(? as date) and cast(? as date)",
        (cohort_basis, str(pd.Timestamp(start).date()), str(pd.Timestamp(end).date())))
    return frame.iloc[0].to_dict()


def activity_daily(wh: Warehouse, start, end) -> pd.DataFrame:
    return wh.query(
        "select activity_date, dau, wau, mau, stickiness from {marts}.fct_active_customers_daily"
        " where activity_date between cast(? as date) and cast(? as date) order by activity_date",
        (str(pd.Timestamp(start).date()), str(pd.Timestamp(end).date())))


def activity_range(wh: Warehouse) -> tuple[pd.Timestamp, pd.Timestamp]:
    frame = wh.query("select min(activity_date) as lo, max(activity_date) as hi from {marts}.fct_active_customers_daily")
    return pd.Timestamp(frame["lo"].iloc[0]), pd.Timestamp(frame["hi"].iloc[0])


def monthly_actives(wh: Warehouse) -> pd.DataFrame:
    return wh.query("select month_start, active_customers, is_complete from {marts}.fct_active_customers_monthly"
                    " order by month_start")


def period_lifecycle(wh: Warehouse, grain: str, start=None) -> pd.DataFrame:
    since = "and period_start >= cast(? as date)" if start is not None else ""
    params = (grain, str(pd.Timestamp(start).date())) if start is not None else (grain,)
    return wh.query(
        f"select period_start, status, customers, is_complete from {{marts}}.fct_period_lifecycle"
        f" where period_grain = ? {since} order by period_start, status", params)


def stickiness_distribution(wh: Warehouse, grain: str, period_start) -> pd.DataFrame:
    return wh.query(
        "select active_days, customers, customers_at_least, is_complete from {marts}.fct_stickiness"
        " where period_grain = ? and period_start = cast(? as date) order by active_days",
        (grain, str(pd.Timestamp(period_start).date())))


def stickiness_periods(wh: Warehouse, grain: str) -> pd.DataFrame:
    """Periods of the stickiness distribution, latest first, with their completeness."""
    return wh.query("select period_start, bool_and(is_complete) as is_complete from {marts}.fct_stickiness"
                    " where period_grain = ? group by 1 order by 1 desc", (grain,))


def lifecycle_stages(wh: Warehouse, grain: str, start=None) -> pd.DataFrame:
    """Customers per lifecycle stage on the last day of each period (as_of_date for the period in progress): a
    stock, sampled in SQL so a long history stays small."""
    since = "where stage_date >= cast(? as date)" if start is not None else ""
    params = (str(pd.Timestamp(start).date()),) if start is not None else ()
    if grain == "day":
        sql = f"""select stage_date, lifecycle_stage, stage_order, customers
                  from {{marts}}.fct_lifecycle_stage_daily {since} order by stage_date, stage_order"""
    else:
        sql = f"""
            with stages as (select * from {{marts}}.fct_lifecycle_stage_daily {since}),
            last_days as (
                select max(stage_date) as stage_date from stages group by date_trunc('{grain}', stage_date)
            )
            select stages.stage_date, lifecycle_stage, stage_order, customers
            from stages inner join last_days on last_days.stage_date = stages.stage_date
            order by stages.stage_date, stage_order
        """
    return wh.query(sql, params)


def stage_counts_on(wh: Warehouse, day) -> pd.DataFrame:
    return wh.query(
        "select lifecycle_stage, stage_order, customers from {marts}.fct_lifecycle_stage_daily"
        " where stage_date = cast(? as date) order by stage_order", (str(pd.Timestamp(day).date()),))


def churn_monthly(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        "select month_start, customers_at_start, churned_customers, churn_rate, new_customers,"
        " reactivated_customers, net_change, is_complete from {marts}.fct_churn_monthly order by month_start")


def churn_warning(wh: Warehouse, limit: int | None = 50) -> pd.DataFrame:
    limit_sql = f"limit {int(limit)}" if limit else ""
    return wh.query(f"select * from {{marts}}.fct_churn_warning order by risk_rank {limit_sql}")


def rfm_grid(wh: Warehouse) -> pd.DataFrame:
    """Customers per (R, F) score cell with the cell's main segment (over M scores), how many segments share the
    cell and the segments in it."""
    return wh.query("""
        with cells as (
            select r_score, f_score, rfm_segment, count(*) as customers, sum(monetary) as monetary
            from {marts}.fct_customer_rfm group by 1, 2, 3
        ),
        ranked as (
            select *, row_number() over (partition by r_score, f_score order by customers desc, rfm_segment) as rn
            from cells
        )
        select r_score, f_score,
               cast(sum(customers) as integer) as customers,
               sum(monetary) as monetary,
               max(case when rn = 1 then rfm_segment end) as main_segment,
               cast(count(*) as integer) as segment_count,
               string_agg(rfm_segment || ' ' || customers, ', ' order by customers desc) as segments
        from ranked group by 1, 2 order by 1, 2
    """)


def rfm_segment_cells(wh: Warehouse) -> pd.DataFrame:
    """How many (R, F) cells of the grid each segment covers, and its customers over them."""
    return wh.query("""
        select rfm_segment, cast(count(distinct r_score * 10 + f_score) as integer) as cells,
               cast(count(*) as integer) as customers
        from {marts}.fct_customer_rfm group by 1 order by customers desc, rfm_segment
    """)


def rfm_segments(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        "select rfm_segment, value_group, customers, share_of_customers, monetary, share_of_monetary,"
        " lifetime_net_revenue, avg_recency_days, avg_frequency, segment_description"
        " from {marts}.fct_rfm_segment_summary order by customers desc")


def tier_mix(wh: Warehouse) -> pd.DataFrame:
    return wh.query("""
        select membership_tier, lifecycle_stage, count(*) as customers, sum(lifetime_net_revenue) as lifetime_net_revenue
        from {marts}.dim_customers group by 1, 2 order by 1, 2
    """)


def cohort_ltv(wh: Warehouse, cohorts: int = 12) -> pd.DataFrame:
    return wh.query("""
        with months as (select distinct cohort_month from {marts}.fct_cohort_ltv order by 1 desc limit ?)
        select ltv.cohort_month, month_offset, cohort_size, avg_cumulative_net_revenue, is_complete
        from {marts}.fct_cohort_ltv as ltv inner join months on months.cohort_month = ltv.cohort_month
        order by 1, 2
    """, (cohorts,))


def repeat_purchase(wh: Warehouse) -> pd.DataFrame:
    return wh.query("select * from {marts}.fct_repeat_purchase_cohorts order by cohort_month")


def clv_histogram(wh: Warehouse, column: str = "predicted_clv", bins: int = 30) -> pd.DataFrame:
    """Histogram of a CLV column binned in SQL. predicted_clv is cut at its 99th percentile (the last bin holds the
    tail); p_alive uses fixed 0..1 bins."""
    if column == "p_alive":
        lo_hi = "select 0.0 as lo, 1.0 as hi"
    else:
        lo_hi = f"select 0.0 as lo, greatest(quantile_cont({column}, 0.99), 1e-9) as hi from {{marts}}.fct_customer_clv"
    return wh.query(f"""
        with bounds as ({lo_hi}),
        binned as (
            select least(cast(floor(({column} - lo) / (hi - lo) * {bins}) as integer), {bins - 1}) as bin, lo, hi
            from {{marts}}.fct_customer_clv, bounds where {column} is not null
        )
        select bin, min(lo) + bin * (min(hi) - min(lo)) / {bins} as bin_start,
               min(lo) + (bin + 1) * (min(hi) - min(lo)) / {bins} as bin_end, count(*) as customers
        from binned group by bin order by bin
    """)


def clv_summary(wh: Warehouse) -> pd.DataFrame:
    return wh.query("""
        select count(*) as customers, sum(predicted_clv) as predicted_clv, avg(predicted_clv) as avg_predicted_clv,
               median(predicted_clv) as median_predicted_clv, avg(p_alive) as avg_p_alive,
               sum(expected_orders) as expected_orders
        from {marts}.fct_customer_clv
    """)


def predictions_summary(wh: Warehouse) -> pd.DataFrame:
    """Klaviyo's predictive fields over the customers with an order, one row per prediction_status (ok, or the
    condition that failed): customers, median days to the next order, and the customers expected within 30 days."""
    return wh.query("""
        select prediction_status, count(*) as customers, median(days_to_next_order) as median_days_to_next_order,
               count(case when expected_next_order_date <= as_of_date + interval 30 day then 1 end)
                   as expected_within_30_days,
               sum(total_clv) as total_clv
        from {marts}.fct_customer_predictions
        group by prediction_status
        order by customers desc
    """)


def overview(wh: Warehouse, as_of: pd.Timestamp) -> dict:
    """Headline numbers for the overview page, as of `as_of`, each with the value one window earlier."""
    day = str(as_of.date())
    activity = wh.query("""
        select activity_date, dau, wau, mau, stickiness from {marts}.fct_active_customers_daily
        where activity_date in (cast(? as date), cast(? as date) - interval 28 day)
        order by activity_date desc
    """, (day, day))
    revenue = wh.query("""
        select sum(case when order_date > cast(? as date) - interval 30 day then net_revenue end) as net_revenue,
               sum(case when order_date <= cast(? as date) - interval 30 day then net_revenue end) as previous_net_revenue,
               count(case when order_date > cast(? as date) - interval 30 day then 1 end) as orders,
               count(case when order_date <= cast(? as date) - interval 30 day then 1 end) as previous_orders
        from {marts}.fct_orders
        where order_date > cast(? as date) - interval 60 day and order_date <= cast(? as date)
    """, (day,) * 6)
    customers = wh.query("""
        select count(*) as customers,
               count(first_order_date) as buyers,
               count(case when signup_date > cast(? as date) - interval 30 day then 1 end) as new_signups,
               count(case when signup_date <= cast(? as date) - interval 30 day
                           and signup_date > cast(? as date) - interval 60 day then 1 end) as previous_new_signups
        from {marts}.dim_customers
    """, (day, day, day))
    result = {"activity": activity, **revenue.iloc[0].to_dict(), **customers.iloc[0].to_dict()}
    return result


def table_preview(wh: Warehouse, table: str, limit: int = 200, order_by: str | None = None) -> pd.DataFrame:
    order = f"order by {order_by}" if order_by else ""
    return wh.query(f"select * from {{marts}}.{table} {order} limit {int(limit)}")


def table_count(wh: Warehouse, table: str) -> int:
    return int(wh.query(f"select count(*) as n from {{marts}}.{table}")["n"].iloc[0])


def table_csv(wh: Warehouse, table: str) -> bytes:
    """The whole table as CSV (for the audience downloads: lists meant to leave the warehouse)."""
    return wh.query(f"select * from {{marts}}.{table}").to_csv(index=False).encode("utf-8")


# --- activation and experiments (marts that may not be built yet: callers check wh.has first) ---------------------

FUNNEL_STEPS = ["customers_viewed_product", "customers_added_to_cart", "customers_started_checkout", "customers_ordered"]
FUNNEL_RATES = {  # rate: (numerator, denominator), pooled over days as sum / sum
    "view_to_cart_rate": ("customers_viewed_and_added", "customers_viewed_product"),
    "cart_to_checkout_rate": ("customers_added_and_checked_out", "customers_added_to_cart"),
    "checkout_to_order_rate": ("customers_checked_out_and_ordered", "customers_started_checkout"),
    "funnel_conversion_rate": ("customers_completed_funnel", "customers_viewed_product"),
}


def _funnel_source(channel: str | None) -> tuple[str, str, tuple]:
    if channel:
        return "{marts}.fct_funnel_daily_by_channel", "and acquisition_channel = ?", (channel,)
    return "{marts}.fct_funnel_daily", "", ()


def funnel_totals(wh: Warehouse, start, end, channel: str | None = None) -> pd.DataFrame:
    """Funnel steps summed over the days start..end (customer-days) and the step rates pooled as sum / sum."""
    source, channel_filter, channel_params = _funnel_source(channel)
    sums = ", ".join(f"sum({c}) as {c}" for c in FUNNEL_STEPS + [n for n, _ in FUNNEL_RATES.values()])
    rates = ", ".join(f"sum({n}) / nullif(sum({d}), 0) as {r}" for r, (n, d) in FUNNEL_RATES.items())
    return wh.query(
        f"select {sums}, {rates} from {source} where funnel_date between cast(? as date) and cast(? as date)"
        f" {channel_filter}", (str(pd.Timestamp(start).date()), str(pd.Timestamp(end).date()), *channel_params))


def funnel_weekly(wh: Warehouse, start, end, channel: str | None = None) -> pd.DataFrame:
    """Step rates per week (pooled over the week's days), so the daily noise does not hide the trend."""
    source, channel_filter, channel_params = _funnel_source(channel)
    rates = ", ".join(f"sum({n}) / nullif(sum({d}), 0) as {r}" for r, (n, d) in FUNNEL_RATES.items())
    return wh.query(
        f"select date_trunc('week', funnel_date) as week_start, {rates} from {source}"
        f" where funnel_date between cast(? as date) and cast(? as date) {channel_filter} group by 1 order by 1",
        (str(pd.Timestamp(start).date()), str(pd.Timestamp(end).date()), *channel_params))


def funnel_channels(wh: Warehouse) -> list[str]:
    return list(wh.query("select distinct acquisition_channel from {marts}.fct_funnel_daily_by_channel order by 1")
                ["acquisition_channel"])


def experiment_retention(wh: Warehouse) -> pd.DataFrame:
    return wh.query("select * from {marts}.fct_experiment_retention order by experiment_id, is_control desc, variant")


def first_purchase_experience(wh: Warehouse) -> pd.DataFrame:
    return wh.query("select * from {marts}.fct_first_purchase_experience order by slice_type, slice_value")


# --- the Explore page: choices for the retention insight (macros/insights) -----------------------------------------

def staging_schema(wh: Warehouse) -> str:
    """The staging schema next to the marts schema ('staging', or '<prefix>_staging' with custom_schema_prefix)."""
    prefix = wh.schema[: -len("marts")] if wh.schema.endswith("marts") else ""
    return f"{prefix}staging"


def current_database(wh: Warehouse) -> str:
    """The catalog name of the warehouse file (what dbt's compiled SQL names it)."""
    return str(wh.query("select current_database() as name")["name"].iloc[0])


def event_types(wh: Warehouse) -> pd.DataFrame:
    """Event types of known customers (the insight never counts anonymous events), most frequent first."""
    return wh.query(
        f"select event_type, count(*) as events, count(distinct customer_id) as customers"
        f" from {staging_schema(wh)}.stg_shop__events where customer_id is not null"
        f" group by event_type order by events desc, event_type")


def event_properties(wh: Warehouse, event_type: str, limit: int = 40) -> pd.DataFrame:
    """Top-level JSON property names of one event type, with how many events carry each."""
    return wh.query(
        f"""
        with keys as (
            select unnest(json_keys(properties)) as property
            from {staging_schema(wh)}.stg_shop__events
            where customer_id is not null and event_type = ? and json_valid(properties)
        )
        select property, count(*) as events from keys group by property order by events desc, property limit ?
        """, (event_type, int(limit)))


def property_values(wh: Warehouse, event_type: str, prop: str, limit: int = 50) -> pd.DataFrame:
    """The most frequent values of one property of one event type, read as the insight reads them (the JSON text
    of the value, through json_extract_string)."""
    return wh.query(
        f"""
        select json_extract_string(properties, ?) as value, count(*) as events
        from {staging_schema(wh)}.stg_shop__events
        where customer_id is not null and event_type = ? and json_valid(properties)
        group by value having value is not null order by events desc, value limit ?
        """, ("$." + prop, event_type, int(limit)))


def pooled_insight(rows: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """The insight's cells pooled over cohorts per period number (and breakdown value): sum(retained) /
    sum(cohort size) over complete cells only, the cohort-size-weighted curve."""
    keys = [*(by or []), "period_number"]
    complete = rows[rows["is_complete"]]
    pooled = complete.groupby(keys, as_index=False).agg(
        cohorts=("cohort_start", "nunique"), cohort_customers=("cohort_size", "sum"),
        retained_customers=("retained_customers", "sum"))
    pooled["retention_rate"] = pooled["retained_customers"] / pooled["cohort_customers"].where(
        pooled["cohort_customers"] > 0)
    return pooled


# --- brackets, N-day value and usage interval (marts that may not be built yet: callers check wh.has first) -------

def bracket_range(wh: Warehouse, cohort_basis: str, activity_basis: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    frame = wh.query("select min(cohort_date) as lo, max(cohort_date) as hi from {marts}.fct_retention_brackets"
                     " where cohort_basis = ? and activity_basis = ?", (cohort_basis, activity_basis))
    lo, hi = frame["lo"].iloc[0], frame["hi"].iloc[0]
    return None if pd.isna(lo) else (pd.Timestamp(lo), pd.Timestamp(hi))


def bracket_retention(wh: Warehouse, cohort_basis: str, activity_basis: str, start=None, end=None) -> pd.DataFrame:
    """Retention per bracket pooled over the cohort days start..end: sum(retained) / sum(cohort size) over the
    complete cells only, with how many cohorts (of how many) each bracket pools."""
    range_filter, params = "", [cohort_basis, activity_basis]
    if start is not None:
        range_filter += " and cohort_date >= cast(? as date)"
        params.append(str(pd.Timestamp(start).date()))
    if end is not None:
        range_filter += " and cohort_date <= cast(? as date)"
        params.append(str(pd.Timestamp(end).date()))
    return wh.query(f"""
        select bracket,
               min(bracket_first_day) as bracket_first_day,
               max(bracket_last_day) as bracket_last_day,
               count(*) as cohorts,
               count(*) filter (where is_complete) as complete_cohorts,
               sum(cohort_size) filter (where is_complete) as cohort_customers,
               sum(retained_customers) filter (where is_complete) as retained_customers,
               sum(retained_customers) filter (where is_complete)
                   / nullif(sum(cohort_size) filter (where is_complete), 0) as retention_rate
        from {{marts}}.fct_retention_brackets
        where cohort_basis = ? and activity_basis = ? {range_filter}
        group by bracket
        order by bracket_first_day, bracket
    """, params)


def nday_value_monthly(wh: Warehouse, cohort_basis: str, cohorts: int = 12) -> pd.DataFrame:
    """N-day value of the latest `cohorts` monthly cohorts: one row per cohort month and N, as the mart gives it."""
    return wh.query("""
        with months as (
            select distinct cohort_start from {marts}.fct_nday_value
            where cohort_basis = ? and cohort_grain = 'month' order by cohort_start desc limit ?
        )
        select value.cohort_start, n_days, cohort_size, cumulative_net_revenue, value_per_customer, is_complete
        from {marts}.fct_nday_value as value
        inner join months on months.cohort_start = value.cohort_start
        where cohort_basis = ? and cohort_grain = 'month'
        order by value.cohort_start, n_days
    """, (cohort_basis, int(cohorts), cohort_basis))


def nday_value_pooled(wh: Warehouse, cohort_basis: str) -> pd.DataFrame:
    """Value per customer by N pooled over every monthly cohort whose N days are complete: sum(cumulative net
    revenue) / sum(cohort size)."""
    return wh.query("""
        select n_days, count(*) as cohorts, sum(cohort_size) as cohort_customers,
               sum(cumulative_net_revenue) as cumulative_net_revenue,
               sum(cumulative_net_revenue) / nullif(sum(cohort_size), 0) as value_per_customer
        from {marts}.fct_nday_value
        where cohort_basis = ? and cohort_grain = 'month' and is_complete
        group by n_days order by n_days
    """, (cohort_basis,))


def nday_value_bases(wh: Warehouse) -> list[str]:
    return list(wh.query("select distinct cohort_basis from {marts}.fct_nday_value where cohort_grain = 'month'"
                         " order by 1")["cohort_basis"])


USAGE_COHORT_COLUMNS = ("cohort_month", "cohort_start", "cohort_date", "first_order_month")


def usage_interval_columns(columns: list[str]) -> dict[str, str | None]:
    """Which column of fct_usage_interval holds what: the cohort month, the customers with a repeat order, and the
    median and quartiles (over customers) of each customer's median days between orders. Names are matched
    loosely (median / p50, p25 / q1 / lower, p75 / q3 / upper); a role with no column is None."""
    lowered = {c.lower(): c for c in columns}
    cohort = next((lowered[c] for c in USAGE_COHORT_COLUMNS if c in lowered), None)
    repeat = next((c for lc, c in lowered.items() if "repeat" in lc and "customers" in lc), None)
    low_pattern = re.compile(r"(p25|q1|quartile_1|first_quartile|lower_quartile|lower|_25(_|$))")
    high_pattern = re.compile(r"(p75|q3|quartile_3|third_quartile|upper_quartile|upper|_75(_|$))")
    measures = [c for c in columns if c not in (cohort, repeat)]
    low = next((c for c in measures if low_pattern.search(c.lower())), None)
    high = next((c for c in measures if high_pattern.search(c.lower())), None)
    median = next((c for c in measures if re.search(r"(median|p50)", c.lower())
                   and c not in (low, high) and not low_pattern.search(c.lower())
                   and not high_pattern.search(c.lower())), None)
    return {"cohort": cohort, "customers_with_repeat": repeat, "median": median, "low": low, "high": high}


def usage_interval(wh: Warehouse) -> pd.DataFrame:
    """fct_usage_interval as built (one small row per cohort month), ordered by its cohort column."""
    cohort = usage_interval_columns(wh.columns("fct_usage_interval"))["cohort"]
    order = f'order by "{cohort}"' if cohort else ""
    return wh.query(f"select * from {{marts}}.fct_usage_interval {order}")


def usage_distribution_table(wh: Warehouse) -> tuple[str, dict[str, str]] | None:
    """A companion distribution of fct_usage_interval (a mart named fct_usage_interval_* with a bucket column and a
    customers column), with its columns: bucket, customers and, when present, the bucket's first day to sort by."""
    for table_name in sorted(t for t in wh.tables() if t.startswith("fct_usage_interval_")):
        columns = wh.columns(table_name)
        bucket = next((c for c in columns if "bucket" in c.lower() and not re.search(r"(first|min|lower|order)",
                                                                                     c.lower())), None)
        customers = next((c for c in columns if c.lower().startswith("customers")), None)
        if bucket and customers:
            order = next((c for c in columns if "bucket" in c.lower() and re.search(r"(first|min|lower|order)",
                                                                                     c.lower())), None)
            return table_name, {"bucket": bucket, "customers": customers, **({"order": order} if order else {})}
    return None


def usage_distribution(wh: Warehouse, table_name: str, columns: dict[str, str]) -> pd.DataFrame:
    """Customers per interval bucket, summed over the cohort months (counts only)."""
    bucket, customers = columns["bucket"], columns["customers"]
    order = f'min("{columns["order"]}")' if "order" in columns else f'"{bucket}"'
    return wh.query(f"""
        select "{bucket}" as bucket, sum("{customers}") as customers, {order} as bucket_order
        from {{marts}}.{table_name} group by "{bucket}" order by bucket_order, bucket
    """)
