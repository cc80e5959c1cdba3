"""Real data: the CDNOW master file (lifetimes) loaded as orders only, checked against figures computed
independently from the same file (issue 3) and against pandas on the same file."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from conftest import Warehouse, dbt_env
from test_insight_marts import check_brackets, check_nday_value, check_usage_interval
from retention_warehouse.cdnow import read_transactions, write_orders
from retention_warehouse.load import load_duckdb

# first-order month cohorts of 1997-01..03, purchase basis, months 1..3 (issue 3, "Real data")
EXPECTED_SIZES = {"1997-01-01": 7846, "1997-02-01": 8476, "1997-03-01": 7248}
EXPECTED_RETENTION = {
    1: {"1997-01-01": 0.1475, "1997-02-01": 0.1548, "1997-03-01": 0.1424},
    2: {"1997-01-01": 0.1229, "1997-02-01": 0.1156, "1997-03-01": 0.1038},
    3: {"1997-01-01": 0.1032, "1997-02-01": 0.0924, "1997-03-01": 0.1043},
}


@pytest.fixture(scope="module")
def cdnow_warehouse(tmp_path_factory) -> Warehouse:
    work_dir = tmp_path_factory.mktemp("cdnow")
    raw = work_dir / "raw"
    write_orders(raw, "master")
    database = work_dir / "cdnow.duckdb"
    load_duckdb(raw, database=str(database))
    warehouse = Warehouse(data_dir=raw, database=database, work_dir=work_dir, env=dbt_env(database))
    warehouse.dbt("build", "--vars", "{as_of_date: '1998-06-30'}")
    return warehouse


def test_cdnow_first_order_month_cohorts(cdnow_warehouse):
    matrix = cdnow_warehouse.query(
        """
        select cast(cohort_start as varchar) as cohort_month, period_number, cohort_size, retention_rate, is_complete
        from marts.fct_cohort_retention
        where cohort_basis = 'first_order' and activity_basis = 'purchase' and period_grain = 'month'
        """
    )
    assert sorted(matrix["cohort_month"].unique()) == sorted(EXPECTED_SIZES)
    sizes = matrix[matrix.period_number == 0].set_index("cohort_month")["cohort_size"].to_dict()
    assert sizes == EXPECTED_SIZES
    for n, expected in EXPECTED_RETENTION.items():
        got = matrix[matrix.period_number == n].set_index("cohort_month")["retention_rate"].to_dict()
        for month, rate in expected.items():
            assert got[month] == pytest.approx(rate, abs=5e-5), (n, month)
    # 1997-01 .. 1998-06 is 18 months: the January cohort has periods 0..17, all complete on 1998-06-30
    january = matrix[matrix.cohort_month == "1997-01-01"]
    assert sorted(january.period_number) == list(range(18))
    assert january.is_complete.all()


def test_cdnow_purchase_matrix_equals_pandas(cdnow_warehouse):
    """Every cell of the purchase-basis month matrix equals a direct pandas computation on the file."""
    tx = read_transactions("master")
    tx["month"] = pd.to_datetime(tx["purchase_date"]).dt.to_period("M")
    first = tx.groupby("customer_id")["month"].min().rename("cohort")
    tx = tx.join(first, on="customer_id")
    tx["n"] = (tx["month"] - tx["cohort"]).apply(lambda offset: offset.n)
    expected = (tx.groupby(["cohort", "n"])["customer_id"].nunique() / first.value_counts()).dropna()
    matrix = cdnow_warehouse.query(
        """
        select cohort_start, period_number, retention_rate, retained_customers
        from marts.fct_cohort_retention
        where cohort_basis = 'first_order' and activity_basis = 'purchase' and period_grain = 'month'
        """
    )
    matrix["cohort"] = pd.to_datetime(matrix["cohort_start"]).dt.to_period("M")
    got = matrix.set_index(["cohort", "period_number"])["retention_rate"]
    got = got[got > 0]
    assert len(got) == len(expected)
    for key, rate in expected.items():
        assert got[key] == pytest.approx(rate, abs=1e-12)


def test_cdnow_customers_are_inferred_and_revenue_reconciles(cdnow_warehouse):
    tx = read_transactions("master")
    summary = cdnow_warehouse.query(
        "select count(*) as customers, sum(case when is_inferred then 1 else 0 end) as inferred, "
        "sum(lifetime_net_revenue) as revenue, sum(lifetime_orders) as orders from marts.dim_customers"
    ).iloc[0]
    assert summary.customers == tx.customer_id.nunique() == 23570
    assert summary.inferred == summary.customers
    assert summary.orders == len(tx)
    assert float(summary.revenue) == pytest.approx(tx.dollar_value.sum(), abs=0.005)


@pytest.fixture(scope="module")
def cdnow_core() -> dict:
    """The insight oracle's inputs straight from the file, not from the warehouse: every customer is inferred with
    signup at the first purchase, the purchase days are the only active days (the feed has no events), and each
    line is a valid order worth its dollar value."""
    tx = read_transactions("master")
    tx["order_date"] = pd.to_datetime(tx["purchase_date"])
    first = tx.groupby("customer_id")["order_date"].min()
    customers = pd.DataFrame({"customer_id": first.index, "signup_date": first.values,
                              "first_order_date": first.values})
    activity = tx[["customer_id", "order_date"]].drop_duplicates().rename(columns={"order_date": "activity_date"})
    activity["is_purchase_day"] = True
    orders = pd.DataFrame({"customer_id": tx["customer_id"], "order_date": tx["order_date"],
                           "net_revenue": [Decimal(f"{value:.2f}") for value in tx["dollar_value"]]})
    return {"customers": customers, "activity": activity, "orders": orders, "as_of": pd.Timestamp("1998-06-30")}


def test_cdnow_retention_brackets_equal_pandas(cdnow_warehouse, cdnow_core):
    mart = check_brackets(cdnow_warehouse.query, cdnow_core)
    # the last cohort day is 1997-03-31: every bracket (up to day 90) has ended by 1998-06-30
    assert mart.is_complete.all()
    january = mart[(mart.cohort_basis == "first_order") & (mart.activity_basis == "purchase")
                   & (mart.cohort_date < "1997-02-01")]
    assert january.groupby("cohort_date").cohort_size.first().sum() == EXPECTED_SIZES["1997-01-01"]


def test_cdnow_nday_value_equals_pandas(cdnow_warehouse, cdnow_core):
    mart = check_nday_value(cdnow_warehouse.query, cdnow_core)
    assert mart.is_complete.all()  # 1997-03-31 + 365 days is before 1998-06-30
    months = mart[(mart.cohort_basis == "first_order") & (mart.cohort_grain == "month")]
    assert sorted(months.cohort_start.dt.strftime("%Y-%m-%d").unique()) == sorted(EXPECTED_SIZES)


def test_cdnow_usage_interval_equals_pandas(cdnow_warehouse, cdnow_core):
    mart = check_usage_interval(cdnow_warehouse.query, cdnow_core)
    assert dict(zip(mart.cohort_month.dt.strftime("%Y-%m-%d"), mart.cohort_size)) == EXPECTED_SIZES
