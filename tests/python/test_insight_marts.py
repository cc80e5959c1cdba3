"""The issue-24 insight marts (fct_retention_brackets, fct_nday_value, fct_usage_interval) equal an independent
pandas computation (tests/python/oracle/insights.py) from the core marts of the generated faulty warehouse.
On the real CDNOW file: tests/python/test_cdnow.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oracle import insights

BRACKET_KEYS = ["cohort_basis", "activity_basis", "cohort_date", "bracket_number"]
NDAY_KEYS = ["cohort_basis", "cohort_grain", "cohort_start", "n_days"]
MONEY = ["cumulative_net_revenue", "value_per_customer"]
BUCKETS = [f"customers_gap_{name}" for name, _ in insights.GAP_BUCKETS]


@pytest.fixture(scope="module")
def core(faulty_warehouse) -> dict:
    return insights.read_core(faulty_warehouse.query)


def check_brackets(query, core):
    mart = insights.read_mart(query, "fct_retention_brackets")
    expected = insights.retention_brackets(core["customers"], core["activity"], core["as_of"])
    assert len(mart)
    insights.assert_matches(mart, expected, BRACKET_KEYS,
                            exact=["cohort_size", "retained_customers", "bracket_first_day", "bracket_last_day",
                                   "is_complete"],
                            rates=["retention_rate"])
    labels = mart.set_index("bracket_number").bracket.to_dict()
    assert labels == {1: "D1", 2: "D2-3", 3: "D4-7", 4: "D8-14", 5: "D15-30", 6: "D31-60", 7: "D61-90"}
    return mart


def check_nday_value(query, core):
    mart = insights.read_mart(query, "fct_nday_value", decimal_columns=MONEY)
    expected = insights.nday_value(core["customers"], core["orders"], core["as_of"])
    assert len(mart)
    # cumulative revenue is an exact decimal sum; the value per customer is a quotient kept to 10 decimals
    insights.assert_matches(mart, expected, NDAY_KEYS, exact=["cohort_size", "is_complete"],
                            money=["cumulative_net_revenue"], money_tolerance=Decimal(0))
    insights.assert_matches(mart, expected, NDAY_KEYS, money=["value_per_customer"],
                            money_tolerance=Decimal("1e-8"))
    assert (mart.cohort_end >= mart.cohort_start).all()
    return mart


def test_retention_brackets_equal_pandas(faulty_warehouse, core):
    mart = check_brackets(faulty_warehouse.query, core)
    assert mart.is_complete.any() and (~mart.is_complete).any()
    assert set(mart.cohort_basis) == {"signup", "first_order"}
    assert set(mart.activity_basis) == {"any_activity", "purchase"}


def test_nday_value_equals_pandas(faulty_warehouse, core):
    mart = check_nday_value(faulty_warehouse.query, core)
    assert mart.is_complete.any() and (~mart.is_complete).any()
    assert set(mart.cohort_basis) == {"signup", "first_order"} and set(mart.cohort_grain) == {"day", "month"}
    # day 0 is included: on the first_order basis N = 1 holds every first order
    first_orders = mart[(mart.cohort_basis == "first_order") & (mart.n_days == 1) & mart.is_complete]
    assert sum(first_orders.cumulative_net_revenue) > 0


def check_usage_interval(query, core):
    mart = insights.read_mart(query, "fct_usage_interval")
    expected = insights.usage_interval(core["customers"], core["orders"], core["as_of"])
    insights.assert_matches(mart, expected, ["cohort_month"],
                            exact=["cohort_size", "customers_with_repeat", "customers_without_repeat", *BUCKETS],
                            rates=["p25_median_gap_days", "p50_median_gap_days", "p75_median_gap_days"],
                            rate_tolerance=1e-9)
    assert mart.customers_with_repeat.sum() > 0
    return mart


def test_usage_interval_equals_pandas(faulty_warehouse, core):
    check_usage_interval(faulty_warehouse.query, core)


def test_same_day_orders_make_one_purchase_day(core):
    """The generated data has customers with two valid orders on one day (so the oracles above cover them)."""
    orders = core["orders"]
    assert orders.duplicated(["customer_id", "order_date"]).any()
