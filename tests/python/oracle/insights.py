"""Pandas oracle of the issue-24 insight marts: retention brackets, N-day value and usage interval.

Written from the definitions (metrics.md and models/docs/insight_marts.md), not from the SQL. Inputs are the core
marts only, shaped like ``read_core`` returns them:

customers  ``marts.dim_customers``: customer_id, signup_date, first_order_date (null for prospects).
activity   ``marts.fct_customer_activity_daily``: customer_id, activity_date, is_purchase_day.
orders     ``marts.fct_orders``: customer_id, order_date, net_revenue (``decimal.Decimal``).
as_of      the build's as_of_date (``pandas.Timestamp``).

Purchase days for the usage interval come from ``orders`` (distinct order dates), not from ``activity``, so the
two core marts check each other too.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

DEFAULT_BRACKETS = ((1, 1), (2, 3), (4, 7), (8, 14), (15, 30), (31, 60), (61, 90))
DEFAULT_NDAY_DAYS = (1, 7, 30, 90, 180, 365)
# (column suffix, upper bound in days inclusive; None = no bound)
GAP_BUCKETS = (("1_7d", 7), ("8_14d", 14), ("15_30d", 30), ("31_60d", 60), ("61_90d", 90), ("91_180d", 180),
               ("181d_plus", None))


def read_core(query) -> dict:
    """The oracle's inputs from a warehouse ``query(sql) -> DataFrame`` (money read as text, so it stays exact)."""
    customers = query("select customer_id, signup_date, first_order_date from marts.dim_customers")
    activity = query("select customer_id, activity_date, is_purchase_day from marts.fct_customer_activity_daily")
    orders = query("select customer_id, order_date, cast(net_revenue as varchar) as net_revenue from marts.fct_orders")
    as_of = query("select as_of_date from intermediate.int_as_of_date").iloc[0, 0]
    for frame, columns in ((customers, ["signup_date", "first_order_date"]), (activity, ["activity_date"]),
                           (orders, ["order_date"])):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column])
    orders["net_revenue"] = [Decimal(v) for v in orders["net_revenue"]]
    return {"customers": customers, "activity": activity, "orders": orders, "as_of": pd.Timestamp(as_of)}


