"""Score the expected date of next order (marts.fct_customer_predictions) against the orders that really followed.

Build the warehouse with an as_of_date before the end of the raw data and the horizon set to the days that follow,
e.g. generate 540 days and build with --vars '{as_of_date: <day 420>, clv_horizon_days: 120}': the valid orders
after as_of_date in the raw files are the truth (every model ignores data after as_of_date, so none of it leaks
into the predictions). The truth is read from the raw files, not from the warehouse: an order counts unless it is
cancelled (status cancelled or a cancelled_at), a test order, or a row the generator corrupted (its
_truth/faults.parquet; a resent order is one order, in its latest version by updated_at). For generated data these
are exactly the purchases of the generating process. Order days are UTC: build with the default reporting_timezone UTC.

Scored: customers with prediction_status ok, at least 2 purchase days (so the baseline is defined) and a valid
order in the scored window, the days after as_of_date that are both in the raw data and in the horizon. The
expected date of next order is the median day of the next order given one within the horizon, so with the horizon
equal to the holdout, prediction and score condition on the same event. For each customer, the predicted wait in
days from as_of_date to the next purchase day:
* model: expected_next_order_date - as_of_date (= ceil(days_to_next_order));
* baseline: last order day + ceil(median gap between purchase days), at least as_of_date + 1 (a next order
  cannot fall on or before as_of_date);
against the true wait (first purchase day after as_of_date - as_of_date). Printed: both mean absolute errors in
days, their ratio (model / baseline; below 1 = the model is better), and the model's MAE over every customer with
a next order in the window (one-purchase-day customers included, where the baseline has no answer). Customers
without an order in the window are not scored: their truth is censored.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .cli import HelpFormatter

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ORDER_FILES = ("orders.parquet", "orders.csv", "orders.csv.gz")


def true_orders(truth_dir: str | Path) -> pd.DataFrame:
    """The valid orders of a raw folder (generated or any file of the raw input contract): customer_id and
    order_date (UTC), one row per order id."""
    import pandas as pd

    folder = Path(truth_dir)
    path = next((folder / name for name in ORDER_FILES if (folder / name).exists()), None)
    if path is None:
        raise FileNotFoundError(f"no orders file ({', '.join(ORDER_FILES)}) in {folder}")
    orders = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    # a resent order is one order: its latest version holds its status (as the warehouse's dedupe keeps it)
    if "updated_at" in orders:
        orders = orders.assign(_updated=pd.to_datetime(orders["updated_at"], utc=True, format="mixed"))
        orders = orders.sort_values("_updated", kind="stable", na_position="first")
    orders = orders.drop_duplicates("order_id", keep="last")
    ordered_at = pd.to_datetime(orders["ordered_at"], utc=True, format="mixed")
    keep = orders["customer_id"].notna() & ordered_at.notna()
    if "status" in orders:
        keep &= orders["status"].fillna("").str.lower() != "cancelled"
    if "cancelled_at" in orders:
        keep &= orders["cancelled_at"].isna()
    if "is_test" in orders:
        keep &= ~orders["is_test"].astype(str).str.lower().isin(["true", "1"])
    faults_path = folder / "_truth" / "faults.parquet"
    if faults_path.exists():
        faults = pd.read_parquet(faults_path)
        corrupted = faults[(faults["source_table"] == "orders") & (faults["fault_class"] != "resent_order")]
        keep &= ~orders["order_id"].astype(str).isin(set(corrupted["record_id"]))
    valid = pd.DataFrame({
        "order_id": orders["order_id"].astype(str),
        "customer_id": orders["customer_id"].astype(str),
        "order_date": ordered_at.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize(),
    })[keep]
    return valid.sort_values("order_id").reset_index(drop=True)


def mean_absolute_error(predicted: np.ndarray, actual: np.ndarray) -> float:
    import numpy as np

    predicted, actual = np.asarray(predicted, float), np.asarray(actual, float)
    return float(np.mean(np.abs(predicted - actual))) if len(actual) else float("nan")


def baseline_wait_days(last_order_date: pd.Series, median_gap_days: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Days from as_of to last order day + ceil(median gap), at least 1 (the next order comes after as_of)."""
    import numpy as np
    import pandas as pd

    due = pd.to_datetime(last_order_date) + pd.to_timedelta(np.ceil(median_gap_days.astype(float)), unit="D")
    return (due - as_of).dt.days.clip(lower=1)


