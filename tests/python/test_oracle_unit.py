"""Unit tests of the pandas retention oracle (tests/python/oracle/retention.py) on tiny inputs worked out by hand.

No database. The expected numbers are derived in the comments from the metric contract (metrics.md), then a
slow, loop-based reference written with Python dates (a second, independent reading of the same definitions)
is compared with the vectorised oracle on a small random dataset.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from oracle import retention as oracle

D = dt.date


# ---------------------------------------------------------------------------------------------------------------
# The hand-worked dataset. as_of = Wed 2024-01-10; 2024-01-01 is a Monday, 2023-12-30 a Saturday and
# 2024-01-07 a Sunday.
#
#   customer  signup      first order  country  channel   active days (P = purchase day)
#   A         2024-01-01  2024-01-02   US       ads       01-01, 01-02 P, 01-03, 01-08, 01-09 P, 01-11 P (after as_of)
#   B         2024-01-02  -            DE       seo       01-02, 01-04
#   C         2024-01-08  2024-01-08   US       ads       01-05 (before signup), 01-08 P, 01-10
#   D         2023-12-30  2024-01-09   US       seo       12-30, 01-09 P
#   E         2024-01-07  -            (null)   ads       01-07, 01-08
#
# Weeks (monday): W52 = 12-25..12-31, W1 = 01-01..01-07, W2 = 01-08..01-14 (in progress on 01-10).
# Weeks (sunday): S1 = 12-24..12-30, S2 = 12-31..01-06, S3 = 01-07..01-13 (in progress).
# ---------------------------------------------------------------------------------------------------------------
AS_OF = D(2024, 1, 10)


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        [("A", D(2024, 1, 1), D(2024, 1, 2), "US", "ads"),
         ("B", D(2024, 1, 2), None, "DE", "seo"),
         ("C", D(2024, 1, 8), D(2024, 1, 8), "US", "ads"),
         ("D", D(2023, 12, 30), D(2024, 1, 9), "US", "seo"),
         ("E", D(2024, 1, 7), None, None, "ads")],
        columns=["customer_id", "signup_date", "first_order_date", "country_code", "acquisition_channel"])


def _activity() -> pd.DataFrame:
    rows = [("A", "2024-01-01", False), ("A", "2024-01-02", True), ("A", "2024-01-03", False),
            ("A", "2024-01-08", False), ("A", "2024-01-09", True), ("A", "2024-01-11", True),
            ("B", "2024-01-02", False), ("B", "2024-01-04", False),
            ("C", "2024-01-05", False), ("C", "2024-01-08", True), ("C", "2024-01-10", False),
            ("D", "2023-12-30", False), ("D", "2024-01-09", True),
            ("E", "2024-01-07", False), ("E", "2024-01-08", False)]
    frame = pd.DataFrame(rows, columns=["customer_id", "activity_date", "is_purchase_day"])
    frame["activity_date"] = pd.to_datetime(frame["activity_date"]).dt.date
    return frame


@functools.lru_cache(maxsize=None)
def _retention(week_start: str) -> pd.DataFrame:
    """cohort_retention of the hand-worked dataset (computed once per week start; callers must not modify it)."""
    return oracle.cohort_retention(_customers(), _activity(), AS_OF, week_start)


def _ts(value: str) -> pd.Timestamp:
    return pd.Timestamp(value)


def _cell(frame: pd.DataFrame, **keys) -> dict:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in keys.items():
        if isinstance(value, str) and column.endswith(("_start", "_date", "_month")):
            value = _ts(value)
        mask &= (frame[column] == value).to_numpy() if value is not None else frame[column].isna().to_numpy()
    rows = frame[mask]
    assert len(rows) == 1, f"{len(rows)} rows for {keys}"
    return rows.iloc[0].to_dict()


def _column(frame: pd.DataFrame, column: str, **keys) -> list:
    mask = np.ones(len(frame), dtype=bool)
    for key, value in keys.items():
        mask &= (frame[key] == (_ts(value) if key.endswith(("_start", "_date")) else value)).to_numpy()
    return frame[mask][column].tolist()


# ---------------------------------------------------------------------------------------------------------------
# period arithmetic
# ---------------------------------------------------------------------------------------------------------------
def test_period_arithmetic():
    day = oracle._day_number
    # 2024-01-07 is a Sunday: its monday-week starts Mon 2024-01-01, its sunday-week starts on itself.
    for value, grain, week_start, start in [
        ("2024-01-07", "week", "monday", "2024-01-01"), ("2024-01-07", "week", "sunday", "2024-01-07"),
        ("2024-01-08", "week", "monday", "2024-01-08"), ("2024-01-06", "week", "sunday", "2023-12-31"),
        ("1970-01-01", "week", "monday", "1969-12-29"), ("1969-12-28", "week", "sunday", "1969-12-28"),
        ("2024-02-29", "month", "monday", "2024-02-01"), ("2024-02-29", "day", "monday", "2024-02-29"),
    ]:
        index = oracle.period_index(day(value), grain, week_start)
        assert oracle.period_start_day(index, grain, week_start) == day(start), (value, grain, week_start)
    # ends: the week of Mon 2024-01-08 ends Sun 01-14; February 2024 ends on the 29th
    assert oracle.period_end_day(oracle.period_index(day("2024-01-10"), "week"), "week") == day("2024-01-14")
    assert oracle.period_end_day(oracle.period_index(day("2024-02-10"), "month"), "month") == day("2024-02-29")
    # period numbers are differences of period indexes: Sat 2023-12-30 -> Mon 2024-01-08 is 2 monday-weeks
    # (12-25 -> 01-08), Dec 31 -> Jan 1 is one month
    assert oracle.period_index(day("2024-01-08"), "week") - oracle.period_index(day("2023-12-30"), "week") == 2
    assert oracle.period_index(day("2024-01-01"), "month") - oracle.period_index(day("2023-12-31"), "month") == 1


# ---------------------------------------------------------------------------------------------------------------
# 1 cohort retention
# ---------------------------------------------------------------------------------------------------------------
def test_cohort_retention_shape_and_columns():
    out = _retention("monday")
    assert list(out.columns) == oracle.COHORT_RETENTION_COLUMNS
    # signup cohorts (day grain): 12-30 -> n 0..11 (12 rows), 01-01 -> 10, 01-02 -> 9, 01-07 -> 4, 01-08 -> 3 = 38;
    # first-order cohorts (day): 01-02 -> 9, 01-08 -> 3, 01-09 -> 2 = 14;
    # weeks (monday): signup W52 3 + W1 2 + W2 1 = 6, first order W1 2 + W2 1 = 3;
    # months: signup Dec 2 + Jan 1 = 3, first order Jan 1. Total 65 per activity basis, 130 in all.
    assert len(out) == 130
    counts = out.groupby(["cohort_basis", "period_grain"]).size().to_dict()
    assert counts == {("signup", "day"): 76, ("first_order", "day"): 28, ("signup", "week"): 12,
                      ("first_order", "week"): 6, ("signup", "month"): 6, ("first_order", "month"): 2}
    assert not out.duplicated(["cohort_basis", "activity_basis", "period_grain", "cohort_start",
                               "period_number"]).any()
    assert (out["period_number"] >= 0).all()  # C's activity before signup (01-05) creates no negative period
    assert (out["period_start"] <= _ts("2024-01-10")).all()


def test_cohort_retention_day_grain_signup():
    out = _retention("monday")
    key = dict(cohort_basis="signup", activity_basis="any_activity", period_grain="day", cohort_start="2024-01-01")
    # cohort 01-01 = {A}; A active on 01-01 (n0), 01-02 (n1), 01-03 (n2), 01-08 (n7), 01-09 (n8); 01-11 is after
    # as_of. n runs 0..9 (01-10 = as_of); unbounded: A's last counted day is n8.
    assert _column(out, "retained_customers", **key) == [1, 1, 1, 0, 0, 0, 0, 1, 1, 0]
    assert _column(out, "unbounded_retained_customers", **key) == [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]
    assert _column(out, "period_number", **key) == list(range(10))
    assert _column(out, "is_complete", **key) == [True] * 10  # every day up to as_of is complete
    assert _column(out, "retention_rate", **key) == [1.0, 1.0, 1.0, 0, 0, 0, 0, 1.0, 1.0, 0]
    # cohort 01-08 = {C}: C's 01-05 is before its cohort date and never counts; 01-08 n0, 01-10 n2
    key["cohort_start"] = "2024-01-08"
    assert _column(out, "retained_customers", **key) == [1, 0, 1]
    assert _column(out, "unbounded_retained_customers", **key) == [1, 1, 1]


def test_cohort_retention_week_grain_monday():
    out = _retention("monday")
    key = dict(cohort_basis="signup", activity_basis="any_activity", period_grain="week")
    # W52 cohort {D}: active 12-30 (n0) and 01-09 (n2); W2 is in progress
    assert _column(out, "retained_customers", cohort_start="2023-12-25", **key) == [1, 0, 1]
    assert _column(out, "unbounded_retained_customers", cohort_start="2023-12-25", **key) == [1, 1, 1]
    assert _column(out, "is_complete", cohort_start="2023-12-25", **key) == [True, True, False]
    assert _column(out, "period_start", cohort_start="2023-12-25", **key) == [
        _ts("2023-12-25"), _ts("2024-01-01"), _ts("2024-01-08")]
    # W1 cohort {A, B, E} (E signed up on Sunday 01-07): n0 all three; n1 A (01-08, 09) and E (01-08), not B.
    w1 = dict(cohort_start="2024-01-01", **key)
    assert _column(out, "cohort_size", **w1) == [3, 3]
    assert _column(out, "retained_customers", **w1) == [3, 2]
    assert _column(out, "unbounded_retained_customers", **w1) == [3, 2]
    assert _column(out, "retention_rate", **w1) == pytest.approx([1.0, 2 / 3], abs=1e-15)
    # W2 cohort {C}: only n0, in progress
    row = _cell(out, cohort_start="2024-01-08", period_number=0, **key)
    assert (row["cohort_size"], row["retained_customers"], row["is_complete"]) == (1, 1, False)


def test_cohort_retention_week_grain_sunday():
    out = _retention("sunday")
    key = dict(cohort_basis="signup", activity_basis="any_activity", period_grain="week")
    # S1 (12-24) {D}: 12-30 n0, 01-09 n2
    assert _column(out, "retained_customers", cohort_start="2023-12-24", **key) == [1, 0, 1]
    # S2 (12-31) {A, B}: n0 both; n1 (01-07..13) A only; unbounded 2, 1
    assert _column(out, "retained_customers", cohort_start="2023-12-31", **key) == [2, 1]
    assert _column(out, "unbounded_retained_customers", cohort_start="2023-12-31", **key) == [2, 1]
    assert _column(out, "is_complete", cohort_start="2023-12-31", **key) == [True, False]
    # S3 (01-07) {C, E}: both active in n0
    assert _column(out, "retained_customers", cohort_start="2024-01-07", **key) == [2]
    assert _column(out, "cohort_size", cohort_start="2024-01-07", **key) == [2]
    # month grain does not depend on week_start
    monday = _retention("monday")
    pd.testing.assert_frame_equal(out[out.period_grain != "week"].reset_index(drop=True),
                                  monday[monday.period_grain != "week"].reset_index(drop=True))


def test_cohort_retention_month_and_first_order_purchase():
    out = _retention("monday")
    month = dict(cohort_basis="signup", activity_basis="any_activity", period_grain="month")
    # Dec cohort {D}: n0 (Dec, complete), n1 (Jan, in progress) D active 01-09
    assert _column(out, "retained_customers", cohort_start="2023-12-01", **month) == [1, 1]
    assert _column(out, "is_complete", cohort_start="2023-12-01", **month) == [True, False]
    # Jan cohort {A, B, C, E}: 4 of 4 in n0
    assert _column(out, "retained_customers", cohort_start="2024-01-01", **month) == [4]
    # first-order cohorts on purchase days, day grain: cohort 01-02 {A}: purchase days 01-02 (n0), 01-09 (n7);
    # 01-11 is after as_of. Unbounded: last counted n = 7.
    key = dict(cohort_basis="first_order", activity_basis="purchase", period_grain="day", cohort_start="2024-01-02")
    assert _column(out, "retained_customers", **key) == [1, 0, 0, 0, 0, 0, 0, 1, 0]
    assert _column(out, "unbounded_retained_customers", **key) == [1, 1, 1, 1, 1, 1, 1, 1, 0]
    # cohort 01-08 {C}: purchase only 01-08 (01-10 is a non-purchase active day)
    key["cohort_start"] = "2024-01-08"
    assert _column(out, "retained_customers", **key) == [1, 0, 0]
    assert _column(out, "unbounded_retained_customers", **key) == [1, 0, 0]
    # signup cohort, purchase basis, month: Jan {A, B, C, E}: purchases by A (01-02, 01-09) and C (01-08) -> 2/4
    row = _cell(out, cohort_basis="signup", activity_basis="purchase", period_grain="month",
                cohort_start="2024-01-01", period_number=0)
    assert (row["cohort_size"], row["retained_customers"], row["retention_rate"]) == (4, 2, 0.5)
    # first-order basis, any activity, monday weeks: W1 {A}, W2 {C, D} (B and E never ordered)
    key = dict(cohort_basis="first_order", activity_basis="any_activity", period_grain="week")
    assert _column(out, "cohort_size", cohort_start="2024-01-01", **key) == [1, 1]
    assert _column(out, "retained_customers", cohort_start="2024-01-01", **key) == [1, 1]
    assert _column(out, "cohort_size", cohort_start="2024-01-08", **key) == [2]
    # invariant: retained <= unbounded <= size
    assert (out.retained_customers <= out.unbounded_retained_customers).all()
    assert (out.unbounded_retained_customers <= out.cohort_size).all()


def test_activity_before_cohort_date_never_counts():
    # G bought on Mon 01-01, before signing up on Wed 01-03 (same monday-week, same month); H never bought.
    customers = pd.DataFrame([("G", D(2024, 1, 3), D(2024, 1, 1), "US", "ads"),
                              ("H", D(2024, 1, 3), None, "US", "ads")],
                             columns=["customer_id", "signup_date", "first_order_date", "country_code",
                                      "acquisition_channel"])
    activity = pd.DataFrame([("G", D(2024, 1, 1), True), ("G", D(2024, 1, 3), False), ("H", D(2024, 1, 3), False)],
                            columns=["customer_id", "activity_date", "is_purchase_day"])
    out = oracle.cohort_retention(customers, activity, AS_OF, "monday")
    # signup cohorts on purchase days: G's only purchase precedes its cohort date, so nobody is retained in any
    # period, even period 0 that contains the purchase day (week W1, month January)
    purchase = out[(out.cohort_basis == "signup") & (out.activity_basis == "purchase")]
    assert purchase.groupby("period_grain").size().to_dict() == {"day": 8, "week": 2, "month": 1}  # 01-03..01-10
    assert (purchase.retained_customers == 0).all() and (purchase.unbounded_retained_customers == 0).all()
    # any activity: both signed up (active) on 01-03 -> 2 of 2 in period 0 of every grain
    anyact = out[(out.cohort_basis == "signup") & (out.activity_basis == "any_activity") & (out.period_number == 0)]
    assert anyact.retained_customers.tolist() == [2, 2, 2]
    # first-order cohort 01-01 {G}: G's signup day 01-03 counts (n2 of the day grain)
    key = dict(cohort_basis="first_order", activity_basis="any_activity", period_grain="day", cohort_start="2024-01-01")
    assert _column(out, "retained_customers", **key) == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_cohort_retention_ignores_cohorts_after_as_of():
    customers = _customers()
    customers.loc[len(customers)] = ["F", D(2024, 1, 11), None, "US", "ads"]  # signs up after as_of
    activity = pd.concat([_activity(), pd.DataFrame([("F", D(2024, 1, 11), False)], columns=_activity().columns)])
    out = oracle.cohort_retention(customers, activity, AS_OF, "monday")
    base = _retention("monday")
    pd.testing.assert_frame_equal(out, base)


# ---------------------------------------------------------------------------------------------------------------
# 2 by segment
# ---------------------------------------------------------------------------------------------------------------
def test_cohort_retention_by_segment():
    out = oracle.cohort_retention_by_segment(_customers(), _activity(), AS_OF, "monday")
    assert list(out.columns) == ["segment_type", "segment_value"] + oracle.COHORT_RETENTION_COLUMNS
    assert set(out.period_grain) == {"week", "month"}
    key = dict(segment_type="acquisition_channel", cohort_basis="signup", activity_basis="any_activity",
               period_grain="week")
    # ads, W1 cohort {A, E}: n0 both, n1 A and E (01-08)
    assert _column(out, "retained_customers", segment_value="ads", cohort_start="2024-01-01", **key) == [2, 2]
    # seo, W52 cohort {D}: 1, 0, 1; seo, W1 cohort {B}: n0 1, n1 0 -> unbounded 1, 0
    assert _column(out, "retained_customers", segment_value="seo", cohort_start="2023-12-25", **key) == [1, 0, 1]
    assert _column(out, "unbounded_retained_customers", segment_value="seo", cohort_start="2024-01-01",
                   **key) == [1, 0]
    # the null country is its own segment: E alone, W1 cohort, active in n0 and n1
    null = out[(out.segment_type == "country") & out.segment_value.isna() & (out.cohort_basis == "signup")
               & (out.activity_basis == "any_activity") & (out.period_grain == "week")]
    assert null.cohort_start.tolist() == [_ts("2024-01-01")] * 2
    assert null.retained_customers.tolist() == [1, 1]
    # US, Jan month cohort (signup) {A, C}; DE {B}
    month = dict(segment_type="country", cohort_basis="signup", activity_basis="any_activity", period_grain="month",
                 cohort_start="2024-01-01", period_number=0)
    assert _cell(out, segment_value="US", **month)["cohort_size"] == 2
    assert _cell(out, segment_value="DE", **month)["cohort_size"] == 1
    # segments partition the cohorts: per segment type, sizes and retained add up to the unsliced matrix
    whole = _retention("monday")
    whole = whole[whole.period_grain != "day"]
    grain = ["cohort_basis", "activity_basis", "period_grain", "cohort_start", "period_number"]
    for segment_type in ("acquisition_channel", "country"):
        summed = out[out.segment_type == segment_type].groupby(grain)[
            ["cohort_size", "retained_customers", "unbounded_retained_customers"]].sum()
        expected = whole.set_index(grain)[["cohort_size", "retained_customers", "unbounded_retained_customers"]]
        # a segment's cohort has fewer period rows only if it starts later, so compare on the segment's rows
        pd.testing.assert_frame_equal(summed.sort_index(), expected.loc[summed.index].sort_index())


# ---------------------------------------------------------------------------------------------------------------
# 3 headline
# ---------------------------------------------------------------------------------------------------------------
def test_retention_headline():
    out = oracle.retention_headline(_customers(), _activity(), AS_OF)
    assert out.cohort_basis.tolist() == ["signup"] * 5 + ["first_order"] * 3
    # signup 12-30 {D}: d1 = 12-31 (complete, D inactive) 0; d7 = 01-06 (complete) 0; d30 = 01-29 > as_of null;
    # within 7 = 12-31..01-06 complete, 0; within 30 null.
    row = _cell(out, cohort_basis="signup", cohort_date="2023-12-30")
    assert row["d1_retained_customers"] == 0 and row["d1_retention"] == 0.0
    assert row["d7_retained_customers"] == 0 and row["within_7d_retained_customers"] == 0
    assert pd.isna(row["d30_retained_customers"]) and np.isnan(row["d30_retention"])
    assert pd.isna(row["within_30d_retained_customers"]) and np.isnan(row["within_30d_retention"])
    # signup 01-01 {A}: d1 01-02 yes; d7 01-08 yes (complete: 01-08 <= 01-10); within 7 yes
    row = _cell(out, cohort_basis="signup", cohort_date="2024-01-01")
    assert (row["d1_retention"], row["d7_retention"], row["within_7d_retention"]) == (1.0, 1.0, 1.0)
    # signup 01-02 {B}: d1 01-03 no; d7 01-09 no (complete); within 7 (01-03..01-09) yes through 01-04
    row = _cell(out, cohort_basis="signup", cohort_date="2024-01-02")
    assert (row["d1_retention"], row["d7_retention"], row["within_7d_retention"]) == (0.0, 0.0, 1.0)
    # signup 01-07 {E}: d1 01-08 yes; d7 = 01-14 > as_of: null, within 7 null
    row = _cell(out, cohort_basis="signup", cohort_date="2024-01-07")
    assert row["d1_retained_customers"] == 1 and np.isnan(row["d7_retention"]) and np.isnan(row["within_7d_retention"])
    # first order 01-02 {A}: d1 01-03 yes, d7 01-09 yes
    row = _cell(out, cohort_basis="first_order", cohort_date="2024-01-02")
    assert (row["cohort_size"], row["d1_retention"], row["d7_retention"]) == (1, 1.0, 1.0)
    # first order 01-09 {D}: d1 = 01-10 = as_of, complete, D inactive -> 0
    row = _cell(out, cohort_basis="first_order", cohort_date="2024-01-09")
    assert row["d1_retained_customers"] == 0 and row["d1_retention"] == 0.0 and np.isnan(row["within_7d_retention"])
    # first order 01-08 {C}: d1 01-09 no
    assert _cell(out, cohort_basis="first_order", cohort_date="2024-01-08")["d1_retention"] == 0.0


# ---------------------------------------------------------------------------------------------------------------
# 4 / 5 active customers
# ---------------------------------------------------------------------------------------------------------------
def test_active_customers_daily():
    out = oracle.active_customers_daily(_activity(), AS_OF)
    assert out.activity_date.tolist() == list(pd.date_range("2023-12-30", "2024-01-10"))
    # active sets: 12-30 D | 12-31 - | 01-01 A | 01-02 A B | 01-03 A | 01-04 B | 01-05 C | 01-06 - | 01-07 E |
    #              01-08 A C E | 01-09 A D | 01-10 C
    assert out.dau.tolist() == [1, 0, 1, 2, 1, 1, 1, 0, 1, 3, 2, 1]
    # WAU: 01-05 window 12-30..01-05 = D A B C (4); 01-06 drops D (3); 01-09 window 01-03..01-09 = A B C E D (5)
    assert out.wau.tolist() == [1, 1, 2, 3, 3, 3, 4, 3, 4, 4, 5, 5]
    # MAU: every window reaches back past 12-30, so it is the running distinct count
    assert out.mau.tolist() == [1, 1, 2, 3, 3, 3, 4, 4, 5, 5, 5, 5]
    assert out.stickiness.tolist() == pytest.approx(
        [1, 0, 0.5, 2 / 3, 1 / 3, 1 / 3, 0.25, 0, 0.2, 0.6, 0.4, 0.2], abs=1e-15)


def test_active_customers_daily_window_edges():
    # X active only on 2024-01-01; as_of 2024-02-05. WAU(d) covers d-6..d: 1 through 01-07, 0 from 01-08.
    # MAU(d) covers d-29..d: 1 through 01-30, 0 from 01-31, where stickiness has a zero denominator (null).
    activity = pd.DataFrame({"customer_id": ["X"], "activity_date": [D(2024, 1, 1)], "is_purchase_day": [False]})
    out = oracle.active_customers_daily(activity, "2024-02-05").set_index("activity_date")
    assert len(out) == 36
    assert out.loc["2024-01-07", "wau"] == 1 and out.loc["2024-01-08", "wau"] == 0
    assert out.loc["2024-01-30", "mau"] == 1 and out.loc["2024-01-31", "mau"] == 0
    assert out.loc["2024-01-30", "stickiness"] == 0.0 and np.isnan(out.loc["2024-01-31", "stickiness"])
    assert out.loc["2024-01-01", "stickiness"] == 1.0


def test_active_customers_monthly():
    out = oracle.active_customers_monthly(_activity(), AS_OF)
    # Dec {D} complete; Jan {A, B, C, D, E} in progress (A's 01-11 is after as_of and ignored anyway)
    assert out.month_start.tolist() == [_ts("2023-12-01"), _ts("2024-01-01")]
    assert out.active_customers.tolist() == [1, 5]
    assert out.is_complete.tolist() == [True, False]
    # a month without activity between two active months is emitted with 0
    activity = pd.DataFrame({"customer_id": ["X", "X"], "activity_date": [D(2024, 1, 5), D(2024, 3, 5)],
                             "is_purchase_day": [False, False]})
    out = oracle.active_customers_monthly(activity, D(2024, 3, 31))
    assert out.active_customers.tolist() == [1, 0, 1] and out.is_complete.tolist() == [True, True, True]


# ---------------------------------------------------------------------------------------------------------------
# 6 repeat purchase
# ---------------------------------------------------------------------------------------------------------------
def test_repeat_purchase_cohorts():
    # as_of 2024-04-15 (2024 is a leap year).
    #   P1 purchases 01-01 (twice: one day), 01-31 (+30), 03-01 (+60)
    #   P2 purchases 01-20, 04-10 (+81)
    #   P3 purchases 02-15, active without purchase 02-20
    #   P4 purchases 03-20, 03-21 (+1)
    #   P5 never purchases
    rows = [("P1", "2024-01-01", True), ("P1", "2024-01-01", True), ("P1", "2024-01-31", True),
            ("P1", "2024-03-01", True), ("P2", "2024-01-20", True), ("P2", "2024-04-10", True),
            ("P3", "2024-02-15", True), ("P3", "2024-02-20", False), ("P4", "2024-03-20", True),
            ("P4", "2024-03-21", True), ("P5", "2024-01-03", False), ("P4", "2024-04-16", True)]
    activity = pd.DataFrame(rows, columns=["customer_id", "activity_date", "is_purchase_day"])
    out = oracle.repeat_purchase_cohorts(activity, "2024-04-15").set_index("cohort_month")
    assert out.index.tolist() == [_ts("2024-01-01"), _ts("2024-02-01"), _ts("2024-03-01")]
    assert out.cohort_size.tolist() == [2, 1, 1]
    # Jan {P1, P2}: 30d: both eligible (01-31, 02-19 <= 04-15), P1 repeats on day +30 (window end included) -> 1/2
    #               60d: both eligible (03-01, 03-20); P1 -> 1/2
    #               90d: P1 eligible (03-31), P2 not (04-19 > 04-15); P1 repeats -> 1/1
    jan = out.loc["2024-01-01"]
    assert [jan.eligible_customers_30d, jan.repeat_customers_30d, jan.repeat_rate_30d] == [2, 1, 0.5]
    assert [jan.eligible_customers_60d, jan.repeat_customers_60d, jan.repeat_rate_60d] == [2, 1, 0.5]
    assert [jan.eligible_customers_90d, jan.repeat_customers_90d, jan.repeat_rate_90d] == [1, 1, 1.0]
    # Feb {P3}: 30d eligible (03-16) no repeat (02-20 is not a purchase day) -> 0.0; 60d eligible (04-15 = as_of)
    # -> 0.0; 90d not eligible -> null
    feb = out.loc["2024-02-01"]
    assert [feb.eligible_customers_30d, feb.repeat_customers_30d, feb.repeat_rate_30d] == [1, 0, 0.0]
    assert [feb.eligible_customers_60d, feb.repeat_rate_60d] == [1, 0.0]
    assert feb.eligible_customers_90d == 0 and np.isnan(feb.repeat_rate_90d)
    # Mar {P4}: first + 30 = 04-19 > as_of: nobody eligible in any window, though P4 bought again the next day
    mar = out.loc["2024-03-01"]
    assert [mar.eligible_customers_30d, mar.repeat_customers_30d] == [0, 0] and np.isnan(mar.repeat_rate_30d)


# ---------------------------------------------------------------------------------------------------------------
# 7 cohort LTV
# ---------------------------------------------------------------------------------------------------------------
def test_cohort_ltv():
    # as_of 2024-03-15. L1 first order 01-15, L2 01-31, L3 02-29, L4 prospect, L5 first order after as_of.
    customers = pd.DataFrame(
        [("L1", D(2024, 1, 1), D(2024, 1, 15)), ("L2", D(2024, 1, 2), D(2024, 1, 31)),
         ("L3", D(2024, 2, 1), D(2024, 2, 29)), ("L4", D(2024, 2, 1), None), ("L5", D(2024, 3, 1), D(2024, 4, 1))],
        columns=["customer_id", "signup_date", "first_order_date"])
    orders = pd.DataFrame(
        [("L1", D(2024, 1, 15), Decimal("10.00")), ("L1", D(2024, 2, 1), Decimal("0.10")),
         ("L1", D(2024, 3, 15), Decimal("1.01")), ("L2", D(2024, 1, 31), Decimal("0.33")),
         ("L2", D(2024, 3, 16), Decimal("100")), ("L3", D(2024, 2, 29), "5.00"), ("L5", D(2024, 4, 1), 9)],
        columns=["customer_id", "order_date", "net_revenue"])
    out = oracle.cohort_ltv(customers, orders, "2024-03-15")
    # Jan {L1, L2}: k0 10.00 + 0.33 = 10.33 (avg 5.165); k1 + 0.10 = 10.43 (5.215); k2 + 1.01 = 11.44 (5.72),
    #               L2's 03-16 order is after as_of. Jan and Feb are complete, March is not.
    # Feb {L3}: k0 5.00, k1 5.00 (nothing in March). No April cohort (L5 is after as_of).
    expected = [
        ("2024-01-01", 0, 2, "10.33", "5.165", True), ("2024-01-01", 1, 2, "10.43", "5.215", True),
        ("2024-01-01", 2, 2, "11.44", "5.72", False),
        ("2024-02-01", 0, 1, "5.00", "5.00", True), ("2024-02-01", 1, 1, "5.00", "5.00", False),
    ]
    got = [(str(r.cohort_month.date()), r.month_offset, r.cohort_size, r.cumulative_net_revenue,
            r.avg_cumulative_net_revenue, r.is_complete) for r in out.itertuples()]
    assert [(a, b, c, f) for a, b, c, *_, f in got] == [(a, b, c, f) for a, b, c, *_, f in expected]
    for (*_, cum, avg, _c), (*_, e_cum, e_avg, _e) in zip(got, expected):
        assert isinstance(cum, Decimal) and cum == Decimal(e_cum) and avg == Decimal(e_avg)
    # exact decimal sums: 0.1 + 0.2 is 0.3 (floats would not be)
    orders = pd.DataFrame([("L1", D(2024, 1, 15), 0.1), ("L1", D(2024, 1, 16), 0.2)],
                          columns=["customer_id", "order_date", "net_revenue"])
    out = oracle.cohort_ltv(customers, orders, "2024-01-31")
    assert out.cumulative_net_revenue.tolist() == [Decimal("0.3")]


# ---------------------------------------------------------------------------------------------------------------
# 8 period lifecycle
# ---------------------------------------------------------------------------------------------------------------
def _lifecycle_table(out: pd.DataFrame, grain: str) -> dict:
    part = out[out.period_grain == grain]
    table = part.pivot(index="period_start", columns="status", values="customers")
    return {str(k.date()): tuple(int(v[s]) for s in oracle.LIFECYCLE_STATUSES) for k, v in table.iterrows()}


def test_period_lifecycle_day_grain():
    out = oracle.period_lifecycle(_customers(), _activity(), AS_OF, "monday")
    assert list(out.columns) == ["period_grain", "period_start", "status", "customers"]
    # per customer (active days -> status; dormant = day after the end of a run of active days, if <= as_of):
    #   A 01-01 new, 02 returning, 03 returning, 08 resurrecting, 09 returning; dormant 01-04, 01-10
    #   B 01-02 new, 04 resurrecting; dormant 01-03, 01-05
    #   C 01-05 resurrecting (first active day, but not its signup day 01-08), 08 resurrecting (not new: not its
    #     first active day), 10 resurrecting; dormant 01-06, 01-09 (01-11 is after as_of)
    #   D 12-30 new, 01-09 resurrecting; dormant 12-31, 01-10
    #   E 01-07 new, 08 returning; dormant 01-09
    #                    (new, returning, resurrecting, dormant)
    assert _lifecycle_table(out, "day") == {
        "2023-12-30": (1, 0, 0, 0), "2023-12-31": (0, 0, 0, 1), "2024-01-01": (1, 0, 0, 0),
        "2024-01-02": (1, 1, 0, 0), "2024-01-03": (0, 1, 0, 1), "2024-01-04": (0, 0, 1, 1),
        "2024-01-05": (0, 0, 1, 1), "2024-01-06": (0, 0, 0, 1), "2024-01-07": (1, 0, 0, 0),
        "2024-01-08": (0, 1, 2, 0), "2024-01-09": (0, 1, 1, 2), "2024-01-10": (0, 0, 1, 2),
    }
    assert len(out[out.period_grain == "day"]) == 12 * 4  # dense, zeros included


def test_period_lifecycle_week_and_month():
    out = oracle.period_lifecycle(_customers(), _activity(), AS_OF, "monday")
    # monday weeks: A W1 new, W2 returning; B W1 new, W2 dormant; C W1 resurrecting (signup is in W2),
    # W2 returning; D W52 new, W1 dormant, W2 resurrecting; E (signup Sunday 01-07 = W1) W1 new, W2 returning
    assert _lifecycle_table(out, "week") == {
        "2023-12-25": (1, 0, 0, 0), "2024-01-01": (3, 0, 1, 1), "2024-01-08": (0, 3, 1, 1)}
    # months: D Dec new, Jan returning; A, B, C, E Jan new; February (dormant) has not started
    assert _lifecycle_table(out, "month") == {"2023-12-01": (1, 0, 0, 0), "2024-01-01": (4, 1, 0, 0)}
    # sunday weeks: S1 D new; S2 A B new, C resurrecting, D dormant; S3 E new, A C returning, D resurrecting,
    # B dormant
    sunday = oracle.period_lifecycle(_customers(), _activity(), AS_OF, "sunday")
    assert _lifecycle_table(sunday, "week") == {
        "2023-12-24": (1, 0, 0, 0), "2023-12-31": (2, 0, 1, 1), "2024-01-07": (1, 2, 1, 1)}


# ---------------------------------------------------------------------------------------------------------------
# 9 stickiness
# ---------------------------------------------------------------------------------------------------------------
def _stickiness_rows(out: pd.DataFrame, grain: str) -> list:
    part = out[out.period_grain == grain]
    return [(str(r.period_start.date()), r.active_days, r.customers, r.customers_at_least, r.is_complete)
            for r in part.itertuples()]


def test_stickiness():
    out = oracle.stickiness(_activity(), AS_OF, "monday")
    assert list(out.columns) == ["period_grain", "period_start", "active_days", "customers", "customers_at_least",
                                 "is_complete"]
    # W52: D 1 day. W1: A 3 days, B 2, C 1, E 1. W2 (in progress): A 2, C 2, D 1, E 1.
    assert _stickiness_rows(out, "week") == [
        ("2023-12-25", 1, 1, 1, True),
        ("2024-01-01", 1, 2, 4, True), ("2024-01-01", 2, 1, 2, True), ("2024-01-01", 3, 1, 1, True),
        ("2024-01-08", 1, 2, 4, False), ("2024-01-08", 2, 2, 2, False),
    ]
    # Dec: D 1. Jan: A 5 days, B 2, C 3, D 1, E 2 -> k=4 has nobody but is emitted (k runs to the max, 5)
    assert _stickiness_rows(out, "month") == [
        ("2023-12-01", 1, 1, 1, True),
        ("2024-01-01", 1, 1, 5, False), ("2024-01-01", 2, 2, 4, False), ("2024-01-01", 3, 1, 2, False),
        ("2024-01-01", 4, 0, 1, False), ("2024-01-01", 5, 1, 1, False),
    ]
    # sunday weeks: S1 D 1; S2 A 3, B 2, C 1; S3 A 2, C 2, E 2, D 1
    sunday = oracle.stickiness(_activity(), AS_OF, "sunday")
    assert _stickiness_rows(sunday, "week") == [
        ("2023-12-24", 1, 1, 1, True),
        ("2023-12-31", 1, 1, 3, True), ("2023-12-31", 2, 1, 2, True), ("2023-12-31", 3, 1, 1, True),
        ("2024-01-07", 1, 1, 4, False), ("2024-01-07", 2, 3, 3, False),
    ]


def test_periods_without_activity_have_no_stickiness_rows():
    activity = pd.DataFrame({"customer_id": ["X", "X"], "activity_date": [D(2024, 1, 1), D(2024, 1, 20)],
                             "is_purchase_day": [False, False]})
    out = oracle.stickiness(activity, D(2024, 1, 20), "monday")
    # weeks 01-01 and 01-15 only (01-08 has no activity); month Jan has k = 1 (2 customers-days of one customer
    # -> X active on 2 days: k=1 0 customers, k=2 1)
    assert _stickiness_rows(out, "week") == [("2024-01-01", 1, 1, 1, True), ("2024-01-15", 1, 1, 1, False)]
    assert _stickiness_rows(out, "month") == [("2024-01-01", 1, 0, 1, False), ("2024-01-01", 2, 1, 1, False)]


# ---------------------------------------------------------------------------------------------------------------
# a slow reference with Python dates, compared with the vectorised oracle on a small random dataset
# ---------------------------------------------------------------------------------------------------------------
def _start(day: dt.date, grain: str, week_start: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        first_weekday = 0 if week_start == "monday" else 6  # date.weekday(): Monday 0 .. Sunday 6
        return day - dt.timedelta(days=(day.weekday() - first_weekday) % 7)
    return day.replace(day=1)


def _add(start: dt.date, n: int, grain: str) -> dt.date:
    if grain == "day":
        return start + dt.timedelta(days=n)
    if grain == "week":
        return start + dt.timedelta(days=7 * n)
    months = start.year * 12 + start.month - 1 + n
    return dt.date(months // 12, months % 12 + 1, 1)


def _random_dataset(seed: int = 3):
    rng = random.Random(seed)
    first = dt.date(2024, 1, 20)
    customers, activity = [], []
    for i in range(45):
        signup = first + dt.timedelta(days=rng.randrange(0, 80))
        days = {signup} | {signup + dt.timedelta(days=rng.randrange(-6, 90)) for _ in range(rng.randrange(0, 14))}
        purchases = {d for d in days if rng.random() < 0.35}
        first_order = min((d for d in purchases), default=None)
        customers.append((f"c{i}", signup, first_order, rng.choice(["US", "DE", None]), rng.choice(["ads", "seo"])))
        activity += [(f"c{i}", d, d in purchases) for d in sorted(days)]
    customers = pd.DataFrame(customers, columns=["customer_id", "signup_date", "first_order_date", "country_code",
                                                 "acquisition_channel"])
    activity = pd.DataFrame(activity, columns=["customer_id", "activity_date", "is_purchase_day"])
    return customers, activity, dt.date(2024, 4, 10)  # a Wednesday, mid-month: periods in progress


def _reference_retention(customers, activity, as_of, week_start, grains=oracle.GRAINS):
    days_of = {}
    for r in activity.itertuples():
        if r.activity_date <= as_of:
            days_of.setdefault(r.customer_id, {})[r.activity_date] = (
                days_of.get(r.customer_id, {}).get(r.activity_date, False) or r.is_purchase_day)
    rows = []
    for basis, column in (("signup", "signup_date"), ("first_order", "first_order_date")):
        for activity_basis in oracle.ACTIVITY_BASES:
            for grain in grains:
                cohorts = {}
                for c in customers.itertuples():
                    date = getattr(c, column)
                    if date is not None and not pd.isna(date) and date <= as_of:
                        cohorts.setdefault(_start(date, grain, week_start), []).append((c.customer_id, date))
                for cohort_start, members in sorted(cohorts.items()):
                    n = 0
                    while _add(cohort_start, n, grain) <= as_of:
                        period = _add(cohort_start, n, grain)
                        retained = unbounded = 0
                        for customer, date in members:
                            counted = [d for d, purchase in days_of.get(customer, {}).items()
                                       if d >= date and (purchase or activity_basis == "any_activity")]
                            retained += any(_start(d, grain, week_start) == period for d in counted)
                            unbounded += any(_start(d, grain, week_start) >= period for d in counted)
                        rows.append((basis, activity_basis, grain, pd.Timestamp(cohort_start), n,
                                     pd.Timestamp(period), len(members), retained, retained / len(members), unbounded,
                                     unbounded / len(members),
                                     _add(cohort_start, n + 1, grain) - dt.timedelta(days=1) <= as_of))
                        n += 1
    return pd.DataFrame(rows, columns=oracle.COHORT_RETENTION_COLUMNS)


@pytest.mark.parametrize("week_start", ["monday", "sunday"])
def test_oracle_matches_slow_reference_cohort_retention(week_start):
    customers, activity, as_of = _random_dataset()
    got = oracle.cohort_retention(customers, activity, as_of, week_start)
    expected = _reference_retention(customers, activity, as_of, week_start)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)


@pytest.mark.parametrize("week_start", ["monday", "sunday"])
def test_oracle_matches_slow_reference_lifecycle_and_stickiness(week_start):
    customers, activity, as_of = _random_dataset(5)
    signup = dict(zip(customers.customer_id, customers.signup_date))
    active = {}
    for r in activity.itertuples():
        if r.activity_date <= as_of:
            active.setdefault(r.customer_id, set()).add(r.activity_date)
    lifecycle, sticky = [], []
    for grain in oracle.GRAINS:
        periods_of = {c: {_start(d, grain, week_start) for d in days} for c, days in active.items()}
        period = min(min(p) for p in periods_of.values())
        while period <= as_of:
            previous = _add(period, -1, grain)
            counts = dict.fromkeys(oracle.LIFECYCLE_STATUSES, 0)
            for customer, periods in periods_of.items():
                if period in periods:
                    if period == min(periods) and period == _start(signup[customer], grain, week_start):
                        counts["new"] += 1
                    elif previous in periods:
                        counts["returning"] += 1
                    else:
                        counts["resurrecting"] += 1
                elif previous in periods:
                    counts["dormant"] += 1
            lifecycle += [(grain, pd.Timestamp(period), s, counts[s]) for s in oracle.LIFECYCLE_STATUSES]
            if grain != "day":
                end = _add(period, 1, grain) - dt.timedelta(days=1)
                k_of = [sum(period <= d <= end for d in days) for days in active.values()]
                k_of = [k for k in k_of if k]
                for k in range(1, max(k_of, default=0) + 1):
                    sticky.append((grain, pd.Timestamp(period), k, k_of.count(k), sum(x >= k for x in k_of),
                                   end <= as_of))
            period = _add(period, 1, grain)
    got = oracle.period_lifecycle(customers, activity, as_of, week_start)
    pd.testing.assert_frame_equal(got, pd.DataFrame(lifecycle, columns=got.columns), check_dtype=False)
    got = oracle.stickiness(activity, as_of, week_start)
    pd.testing.assert_frame_equal(got, pd.DataFrame(sticky, columns=got.columns), check_dtype=False)


def test_oracle_matches_slow_reference_daily_headline_repeat():
    customers, activity, as_of = _random_dataset(11)
    active, purchases = {}, {}
    for r in activity.itertuples():
        if r.activity_date <= as_of:
            active.setdefault(r.activity_date, set()).add(r.customer_id)
            if r.is_purchase_day:
                purchases.setdefault(r.customer_id, set()).add(r.activity_date)
    # daily
    first, rows = min(active), []
    day = first
    while day <= as_of:
        def window(n):
            return len(set().union(*(active.get(day - dt.timedelta(days=i), set()) for i in range(n))))
        dau, mau = len(active.get(day, set())), window(30)
        rows.append((pd.Timestamp(day), dau, window(7), mau, dau / mau if mau else np.nan))
        day += dt.timedelta(days=1)
    got = oracle.active_customers_daily(activity, as_of)
    pd.testing.assert_frame_equal(got, pd.DataFrame(rows, columns=got.columns), check_dtype=False)
    # headline
    active_days = {}
    for day, ids in active.items():
        for customer in ids:
            active_days.setdefault(customer, set()).add(day)
    rows = []
    for basis, column in (("signup", "signup_date"), ("first_order", "first_order_date")):
        cohorts = {}
        for c in customers.itertuples():
            date = getattr(c, column)
            if date is not None and not pd.isna(date) and date <= as_of:
                cohorts.setdefault(date, []).append(c.customer_id)
        for date, members in sorted(cohorts.items()):
            def at(offsets):
                if date + dt.timedelta(days=max(offsets)) > as_of:
                    return None
                return sum(any(date + dt.timedelta(days=o) in active_days.get(m, ()) for o in offsets)
                           for m in members)
            counts = [at([1]), at([7]), at([30]), at(range(1, 8)), at(range(1, 31))]
            rows.append((basis, pd.Timestamp(date), len(members), *counts,
                         *[np.nan if x is None else x / len(members) for x in counts]))
    got = oracle.retention_headline(customers, activity, as_of)
    expected = pd.DataFrame(rows, columns=got.columns)
    for column in [c for c in got.columns if c.endswith("_customers")]:
        expected[column] = expected[column].astype("Int64")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    # repeat purchase
    cohorts = {}
    for customer, days in purchases.items():
        cohorts.setdefault(min(days).replace(day=1), []).append(customer)
    rows = []
    for month, members in sorted(cohorts.items()):
        row = [pd.Timestamp(month), len(members)]
        for n in oracle.REPEAT_WINDOWS:
            eligible = [m for m in members if min(purchases[m]) + dt.timedelta(days=n) <= as_of]
            repeat = [m for m in eligible if any(1 <= (d - min(purchases[m])).days <= n for d in purchases[m])]
            row += [len(eligible), len(repeat), len(repeat) / len(eligible) if eligible else np.nan]
        rows.append(row)
    got = oracle.repeat_purchase_cohorts(activity, as_of)
    pd.testing.assert_frame_equal(got, pd.DataFrame(rows, columns=got.columns), check_dtype=False)
