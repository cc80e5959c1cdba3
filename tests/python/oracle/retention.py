"""Pandas oracle of the retention metrics (metrics.md: Time, Activity, Cohort retention, Repeat purchase
and lifetime value, Period lifecycle, Stickiness distribution).

Written from the metric contract only, independently of the SQL marts. Every function is pure: it takes
DataFrames shaped like the core marts plus the build parameters and returns one DataFrame per mart.

Inputs
------
customers  ``marts.dim_customers``: customer_id, signup_date, first_order_date (null for prospects),
           country_code, acquisition_channel.
activity   ``marts.fct_customer_activity_daily``: customer_id, activity_date, is_purchase_day; one row per
           customer and active day (the signup day is always an active day).
orders     ``marts.fct_orders``: customer_id, order_date, net_revenue (Decimal, str, int or float; summed as
           exact decimals).
as_of      the build's ``as_of_date`` (date, ``datetime``, ``Timestamp`` or ISO string).
week_start ``'monday'`` or ``'sunday'``.

Dates may be given as ``datetime.date`` objects, strings or datetime64 values. Every date in the outputs is a
``datetime64[ns]`` value at midnight. Counts are ``int64`` (``Int64`` where the contract makes them null),
rates are ``float64`` with NaN for null, money is ``decimal.Decimal``.

Internally a date is an integer day number (days since 1970-01-01) and a period is an integer period index
per grain: the day number (day), the number of the week since the week containing 1970-01-01 (week), or the
number of months since 1970-01 (month). A period number is then a difference of two period indexes, which is
exactly "whole periods between the two period starts" of the contract.

Choices where the contract leaves room:
* Data after ``as_of`` is ignored everywhere: activity and orders after it are dropped, and a customer whose
  cohort date (signup or first order) is after ``as_of`` is in no cohort.
* Customers in ``activity`` but absent from ``customers`` have no signup date: they are in no cohort and
  never ``new`` in the period lifecycle (dim_customers should contain every customer, inferred ones included).
* A null segment value (country or channel) is its own segment with ``segment_value`` null.
* An order dated before its customer's first_order_date month (impossible if first_order_date is the first
  valid order) counts in month offset 0; orders of customers not in ``customers`` are in no LTV cohort.
* Repeat purchase cohorts take the first purchase day from ``activity.is_purchase_day`` (as the brief says),
  not from dim_customers.first_order_date; the two agree on a consistent build.
* Headline counts are null exactly where their rates are (cohort_date + N > as_of); cohort rows are emitted
  only for cohort days with at least one customer (not dense).
* Unbounded retained(n) = cohort customers whose last counted active period is >= n (the period in progress
  included), so it is 0 after a cohort's last activity and equals retained(n) in the period of as_of.
* Stickiness and lifecycle periods are those containing activity up to as_of; a dormant period is only
  emitted when it has started by as_of (its start <= as_of), so nothing after as_of's period appears.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd

WEEK_STARTS = ("monday", "sunday")
GRAINS = ("day", "week", "month")
COHORT_BASES = ("signup", "first_order")
ACTIVITY_BASES = ("any_activity", "purchase")
SEGMENT_TYPES = {"acquisition_channel": "acquisition_channel", "country": "country_code"}
LIFECYCLE_STATUSES = ("new", "returning", "resurrecting", "dormant")
HEADLINE_DAYS = (1, 7, 30)
HEADLINE_WINDOWS = (7, 30)
REPEAT_WINDOWS = (30, 60, 90)

COHORT_RETENTION_COLUMNS = [
    "cohort_basis", "activity_basis", "period_grain", "cohort_start", "period_number", "period_start",
    "cohort_size", "retained_customers", "retention_rate", "unbounded_retained_customers",
    "unbounded_retention_rate", "is_complete",
]
_NULL_SEGMENT = "\x00<null segment>"


# --------------------------------------------------------------------------------------------------------------
# dates and periods
# --------------------------------------------------------------------------------------------------------------
def _day_number(value) -> int:
    """One date (date, datetime, Timestamp, numpy datetime64 or ISO string) as days since 1970-01-01."""
    ts = pd.Timestamp(value)
    return int((ts.normalize() - pd.Timestamp("1970-01-01")).days)


def _day_numbers(values) -> np.ndarray:
    """A column of dates (no nulls) as int64 days since 1970-01-01."""
    series = pd.Series(values)
    if series.isna().any():
        raise ValueError("null date where a date is required")
    stamps = pd.to_datetime(series)
    if getattr(stamps.dt, "tz", None) is not None:
        raise ValueError("dates must be naive (already in the reporting time zone)")
    return stamps.to_numpy().astype("datetime64[D]").astype(np.int64)


def _dates(day_numbers) -> pd.Series:
    """int day numbers -> datetime64[ns] values."""
    return pd.Series(np.asarray(day_numbers, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]"))


def _week_offset(week_start: str) -> int:
    # 1970-01-01 (day 0) is a Thursday: day 4 is Monday 1970-01-05 and day 3 is Sunday 1970-01-04, so
    # (day + 3) // 7 steps on Mondays and (day + 4) // 7 steps on Sundays.
    if week_start not in WEEK_STARTS:
        raise ValueError(f"week_start must be one of {WEEK_STARTS}, not {week_start!r}")
    return 3 if week_start == "monday" else 4


def period_index(days, grain: str, week_start: str = "monday"):
    """Period index of day numbers (int or array) under a grain."""
    days = np.asarray(days, dtype=np.int64)
    if grain == "day":
        return days
    if grain == "week":
        return (days + _week_offset(week_start)) // 7
    if grain == "month":
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    raise ValueError(f"unknown grain {grain!r}")


def period_start_day(index, grain: str, week_start: str = "monday"):
    """First day number of period indexes (int or array)."""
    index = np.asarray(index, dtype=np.int64)
    if grain == "day":
        return index
    if grain == "week":
        return index * 7 - _week_offset(week_start)
    if grain == "month":
        return index.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    raise ValueError(f"unknown grain {grain!r}")


def period_end_day(index, grain: str, week_start: str = "monday"):
    """Last day number of period indexes: the day before the next period starts."""
    return period_start_day(np.asarray(index, dtype=np.int64) + 1, grain, week_start) - 1


def _ranges(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated aranges [start, stop] (stop inclusive); returns (row of origin, value)."""
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.maximum(np.asarray(stops, dtype=np.int64) - starts + 1, 0)
    origin = np.repeat(np.arange(len(starts)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return origin, starts[origin] + offsets


def _rate(numerator, denominator) -> np.ndarray:
    """numerator / denominator as float, NaN where the denominator is 0 or either side is null."""
    num = pd.to_numeric(pd.Series(numerator), errors="coerce").astype("float64").to_numpy()
    den = pd.to_numeric(pd.Series(denominator), errors="coerce").astype("float64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[~(den > 0)] = np.nan
    return out


# --------------------------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------------------------
def _activity_days(activity: pd.DataFrame, as_of_day: int) -> pd.DataFrame:
    """customer_id, day, purchase: one row per customer and active day on or before as_of."""
    frame = pd.DataFrame({
        "customer_id": activity["customer_id"].to_numpy(),
        "day": _day_numbers(activity["activity_date"]),
        "purchase": activity["is_purchase_day"].fillna(False).astype(bool).to_numpy()
        if "is_purchase_day" in activity else False,
    })
    if frame["customer_id"].isna().any():
        raise ValueError("activity with a null customer_id")
    frame = frame[frame["day"] <= as_of_day]
    frame = frame.groupby(["customer_id", "day"], as_index=False, sort=True)["purchase"].any()
    return frame.reset_index(drop=True)


def _cohort_members(customers: pd.DataFrame, basis: str, as_of_day: int,
                    extra_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """customer_id, cohort_day (+ extra columns) of the customers in a cohort of the basis."""
    column = {"signup": "signup_date", "first_order": "first_order_date"}[basis]
    frame = customers[["customer_id", column, *extra_columns]]
    frame = frame[frame[column].notna()]
    out = pd.DataFrame({"customer_id": frame["customer_id"].to_numpy(),
                        "cohort_day": _day_numbers(frame[column])})
    for extra in extra_columns:
        out[extra] = frame[extra].to_numpy()
    out = out[out["cohort_day"] <= as_of_day]
    if out["customer_id"].duplicated().any():
        raise ValueError("customers has duplicate customer_id")
    return out.reset_index(drop=True)


def _decimal(value) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return Decimal(0) if value.is_nan() else value
    if isinstance(value, (int, np.integer)):
        return Decimal(int(value))
    if isinstance(value, (float, np.floating)):
        return Decimal(0) if math.isnan(value) else Decimal(repr(float(value)))
    if value is pd.NA or value is pd.NaT:
        return Decimal(0)
    return Decimal(str(value))


# --------------------------------------------------------------------------------------------------------------
# 1 / 2  cohort retention matrix
# --------------------------------------------------------------------------------------------------------------
def _cohort_matrix(members: pd.DataFrame, counted: pd.DataFrame, as_of_day: int, grain: str, week_start: str,
                   keys: list[str]) -> pd.DataFrame:
    """Dense cohort x period-number matrix.

    members: customer_id, cohort_day, *keys (one row per cohort member);
    counted: customer_id, day (active days that count for the activity basis, on or before as_of).
    """
    members = members.copy()
    members["cohort_idx"] = period_index(members["cohort_day"].to_numpy(), grain, week_start)
    group = keys + ["cohort_idx"]
    as_of_idx = int(period_index(as_of_day, grain, week_start))

    sizes = members.groupby(group, sort=True, dropna=False).size().rename("cohort_size").reset_index()

    act = counted.merge(members, on="customer_id", how="inner")
    # activity before the cohort date never counts in that cohort
    act = act[act["day"] >= act["cohort_day"]]
    act = act.assign(n=period_index(act["day"].to_numpy(), grain, week_start) - act["cohort_idx"].to_numpy())
    act = act.drop_duplicates(["customer_id", *group, "n"])
    retained = act.groupby(group + ["n"], dropna=False).size().rename("retained_customers").reset_index()
    last = act.groupby(["customer_id", *group], dropna=False)["n"].max().reset_index()
    last_hist = last.groupby(group + ["n"], dropna=False).size().rename("last_period_customers").reset_index()

    # dense grid: every period number from 0 to the period containing as_of
    origin, n = _ranges(np.zeros(len(sizes), dtype=np.int64), as_of_idx - sizes["cohort_idx"].to_numpy())
    grid = sizes.iloc[origin].reset_index(drop=True)
    grid["n"] = n
    grid = grid.merge(retained, on=group + ["n"], how="left").merge(last_hist, on=group + ["n"], how="left")
    grid[["retained_customers", "last_period_customers"]] = (
        grid[["retained_customers", "last_period_customers"]].fillna(0).astype(np.int64))
    if len(grid) and (grid["last_period_customers"].sum() != len(last)):
        raise AssertionError("activity outside the dense grid")  # cannot happen: activity is <= as_of
    # unbounded retained(n) = customers whose last counted period is >= n: reverse running sum per cohort
    grid = grid.sort_values(group + ["n"], ascending=[True] * len(group) + [False], kind="stable")
    grid["unbounded_retained_customers"] = grid.groupby(group, sort=False, dropna=False)[
        "last_period_customers"].cumsum().astype(np.int64)
    grid = grid.sort_values(group + ["n"], kind="stable").reset_index(drop=True)

    idx = grid["cohort_idx"].to_numpy() + grid["n"].to_numpy()
    out = grid[keys].copy()
    out["period_grain"] = grain
    out["cohort_start"] = _dates(period_start_day(grid["cohort_idx"].to_numpy(), grain, week_start)).to_numpy()
    out["period_number"] = grid["n"].astype(np.int64).to_numpy()
    out["period_start"] = _dates(period_start_day(idx, grain, week_start)).to_numpy()
    out["cohort_size"] = grid["cohort_size"].astype(np.int64).to_numpy()
    out["retained_customers"] = grid["retained_customers"].to_numpy()
    out["retention_rate"] = _rate(grid["retained_customers"], grid["cohort_size"])
    out["unbounded_retained_customers"] = grid["unbounded_retained_customers"].to_numpy()
    out["unbounded_retention_rate"] = _rate(grid["unbounded_retained_customers"], grid["cohort_size"])
    out["is_complete"] = period_end_day(idx, grain, week_start) <= as_of_day
    return out


def _retention(customers, activity, as_of, week_start, grains, segment_types) -> pd.DataFrame:
    as_of_day = _day_number(as_of)
    _week_offset(week_start)
    days = _activity_days(activity, as_of_day)
    frames = []
    for basis in COHORT_BASES:
        extra = tuple(SEGMENT_TYPES[s] for s in segment_types)
        members_all = _cohort_members(customers, basis, as_of_day, extra)
        for activity_basis in ACTIVITY_BASES:
            counted = days if activity_basis == "any_activity" else days[days["purchase"]]
            counted = counted[["customer_id", "day"]]
            for grain in grains:
                if not segment_types:
                    part = _cohort_matrix(members_all[["customer_id", "cohort_day"]], counted, as_of_day,
                                          grain, week_start, [])
                    part.insert(0, "activity_basis", activity_basis)
                    part.insert(0, "cohort_basis", basis)
                    frames.append(part)
                    continue
                for segment_type in segment_types:
                    members = members_all[["customer_id", "cohort_day", SEGMENT_TYPES[segment_type]]].rename(
                        columns={SEGMENT_TYPES[segment_type]: "segment_value"})
                    members["segment_value"] = members["segment_value"].astype(object).where(
                        members["segment_value"].notna(), _NULL_SEGMENT)
                    part = _cohort_matrix(members, counted, as_of_day, grain, week_start, ["segment_value"])
                    part["segment_value"] = part["segment_value"].astype(object).where(
                        part["segment_value"] != _NULL_SEGMENT, None)
                    part.insert(0, "activity_basis", activity_basis)
                    part.insert(0, "cohort_basis", basis)
                    part.insert(0, "segment_type", segment_type)
                    frames.append(part)
    columns = (["segment_type", "segment_value"] if segment_types else []) + COHORT_RETENTION_COLUMNS
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def cohort_retention(customers: pd.DataFrame, activity: pd.DataFrame, as_of, week_start: str = "monday"
                     ) -> pd.DataFrame:
    """fct_cohort_retention: cohort basis x activity basis x grain (day/week/month) x cohort x period number."""
    return _retention(customers, activity, as_of, week_start, GRAINS, ())


def cohort_retention_by_segment(customers: pd.DataFrame, activity: pd.DataFrame, as_of,
                                week_start: str = "monday") -> pd.DataFrame:
    """fct_cohort_retention_by_segment: the week and month matrices per acquisition channel and per country."""
    return _retention(customers, activity, as_of, week_start, ("week", "month"),
                      ("acquisition_channel", "country"))


# --------------------------------------------------------------------------------------------------------------
# 3  headline retention (day grain, any activity)
# --------------------------------------------------------------------------------------------------------------
def retention_headline(customers: pd.DataFrame, activity: pd.DataFrame, as_of) -> pd.DataFrame:
    """fct_retention_headline: per cohort basis and cohort day, exact-day and window retention."""
    as_of_day = _day_number(as_of)
    days = _activity_days(activity, as_of_day)[["customer_id", "day"]]
    frames = []
    for basis in COHORT_BASES:
        members = _cohort_members(customers, basis, as_of_day)
        act = days.merge(members, on="customer_id", how="inner")
        offset = (act["day"] - act["cohort_day"]).to_numpy()
        flags = pd.DataFrame({"customer_id": act["customer_id"].to_numpy()})
        for n in HEADLINE_DAYS:
            flags[f"d{n}"] = offset == n
        for n in HEADLINE_WINDOWS:
            flags[f"w{n}"] = (offset >= 1) & (offset <= n)
        per_customer = flags.groupby("customer_id").any()
        members = members.merge(per_customer, left_on="customer_id", right_index=True, how="left")
        flag_columns = [f"d{n}" for n in HEADLINE_DAYS] + [f"w{n}" for n in HEADLINE_WINDOWS]
        members[flag_columns] = members[flag_columns].fillna(False).astype(np.int64)
        agg = members.groupby("cohort_day", sort=True).agg(
            cohort_size=("customer_id", "size"), **{c: (c, "sum") for c in flag_columns}).reset_index()
        out = pd.DataFrame({"cohort_basis": basis, "cohort_date": _dates(agg["cohort_day"]).to_numpy(),
                            "cohort_size": agg["cohort_size"].astype(np.int64).to_numpy()})
        cohort_day = agg["cohort_day"].to_numpy()
        for prefix, label, values in (
            [("d", f"d{n}", n) for n in HEADLINE_DAYS] + [("w", f"within_{n}d", n) for n in HEADLINE_WINDOWS]
        ):
            complete = cohort_day + values <= as_of_day
            counts = pd.array(agg[f"{prefix}{values}"].to_numpy(), dtype="Int64")
            counts[~complete] = pd.NA
            out[f"{label}_retained_customers"] = counts
        for prefix, label, values in (
            [("d", f"d{n}", n) for n in HEADLINE_DAYS] + [("w", f"within_{n}d", n) for n in HEADLINE_WINDOWS]
        ):
            out[f"{label}_retention"] = _rate(out[f"{label}_retained_customers"], out["cohort_size"])
        frames.append(out)
    columns = ["cohort_basis", "cohort_date", "cohort_size",
               "d1_retained_customers", "d7_retained_customers", "d30_retained_customers",
               "within_7d_retained_customers", "within_30d_retained_customers",
               "d1_retention", "d7_retention", "d30_retention", "within_7d_retention", "within_30d_retention"]
    return pd.concat(frames, ignore_index=True)[columns]


# --------------------------------------------------------------------------------------------------------------
# 4 / 5  active customers
# --------------------------------------------------------------------------------------------------------------
def _window_counts(days: pd.DataFrame, first_day: int, as_of_day: int, window: int) -> np.ndarray:
    """Distinct customers active in d-window+1 .. d for every d in first_day .. as_of_day.

    An active day a of a customer with next active day b covers the days a .. min(a+window, b)-1; these
    intervals are disjoint per customer, so a difference array counts every customer once per day.
    """
    day = days["day"].to_numpy()
    next_day = days.groupby("customer_id", sort=False)["day"].shift(-1, fill_value=as_of_day + 1).to_numpy()
    end = np.minimum(np.minimum(day + window, next_day.astype(np.int64)), as_of_day + 1)
    size = as_of_day - first_day + 2
    diff = np.zeros(size, dtype=np.int64)
    np.add.at(diff, day - first_day, 1)
    np.add.at(diff, end - first_day, -1)
    return np.cumsum(diff)[:-1]


def active_customers_daily(activity: pd.DataFrame, as_of) -> pd.DataFrame:
    """fct_active_customers_daily: DAU, WAU (7 days), MAU (30 days) and stickiness for every day."""
    as_of_day = _day_number(as_of)
    days = _activity_days(activity, as_of_day)[["customer_id", "day"]]
    columns = ["activity_date", "dau", "wau", "mau", "stickiness"]
    if days.empty:
        return pd.DataFrame(columns=columns)
    days = days.sort_values(["customer_id", "day"], kind="stable").reset_index(drop=True)
    first_day = int(days["day"].min())
    all_days = np.arange(first_day, as_of_day + 1)
    dau = np.bincount(days["day"].to_numpy() - first_day, minlength=len(all_days)).astype(np.int64)
    wau = _window_counts(days, first_day, as_of_day, 7)
    mau = _window_counts(days, first_day, as_of_day, 30)
    out = pd.DataFrame({"activity_date": _dates(all_days).to_numpy(), "dau": dau, "wau": wau, "mau": mau})
    out["stickiness"] = _rate(out["dau"], out["mau"])
    return out[columns]


def active_customers_monthly(activity: pd.DataFrame, as_of) -> pd.DataFrame:
    """fct_active_customers_monthly: distinct active customers per calendar month."""
    as_of_day = _day_number(as_of)
    days = _activity_days(activity, as_of_day)
    columns = ["month_start", "active_customers", "is_complete"]
    if days.empty:
        return pd.DataFrame(columns=columns)
    month = period_index(days["day"].to_numpy(), "month")
    active = pd.DataFrame({"customer_id": days["customer_id"].to_numpy(), "month": month}).drop_duplicates()
    counts = active.groupby("month").size()
    months = np.arange(int(month.min()), int(period_index(as_of_day, "month")) + 1)
    out = pd.DataFrame({
        "month_start": _dates(period_start_day(months, "month")).to_numpy(),
        "active_customers": counts.reindex(months, fill_value=0).astype(np.int64).to_numpy(),
        "is_complete": period_end_day(months, "month") <= as_of_day,
    })
    return out[columns]


# --------------------------------------------------------------------------------------------------------------
# 6 / 7  repeat purchase and cohort LTV
# --------------------------------------------------------------------------------------------------------------
def repeat_purchase_cohorts(activity: pd.DataFrame, as_of) -> pd.DataFrame:
    """fct_repeat_purchase_cohorts: per month of the first purchase day, repeat purchase within 30/60/90 days."""
    as_of_day = _day_number(as_of)
    days = _activity_days(activity, as_of_day)
    purchase = days[days["purchase"]][["customer_id", "day"]]
    first = purchase.groupby("customer_id")["day"].min().rename("first_day").reset_index()
    joined = purchase.merge(first, on="customer_id")
    offset = (joined["day"] - joined["first_day"]).to_numpy()
    flags = pd.DataFrame({"customer_id": joined["customer_id"].to_numpy()})
    for n in REPEAT_WINDOWS:
        flags[f"r{n}"] = (offset >= 1) & (offset <= n)
    first = first.merge(flags.groupby("customer_id").any(), left_on="customer_id", right_index=True)
    first["cohort_month"] = period_index(first["first_day"].to_numpy(), "month")
    columns = ["cohort_month", "cohort_size"]
    for n in REPEAT_WINDOWS:
        eligible = first["first_day"].to_numpy() + n <= as_of_day
        first[f"eligible_customers_{n}d"] = eligible.astype(np.int64)
        first[f"repeat_customers_{n}d"] = (eligible & first[f"r{n}"].to_numpy()).astype(np.int64)
        columns += [f"eligible_customers_{n}d", f"repeat_customers_{n}d", f"repeat_rate_{n}d"]
    sums = [f"{kind}_customers_{n}d" for n in REPEAT_WINDOWS for kind in ("eligible", "repeat")]
    agg = first.groupby("cohort_month", sort=True).agg(
        cohort_size=("customer_id", "size"), **{c: (c, "sum") for c in sums}).reset_index()
    for n in REPEAT_WINDOWS:
        agg[f"repeat_rate_{n}d"] = _rate(agg[f"repeat_customers_{n}d"], agg[f"eligible_customers_{n}d"])
    agg["cohort_month"] = _dates(period_start_day(agg["cohort_month"].to_numpy(), "month")).to_numpy()
    for c in ["cohort_size", *sums]:
        agg[c] = agg[c].astype(np.int64)
    return agg[columns]


def cohort_ltv(customers: pd.DataFrame, orders: pd.DataFrame, as_of) -> pd.DataFrame:
    """fct_cohort_ltv: cumulative net revenue per first-order month cohort through month offset k."""
    as_of_day = _day_number(as_of)
    as_of_month = int(period_index(as_of_day, "month"))
    members = _cohort_members(customers, "first_order", as_of_day)
    members["cohort_month"] = period_index(members["cohort_day"].to_numpy(), "month")
    columns = ["cohort_month", "month_offset", "cohort_size", "cumulative_net_revenue",
               "avg_cumulative_net_revenue", "is_complete"]
    sizes = members.groupby("cohort_month", sort=True).size()

    frame = pd.DataFrame({"customer_id": orders["customer_id"].to_numpy(),
                          "day": _day_numbers(orders["order_date"]),
                          "net_revenue": [_decimal(v) for v in orders["net_revenue"].to_numpy()]})
    frame = frame[frame["day"] <= as_of_day].merge(members[["customer_id", "cohort_month"]], on="customer_id")
    frame["k"] = np.maximum(period_index(frame["day"].to_numpy(), "month") - frame["cohort_month"].to_numpy(), 0)
    revenue = {key: value for key, value in
               frame.groupby(["cohort_month", "k"])["net_revenue"].sum().items()}

    rows = []
    with localcontext() as ctx:
        ctx.prec = 80
        for cohort_month, size in sizes.items():
            running = Decimal(0)
            for k in range(0, as_of_month - int(cohort_month) + 1):
                running = running + revenue.get((cohort_month, k), Decimal(0))
                rows.append((int(cohort_month), k, int(size), running, running / Decimal(int(size))))
    out = pd.DataFrame(rows, columns=["cohort_idx", "month_offset", "cohort_size", "cumulative_net_revenue",
                                      "avg_cumulative_net_revenue"])
    if out.empty:
        return pd.DataFrame(columns=columns)
    idx = out["cohort_idx"].to_numpy() + out["month_offset"].to_numpy()
    out["cohort_month"] = _dates(period_start_day(out["cohort_idx"].to_numpy(), "month")).to_numpy()
    out["month_offset"] = out["month_offset"].astype(np.int64)
    out["cohort_size"] = out["cohort_size"].astype(np.int64)
    out["is_complete"] = period_end_day(idx, "month") <= as_of_day
    return out[columns]


# --------------------------------------------------------------------------------------------------------------
# 8  period lifecycle
# --------------------------------------------------------------------------------------------------------------
def period_lifecycle(customers: pd.DataFrame, activity: pd.DataFrame, as_of, week_start: str = "monday"
                     ) -> pd.DataFrame:
    """fct_period_lifecycle: new / returning / resurrecting / dormant customers per day, week and month."""
    as_of_day = _day_number(as_of)
    _week_offset(week_start)
    days = _activity_days(activity, as_of_day)
    signup = customers[customers["signup_date"].notna()][["customer_id", "signup_date"]]
    signup = pd.DataFrame({"customer_id": signup["customer_id"].to_numpy(),
                           "signup_day": _day_numbers(signup["signup_date"])})
    columns = ["period_grain", "period_start", "status", "customers"]
    frames = []
    for grain in GRAINS:
        if days.empty:
            continue
        active = pd.DataFrame({"customer_id": days["customer_id"].to_numpy(),
                               "idx": period_index(days["day"].to_numpy(), grain, week_start)})
        active = active.drop_duplicates().sort_values(["customer_id", "idx"], kind="stable").reset_index(drop=True)
        active = active.merge(signup, on="customer_id", how="left")
        signup_idx = np.where(active["signup_day"].isna(), np.iinfo(np.int64).min,
                              period_index(active["signup_day"].fillna(0).astype(np.int64).to_numpy(),
                                           grain, week_start))
        by_customer = active.groupby("customer_id", sort=False)["idx"]
        idx = active["idx"].to_numpy()
        prev_idx = by_customer.shift(1).to_numpy()
        next_idx = by_customer.shift(-1).to_numpy()
        first_idx = by_customer.transform("min").to_numpy()
        returning = prev_idx == idx - 1  # NaN compares False
        new = (idx == first_idx) & (idx == signup_idx) & ~returning
        status = np.where(returning, "returning", np.where(new, "new", "resurrecting"))
        counts = pd.DataFrame({"idx": idx, "status": status}).groupby(["idx", "status"]).size()

        # dormant: once, in the first inactive period after a run of active periods, if it has started
        gap_after = ~(next_idx == idx + 1)
        dormant_idx = idx[gap_after] + 1
        dormant_idx = dormant_idx[period_start_day(dormant_idx, grain, week_start) <= as_of_day]
        dormant = pd.Series(dormant_idx).value_counts()
        dormant.index = pd.MultiIndex.from_arrays([dormant.index.to_numpy(),
                                                   np.full(len(dormant), "dormant", dtype=object)])
        counts = pd.concat([counts, dormant])

        periods = np.arange(int(idx.min()), int(period_index(as_of_day, grain, week_start)) + 1)
        grid = pd.MultiIndex.from_product([periods, list(LIFECYCLE_STATUSES)], names=["idx", "status"])
        values = counts.groupby(level=[0, 1]).sum().reindex(grid, fill_value=0)
        part = pd.DataFrame({
            "period_grain": grain,
            "period_start": _dates(period_start_day(grid.get_level_values(0).to_numpy(), grain, week_start)
                                   ).to_numpy(),
            "status": grid.get_level_values(1).to_numpy(),
            "customers": values.astype(np.int64).to_numpy(),
        })
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


# --------------------------------------------------------------------------------------------------------------
# 9  stickiness distribution
# --------------------------------------------------------------------------------------------------------------
def stickiness(activity: pd.DataFrame, as_of, week_start: str = "monday") -> pd.DataFrame:
    """fct_stickiness: per week and month, customers active on exactly k days and on k days or more."""
    as_of_day = _day_number(as_of)
    _week_offset(week_start)
    days = _activity_days(activity, as_of_day)
    columns = ["period_grain", "period_start", "active_days", "customers", "customers_at_least", "is_complete"]
    frames = []
    for grain in ("week", "month"):
        if days.empty:
            continue
        per_customer = pd.DataFrame({"customer_id": days["customer_id"].to_numpy(),
                                     "idx": period_index(days["day"].to_numpy(), grain, week_start)}
                                    ).groupby(["idx", "customer_id"]).size().rename("k").reset_index()
        exact = per_customer.groupby(["idx", "k"]).size().rename("customers").reset_index()
        max_k = exact.groupby("idx", sort=True)["k"].max()
        origin, k = _ranges(np.ones(len(max_k), dtype=np.int64), max_k.to_numpy())
        grid = pd.DataFrame({"idx": max_k.index.to_numpy()[origin], "k": k})
        grid = grid.merge(exact, on=["idx", "k"], how="left")
        grid["customers"] = grid["customers"].fillna(0).astype(np.int64)
        grid = grid.sort_values(["idx", "k"], ascending=[True, False], kind="stable")
        grid["customers_at_least"] = grid.groupby("idx", sort=False)["customers"].cumsum().astype(np.int64)
        grid = grid.sort_values(["idx", "k"], kind="stable").reset_index(drop=True)
        idx = grid["idx"].to_numpy()
        frames.append(pd.DataFrame({
            "period_grain": grain,
            "period_start": _dates(period_start_day(idx, grain, week_start)).to_numpy(),
            "active_days": grid["k"].astype(np.int64).to_numpy(),
            "customers": grid["customers"].to_numpy(),
            "customers_at_least": grid["customers_at_least"].to_numpy(),
            "is_complete": period_end_day(idx, grain, week_start) <= as_of_day,
        }))
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


# --------------------------------------------------------------------------------------------------------------
# registry used by the comparison tests: mart name -> (function, grain key columns, inputs)
# --------------------------------------------------------------------------------------------------------------
MARTS = {
    "fct_cohort_retention": (cohort_retention, ["cohort_basis", "activity_basis", "period_grain", "cohort_start",
                                                "period_number"], ("customers", "activity", "as_of", "week_start")),
    "fct_cohort_retention_by_segment": (
        cohort_retention_by_segment,
        ["segment_type", "segment_value", "cohort_basis", "activity_basis", "period_grain", "cohort_start",
         "period_number"], ("customers", "activity", "as_of", "week_start")),
    "fct_retention_headline": (retention_headline, ["cohort_basis", "cohort_date"],
                               ("customers", "activity", "as_of")),
    "fct_active_customers_daily": (active_customers_daily, ["activity_date"], ("activity", "as_of")),
    "fct_active_customers_monthly": (active_customers_monthly, ["month_start"], ("activity", "as_of")),
    "fct_repeat_purchase_cohorts": (repeat_purchase_cohorts, ["cohort_month"], ("activity", "as_of")),
    "fct_cohort_ltv": (cohort_ltv, ["cohort_month", "month_offset"], ("customers", "orders", "as_of")),
    "fct_period_lifecycle": (period_lifecycle, ["period_grain", "period_start", "status"],
                             ("customers", "activity", "as_of", "week_start")),
    "fct_stickiness": (stickiness, ["period_grain", "period_start", "active_days"],
                       ("activity", "as_of", "week_start")),
}


def compute(mart: str, *, customers=None, activity=None, orders=None, as_of=None, week_start="monday"
            ) -> pd.DataFrame:
    """Run the oracle of a mart by name with the inputs it needs."""
    function, _keys, inputs = MARTS[mart]
    given = {"customers": customers, "activity": activity, "orders": orders, "as_of": as_of,
             "week_start": week_start}
    return function(*(given[name] for name in inputs))
