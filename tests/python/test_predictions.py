"""The predictive customer fields (fct_customer_predictions, models/docs/predictions.md) on the generated warehouse,
and the next-order scorer's parts (retention_warehouse/score_next_order.py). The CDNOW checks (predicted orders
against lifetimes, the scorer on CDNOW's real holdout) live in test_clv.py, beside the CDNOW build they reuse; the
hand-worked definitions are the mart's dbt unit tests."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import Warehouse, dbt_env
from retention_warehouse.score_next_order import baseline_wait_days, main, mean_absolute_error, true_orders

PREDICTED = ["predicted_orders", "predicted_clv", "total_clv", "churn_probability",
             "order_within_horizon_probability", "days_to_next_order", "expected_next_order_date"]


def test_generated_warehouse_meets_klaviyo_conditions(faulty_warehouse):
    """1,500 customers over 300 days: more than 500 buyers, 180 days of history, repeat buyers - every row ok,
    one per buyer, with its history equal to dim_customers."""
    predictions = faulty_warehouse.query("select * from marts.fct_customer_predictions")
    buyers = faulty_warehouse.query(
        "select customer_id, lifetime_net_revenue, lifetime_orders from marts.dim_customers where lifetime_orders > 0")
    assert len(predictions) == len(buyers) >= 500
    assert set(predictions["prediction_status"]) == {"ok"}
    assert predictions[PREDICTED].notna().all().all()
    assert (predictions["valid_orders"] >= 3).any()
    assert (predictions["expected_next_order_date"] > predictions["as_of_date"]).all()
    both = predictions.merge(buyers, on="customer_id", validate="one_to_one")
    assert (both["historic_clv"] == both["lifetime_net_revenue"]).all()


@pytest.fixture(scope="module")
def short_history(faulty_warehouse, tmp_path_factory) -> Warehouse:
    """A copy of the warehouse with only fct_customer_predictions rebuilt, asking for more history than there is."""
    work_dir = tmp_path_factory.mktemp("predictions")
    database = work_dir / faulty_warehouse.database.name
    shutil.copy(faulty_warehouse.database, database)
    warehouse = Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir,
                          env=dbt_env(database))
    warehouse.dbt("build", "--select", "fct_customer_predictions", "--exclude", "test_type:unit",
                  "--vars", "{predictive_min_history_days: 400}")
    return warehouse


def test_too_little_history_nulls_predictions_with_reason(faulty_warehouse, short_history):
    """300 days of data, 400 required: every predicted field null with too_little_history; the history fields
    (historic CLV, AOV, average days between orders) are those of the full build; the mart's data tests pass."""
    columns = "customer_id, historic_clv, average_order_value, average_days_between_orders"
    rebuilt = short_history.query("select * from marts.fct_customer_predictions order by customer_id")
    assert set(rebuilt["prediction_status"]) == {"too_little_history"}
    assert rebuilt[PREDICTED].isna().all().all()
    original = faulty_warehouse.query(f"select {columns} from marts.fct_customer_predictions order by customer_id")
    pd.testing.assert_frame_equal(rebuilt[columns.split(", ")], original)


# --- the scorer ------------------------------------------------------------------------------------------------------

def test_true_orders_are_the_warehouse_valid_orders(faulty_warehouse):
    """Up to as_of_date (the end of the data here), the scorer's truth read from the faulty raw files - resent
    orders in their latest version, cancelled, test and corrupted rows dropped - is exactly the warehouse's valid
    orders: the truth is taken independently of
    the SQL, and both agree."""
    truth = true_orders(faulty_warehouse.data_dir)
    as_of = faulty_warehouse.query("select as_of_date from intermediate.int_as_of_date")["as_of_date"].iloc[0]
    truth = truth[truth["order_date"] <= pd.Timestamp(as_of)]
    orders = faulty_warehouse.query("select order_id, customer_id, order_date from marts.fct_orders")
    assert truth["order_id"].is_unique
    assert set(truth["order_id"]) == set(orders["order_id"])
    both = truth.merge(orders, on="order_id", suffixes=("_truth", ""))
    assert (both["customer_id_truth"] == both["customer_id"]).all()
    assert (both["order_date_truth"] == pd.to_datetime(both["order_date"])).all()


def test_baseline_wait_is_last_order_plus_median_gap():
    as_of = pd.Timestamp("2024-06-30")
    last = pd.Series(pd.to_datetime(["2024-06-20", "2024-06-01", "2024-06-29"]))
    gaps = pd.Series([30.0, 10.0, 0.5])
    # 06-20 + 30 = 07-20 -> 20 days; 06-01 + 10 = 06-11, overdue -> the day after as_of; 06-29 + ceil 0.5 -> 1
    assert baseline_wait_days(last, gaps, as_of).tolist() == [20, 1, 1]
    assert mean_absolute_error(np.array([20, 1, 1]), np.array([10, 5, 1])) == pytest.approx(14 / 3)
    assert np.isnan(mean_absolute_error(np.array([]), np.array([])))


def test_score_next_order_help_shows_defaults(capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(["--help"])
    assert exit_code.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--truth TRUTH" in text and "(default: " in text and "clv_horizon_days" in text