def truth_end_date(truth_dir: str | Path, orders: pd.DataFrame) -> pd.Timestamp:
    """The last day of the raw data: the generator's period end when it wrote one, else the last order day."""
    import pandas as pd

    parameters = Path(truth_dir) / "_truth" / "parameters.json"
    if parameters.exists():
        end_exclusive = json.loads(parameters.read_text())["end_exclusive"]
        return pd.Timestamp(end_exclusive) - pd.Timedelta(days=1)
    return orders["order_date"].max()


def score(database: str | Path, truth_dir: str | Path) -> dict[str, float | int | str]:
    import duckdb
    import pandas as pd

    with duckdb.connect(str(database), read_only=True) as con:
        as_of = pd.Timestamp(con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0])
        predictions = con.execute(
            "select customer_id, prediction_status, purchase_days, last_order_date, expected_next_order_date, "
            "horizon_days from marts.fct_customer_predictions").fetchdf()
        rhythm = con.execute(
            "select customer_id, median_gap_days from intermediate.int_customer_purchase_rhythm").fetchdf()
    orders = true_orders(truth_dir)
    end = truth_end_date(truth_dir, orders)
    holdout_days = max(int((end - as_of).days), 0) if pd.notna(end) else 0
    horizon_days = int(predictions["horizon_days"].max()) if len(predictions) else 0
    # the next order is scored where it is known and inside the horizon the prediction is conditioned on
    window_days = min(holdout_days, horizon_days)
    after = orders[(orders["order_date"] > as_of) & (orders["order_date"] <= as_of + pd.Timedelta(days=window_days))]
    next_order = after.groupby("customer_id", as_index=False)["order_date"].min().rename(
        columns={"order_date": "next_order_date"})
    result: dict[str, float | int | str] = {
        "as_of_date": str(as_of.date()),
        "truth_end_date": str(end.date()) if pd.notna(end) else "",
        "holdout_days": holdout_days,
        "horizon_days": horizon_days,
        "scored_window_days": window_days,
        "prediction_status": ", ".join(sorted(set(predictions["prediction_status"]))),
        "customers": len(predictions),
    }
    frame = predictions.merge(next_order, on="customer_id", how="inner").merge(rhythm, on="customer_id", how="left")
    frame = frame[frame["prediction_status"] == "ok"].copy()
    frame["true_wait_days"] = (frame["next_order_date"] - as_of).dt.days
    frame["model_wait_days"] = (pd.to_datetime(frame["expected_next_order_date"]) - as_of).dt.days
    result["customers_with_next_order"] = len(frame)
    result["model_mae_days_all"] = mean_absolute_error(frame["model_wait_days"], frame["true_wait_days"])

    repeat = frame[(frame["purchase_days"] >= 2) & frame["median_gap_days"].notna()].copy()
    repeat["baseline_wait_days"] = baseline_wait_days(repeat["last_order_date"], repeat["median_gap_days"], as_of)
    model_mae = mean_absolute_error(repeat["model_wait_days"], repeat["true_wait_days"])
    baseline_mae = mean_absolute_error(repeat["baseline_wait_days"], repeat["true_wait_days"])
    result["scored_customers"] = len(repeat)
    result["model_mae_days"] = model_mae
    result["baseline_mae_days"] = baseline_mae
    result["mae_ratio_model_to_baseline"] = (model_mae / baseline_mae if baseline_mae and not math.isnan(baseline_mae)
                                             else float("nan"))
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m retention_warehouse score-next-order`` (standard library only)."""
    parser.add_argument("--database", default=os.environ.get("DBT_DUCKDB_PATH", "retention.duckdb"),
                        help="DuckDB file built with an as_of_date before the end of the raw data "
                             "($DBT_DUCKDB_PATH when set)")
    parser.add_argument("--truth", required=True, default=argparse.SUPPRESS,
                        help="the raw folder the warehouse was loaded from (generator output: its orders and "
                             "_truth/faults.parquet)")


def run(args: argparse.Namespace) -> int:
    truth_dir = Path(args.truth)
    for key, value in score(args.database, truth_dir).items():
        print(f"{key:<40}{value:.4f}" if isinstance(value, float) else f"{key:<40}{value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retention_warehouse score-next-order", description=__doc__,
                                     formatter_class=HelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