def cohorts(customers: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """cohort_basis, customer_id, cohort_date: signup day and first valid order day, none after as_of."""
    frames = []
    for basis, column in (("signup", "signup_date"), ("first_order", "first_order_date")):
        frame = customers[["customer_id", column]].dropna().rename(columns={column: "cohort_date"})
        frame.insert(0, "cohort_basis", basis)
        frames.append(frame[frame.cohort_date <= as_of])
    return pd.concat(frames, ignore_index=True)


def _label(first: int, last: int) -> str:
    return f"D{first}" if first == last else f"D{first}-{last}"


def retention_brackets(customers, activity, as_of, brackets=DEFAULT_BRACKETS) -> pd.DataFrame:
    """One row per cohort basis, activity basis, cohort day and started bracket (first day on or before as_of)."""
    cohort = cohorts(customers, as_of)
    sizes = cohort.groupby(["cohort_basis", "cohort_date"]).size().rename("cohort_size").reset_index()
    sizes["days_observed"] = (as_of - sizes.cohort_date).dt.days
    days = activity[activity.activity_date <= as_of]
    rows = []
    for activity_basis, active in (("any_activity", days), ("purchase", days[days.is_purchase_day.astype(bool)])):
        joined = cohort.merge(active[["customer_id", "activity_date"]], on="customer_id")
        joined["day"] = (joined.activity_date - joined.cohort_date).dt.days
        for number, (first, last) in enumerate(brackets, start=1):
            inside = joined[(joined.day >= first) & (joined.day <= last)]
            retained = (inside.groupby(["cohort_basis", "cohort_date"]).customer_id.nunique()
                        .rename("retained_customers"))
            cells = sizes[sizes.days_observed >= first].merge(
                retained, left_on=["cohort_basis", "cohort_date"], right_index=True, how="left")
            cells["retained_customers"] = cells.retained_customers.fillna(0).astype("int64")
            cells["activity_basis"] = activity_basis
            cells["bracket"] = _label(first, last)
            cells["bracket_number"] = number
            cells["bracket_first_day"] = first
            cells["bracket_last_day"] = last
            cells["is_complete"] = cells.days_observed >= last
            rows.append(cells)
    out = pd.concat(rows, ignore_index=True)
    out["retention_rate"] = np.where(out.is_complete, out.retained_customers / out.cohort_size, np.nan)
    return out.drop(columns="days_observed")


def nday_value(customers, orders, as_of, days=DEFAULT_NDAY_DAYS) -> pd.DataFrame:
    """One row per cohort basis, cohort grain (day, month), cohort start and N: the revenue of orders on days
    0..N after each customer's own cohort day; money null until the cohort's last day + N <= as_of."""
    cohort = cohorts(customers, as_of)
    cohort["cohort_month"] = cohort.cohort_date.dt.to_period("M").dt.to_timestamp()
    joined = cohort.merge(orders[orders.order_date <= as_of][["customer_id", "order_date", "net_revenue"]],
                          on="customer_id")
    joined["day"] = (joined.order_date - joined.cohort_date).dt.days
    joined = joined[joined.day >= 0]
    rows = []
    for grain, key in (("day", "cohort_date"), ("month", "cohort_month")):
        sizes = cohort.groupby(["cohort_basis", key]).size().rename("cohort_size")
        for n in days:
            revenue = joined[joined.day <= n].groupby(["cohort_basis", key]).net_revenue.agg(
                lambda values: sum(values, Decimal(0)))
            cells = sizes.to_frame().join(revenue.rename("revenue")).reset_index()
            cells = cells.rename(columns={key: "cohort_start"})
            cells["revenue"] = [Decimal(0) if pd.isna(v) else v for v in cells.revenue]
            cells["cohort_end"] = (cells.cohort_start if grain == "day"
                                   else cells.cohort_start + pd.offsets.MonthEnd(0))
            cells["cohort_grain"] = grain
            cells["n_days"] = n
            cells["is_complete"] = cells.cohort_end + pd.to_timedelta(n, unit="D") <= as_of
            cells["cumulative_net_revenue"] = [r if c else None for r, c in zip(cells.revenue, cells.is_complete)]
            cells["value_per_customer"] = [r / s if c else None
                                           for r, s, c in zip(cells.revenue, cells.cohort_size, cells.is_complete)]
            rows.append(cells.drop(columns="revenue"))
    return pd.concat(rows, ignore_index=True)


def usage_interval(customers, orders, as_of) -> pd.DataFrame:
    """One row per first-order month: customers with 2+ purchase days, quartiles (linear interpolation) of their
    median gap between purchase days, and customers per gap bucket (by inclusive upper bound)."""
    buyers = customers.dropna(subset=["first_order_date"])
    buyers = buyers[buyers.first_order_date <= as_of].copy()
    buyers["cohort_month"] = buyers.first_order_date.dt.to_period("M").dt.to_timestamp()
    purchase_days = orders[orders.order_date <= as_of][["customer_id", "order_date"]].drop_duplicates()
    purchase_days = purchase_days.sort_values(["customer_id", "order_date"])
    purchase_days["gap"] = purchase_days.groupby("customer_id").order_date.diff().dt.days
    medians = purchase_days.dropna(subset=["gap"]).groupby("customer_id").gap.median().rename("median_gap")
    customer = buyers[["customer_id", "cohort_month"]].merge(medians, left_on="customer_id", right_index=True,
                                                             how="left")
    rows = []
    for month, group in customer.groupby("cohort_month"):
        gaps = group.median_gap.dropna().to_numpy()
        row = {"cohort_month": month, "cohort_size": len(group), "customers_with_repeat": len(gaps),
               "customers_without_repeat": len(group) - len(gaps)}
        quartiles = np.percentile(gaps, [25, 50, 75]) if len(gaps) else [np.nan] * 3
        row.update(p25_median_gap_days=quartiles[0], p50_median_gap_days=quartiles[1],
                   p75_median_gap_days=quartiles[2])
        lower = 0
        for name, upper in GAP_BUCKETS:
            inside = (gaps > lower) & (gaps <= upper) if upper is not None else gaps > lower
            row[f"customers_gap_{name}"] = int(inside.sum())
            lower = upper
        rows.append(row)
    return pd.DataFrame(rows)


def read_mart(query, name: str, decimal_columns=()) -> pd.DataFrame:
    """marts.<name>, decimal columns read as text and converted to Decimal so that money stays exact."""
    columns = query("select column_name from information_schema.columns "
                    f"where table_schema = 'marts' and table_name = '{name}' order by ordinal_position").column_name
    select = ", ".join(f"cast({c} as varchar) as {c}" if c in decimal_columns else c for c in columns)
    frame = query(f"select {select} from marts.{name}")
    for column in decimal_columns:
        frame[column] = [None if v is None or pd.isna(v) else Decimal(v) for v in frame[column]]
    for column in frame.columns:
        if column.endswith("_date") or column in ("cohort_start", "cohort_end", "cohort_month"):
            frame[column] = pd.to_datetime(frame[column])
    return frame


def assert_matches(actual: pd.DataFrame, expected: pd.DataFrame, keys, exact=(), rates=(), money=(),
                   rate_tolerance=1e-12, money_tolerance=Decimal("1e-9")):
    """Same rows on the grain `keys`; `exact` columns equal, `rates` within a tolerance (both null together),
    `money` Decimals within a tolerance (both null together)."""
    keys = list(keys)
    assert not actual.duplicated(keys).any(), "the mart has duplicate keys"
    merged = actual.merge(expected, on=keys, how="outer", suffixes=("", "_expected"), indicator=True)
    unmatched = merged[merged._merge != "both"]
    assert unmatched.empty, f"{len(unmatched)} rows only on one side:\n{unmatched[keys + ['_merge']].head(10)}"
    for column in exact:
        bad = merged[merged[column].astype("int64") != merged[f"{column}_expected"].astype("int64")]
        assert bad.empty, f"{column} differs:\n{bad[keys + [column, column + '_expected']].head(10)}"
    for column in rates:
        got = merged[column].astype(float).to_numpy()
        want = merged[f"{column}_expected"].astype(float).to_numpy()
        same_null = np.isnan(got) == np.isnan(want)
        close = np.isnan(want) | (np.abs(np.nan_to_num(got) - np.nan_to_num(want)) <= rate_tolerance)
        bad = merged[~(same_null & close)]
        assert bad.empty, f"{column} differs:\n{bad[keys + [column, column + '_expected']].head(10)}"
    for column in money:
        bad = [i for i, (got, want) in enumerate(zip(merged[column], merged[f"{column}_expected"]))
               if _is_null(got) != _is_null(want) or (not _is_null(want) and abs(got - want) > money_tolerance)]
        assert not bad, f"{column} differs:\n{merged.iloc[bad][keys + [column, column + '_expected']].head(10)}"


def _is_null(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
