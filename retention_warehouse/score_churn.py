"""Score the churn warning and P(alive) against the generator's ground truth (its true dropout dates).

At the build's as_of_date T a customer has truly dropped out when the generator's true_dropout_at is on or before
the end of T (reporting time zone = UTC for generated data). Reports, over the customers with a valid order:
the AUC of 1 - P(alive) for "dropped out" (all buyers, and repeat buyers: BG/NBD gives P(alive) = 1 to every
customer without a repeat purchase, so one-time buyers carry no P(alive) signal by construction), and for the churn
warning (over the customers it can flag: stages new, active, reactivated, lapsing) precision, recall and the base
rate, overall and per warning reason.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .cli import HelpFormatter

if TYPE_CHECKING:
    import numpy as np


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the Mann-Whitney probability that a positive outranks a negative (ties 1/2)."""
    import numpy as np
    import pandas as pd

    scores, labels = np.asarray(scores, float), np.asarray(labels, bool)
    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def score(database: str | Path, truth_dir: str | Path) -> dict[str, float]:
    import duckdb
    import pandas as pd

    truth = pd.read_parquet(Path(truth_dir) / "customers.parquet", columns=["customer_id", "true_dropout_at"])
    with duckdb.connect(str(database), read_only=True) as con:
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
        customers = con.execute(
            "select customer_id, lifecycle_stage, lifetime_orders from marts.dim_customers").fetchdf()
        warnings = con.execute("select customer_id, warning_reason from marts.fct_churn_warning").fetchdf()
        tables = {row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        clv = (con.execute("select customer_id, p_alive, frequency from marts.fct_customer_clv").fetchdf()
               if "fct_customer_clv" in tables else None)
    end_of_day = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    frame = customers.merge(truth, on="customer_id", how="left")
    frame["dropped"] = frame.true_dropout_at.notna() & (frame.true_dropout_at < end_of_day)
    buyers = frame[frame.lifetime_orders > 0]
    result: dict[str, float] = {"as_of_date": str(as_of), "buyers": len(buyers),
                                "dropped_share": float(buyers.dropped.mean())}
    if clv is not None:
        scored = buyers.merge(clv, on="customer_id")
        result["p_alive_auc"] = auc(1 - scored.p_alive.to_numpy(), scored.dropped.to_numpy())
        # BG/NBD gives P(alive) = 1 to every customer without a repeat purchase (the model lets customers drop
        # out only after a repeat purchase), so its signal lives among repeat buyers
        repeaters = scored[scored.frequency > 0]
        result["repeat_buyers"] = len(repeaters)
        result["p_alive_auc_repeat_buyers"] = auc(1 - repeaters.p_alive.to_numpy(), repeaters.dropped.to_numpy())
    eligible = buyers[buyers.lifecycle_stage.isin(["new", "active", "reactivated", "lapsing"])]
    eligible = eligible.merge(warnings, on="customer_id", how="left")
    flagged = eligible.warning_reason.notna()
    result["eligible"] = len(eligible)
    result["flagged"] = int(flagged.sum())
    result["eligible_dropped_share"] = float(eligible.dropped.mean()) if len(eligible) else float("nan")
    result["precision"] = float(eligible.dropped[flagged].mean()) if flagged.any() else float("nan")
    result["recall"] = float(flagged[eligible.dropped].mean()) if eligible.dropped.any() else float("nan")
    for reason in ("overdue_purchase", "unlikely_alive", "overdue_and_unlikely_alive"):
        chosen = eligible.warning_reason == reason
        result[f"precision_{reason}"] = float(eligible.dropped[chosen].mean()) if chosen.any() else float("nan")
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m retention_warehouse score-churn`` (standard library only)."""
    parser.add_argument("--database", default=os.environ.get("DBT_DUCKDB_PATH", "retention.duckdb"),
                        help="DuckDB file built (dbt build) from generated data ($DBT_DUCKDB_PATH when set)")
    parser.add_argument("--truth", required=True,
                        help="the generator's output folder, or its _truth folder (holds customers.parquet with "
                             "the true dropout dates)")


def run(args: argparse.Namespace) -> int:
    truth_dir = Path(args.truth)
    truth_dir = truth_dir / "_truth" if (truth_dir / "_truth").is_dir() else truth_dir
    for key, value in score(args.database, truth_dir).items():
        print(f"{key:<40}{value:.4f}" if isinstance(value, float) else f"{key:<40}{value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retention_warehouse score-churn", description=__doc__,
                                     formatter_class=HelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
