"""The reference an analyst writes in a notebook: pandas from the raw files to the signup-cohort retention
matrix (any activity; day, week and month grains). Used by the benchmark as the speed reference, not as a
definition (the warehouse's definitions are richer: identity stitching, quarantine, valid orders, as_of_date)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

SYSTEM_EVENTS = {"email_sent", "email_opened", "email_clicked", "push_sent", "sms_sent"}


def cohort_matrices(raw_dir: str | Path) -> dict[str, pd.DataFrame]:
    raw_dir = Path(raw_dir)
    customers = pd.read_parquet(raw_dir / "customers.parquet", columns=["customer_id", "signup_at", "is_test"])
    customers = customers[~customers.is_test.fillna(False)]
    events = pd.read_parquet(raw_dir / "events.parquet", columns=["customer_id", "occurred_at", "event_type"])
    events = events[events.customer_id.notna() & ~events.event_type.isin(SYSTEM_EVENTS)]
    orders = pd.read_parquet(raw_dir / "orders.parquet", columns=["customer_id", "ordered_at", "status"])
    orders = orders[orders.status != "cancelled"]
    activity = pd.concat([
        pd.DataFrame({"customer_id": events.customer_id, "day": events.occurred_at.dt.normalize()}),
        pd.DataFrame({"customer_id": orders.customer_id, "day": orders.ordered_at.dt.normalize()}),
        pd.DataFrame({"customer_id": customers.customer_id, "day": customers.signup_at.dt.normalize()}),
    ]).drop_duplicates()
    cohorts = customers.assign(cohort_day=customers.signup_at.dt.normalize())[["customer_id", "cohort_day"]]
    activity = activity.merge(cohorts, on="customer_id")
    activity = activity[activity.day >= activity.cohort_day]
    as_of = activity.day.max()
    matrices = {}
    for grain, freq in (("day", "D"), ("week", "W-SUN"), ("month", "M")):
        cohort_period = activity.cohort_day.dt.to_period(freq)
        period = activity.day.dt.to_period(freq)
        frame = pd.DataFrame({"cohort": cohort_period, "n": (period - cohort_period).map(lambda x: x.n),
                              "customer_id": activity.customer_id})
        retained = frame.drop_duplicates().groupby(["cohort", "n"]).size().rename("retained").reset_index()
        sizes = cohorts.cohort_day.dt.to_period(freq).value_counts().rename("cohort_size")
        retained = retained.join(sizes, on="cohort")
        retained["retention_rate"] = retained.retained / retained.cohort_size
        matrices[grain] = retained[retained.cohort <= as_of.to_period(freq)]
    return matrices


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    matrices = cohort_matrices(argv[0])
    rows = sum(len(m) for m in matrices.values())
    print(f"pandas cohort matrices: {rows} cells in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
