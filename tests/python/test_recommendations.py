"""Personalization on generated data (issue 9).

(a) The offline evaluation (retention_warehouse/recommendations_eval.py) of fct_customer_recommendations, built with
    as_of_date = T, against what customers really bought after T: the recommendations beat the most-popular
    baseline on hit rate@10 (and @5, and on recall). The generator gives customers real category and price-band
    preferences, so there is signal to find; a global popularity list ignores it.
(b) The early behaviours that the generator made protective (params.EARLY_EFFECTS: a review of the first order within
    a week, app use in the first week, a coupon on an early first order lower the dropout probability) show a positive
    retention difference in fct_retention_drivers. Checked on the first-order anchor and the day_90 window (active on
    days 31..90), where the effect on dropout after a purchase shows: the signup anchor mixes in prospects, who never
    buy and whom the effect does not reach, and day_30 is blurred by one-off follow-ups (a review written later counts
    as activity for the customers who did not review early).

The warehouse is built once for the module: 6,000 customers over 365 days (about 30 s with `dbt build`, every unit
and data test included), as of 2024-11-01, leaving two months of purchases to evaluate against.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import build_warehouse
from retention_warehouse import recommendations_eval

AS_OF = "2024-11-01"
PROTECTIVE = ("left_review", "used_app", "used_coupon")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("p13n"), customers=6000, days=365, seed=3, fault_rate=0.0,
                           build_args=("--vars", f"{{as_of_date: '{AS_OF}'}}"))


@pytest.fixture(scope="module")
def evaluation(warehouse) -> pd.DataFrame:
    result = recommendations_eval.evaluate(warehouse.database)
    print("\n" + recommendations_eval.format_table(result))
    return result.set_index(["method", "k"])


def test_evaluation_uses_the_build_as_of_date_and_later_purchases(evaluation):
    assert set(evaluation.as_of_date) == {AS_OF}
    assert (evaluation.customers > 300).all()
    assert evaluation.loc[("recommendations", 10), "coverage"] > 0.95


@pytest.mark.parametrize("k", [5, 10])
def test_recommendations_beat_the_popularity_baseline(evaluation, k):
    ours, baseline = evaluation.loc[("recommendations", k)], evaluation.loc[("most_popular", k)]
    assert ours.hit_rate > baseline.hit_rate + 0.05, (ours.hit_rate, baseline.hit_rate)
    assert ours.recall > baseline.recall, (ours.recall, baseline.recall)


def test_recall_and_hit_rate_grow_with_k(evaluation):
    for method in ("recommendations", "most_popular"):
        assert evaluation.loc[(method, 10), "hit_rate"] >= evaluation.loc[(method, 5), "hit_rate"]
        assert evaluation.loc[(method, 10), "recall"] >= evaluation.loc[(method, 5), "recall"]


def test_command_line_prints_the_table(warehouse, capsys):
    assert recommendations_eval.main(["--database", str(warehouse.database), "--k", "5", "10"]) == 0
    out = capsys.readouterr().out
    assert f"as_of_date {AS_OF}" in out
    assert "recommendations" in out and "most_popular" in out


def test_hit_rate_and_recall_definitions():
    recommended = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "rank": [1, 2, 3, 1],
                                "product_id": ["p1", "p2", "p3", "p9"]})
    relevant = {"a": {"p2", "p3", "p4", "p5"}, "b": {"p1"}, "c": {"p1"}}   # c has no recommendation: a miss
    assert recommendations_eval.score(recommended, relevant, k=1) == {"hit_rate": 0.0, "recall": 0.0}
    at_3 = recommendations_eval.score(recommended, relevant, k=3)
    assert at_3["hit_rate"] == pytest.approx(1 / 3)
    assert at_3["recall"] == pytest.approx((2 / 4) / 3)


def test_popularity_baseline_skips_what_the_customer_bought():
    history = pd.DataFrame({"customer_id": ["a", "b", "c", "a", "b", "c"],
                            "product_id": ["p1", "p1", "p1", "p2", "p2", "p3"]})
    baseline = recommendations_eval.popularity_baseline(history, ["a", "z"], k=2)
    assert baseline[baseline.customer_id == "a"].product_id.tolist() == ["p3"]
    assert baseline[baseline.customer_id == "z"].product_id.tolist() == ["p1", "p2"]


def test_protective_early_behaviours_go_with_higher_retention(warehouse):
    drivers = warehouse.query(f"""
        select behaviour, customers_with_behaviour, customers_without_behaviour, retention_difference,
            difference_ci_lower, difference_ci_upper
        from marts.fct_retention_drivers
        where anchor_event = 'first_order' and retention_window = 'day_90'
            and behaviour in ({", ".join(f"'{b}'" for b in PROTECTIVE)})
    """).set_index("behaviour")
    print("\n" + drivers.to_string())
    assert set(drivers.index) == set(PROTECTIVE)
    for behaviour, row in drivers.iterrows():
        assert row.customers_with_behaviour >= 100 and row.customers_without_behaviour >= 100, behaviour
        assert row.retention_difference > 0, (behaviour, row.retention_difference)
        assert row.difference_ci_lower < row.retention_difference < row.difference_ci_upper
    # the strongest effect (dropout x 0.55) is significant at this size
    assert drivers.loc["left_review", "difference_ci_lower"] > 0


def test_retention_drivers_only_count_complete_windows(warehouse):
    """Every customer in a day_90 figure had 90 days to return by as_of_date; day_90 therefore compares fewer
    customers than day_30."""
    counts = warehouse.query("""
        select anchor_event, retention_window, max(eligible_customers) as eligible
        from marts.fct_retention_drivers
        group by 1, 2
    """).set_index(["anchor_event", "retention_window"]).eligible
    first_orders = warehouse.query(f"""
        select
            count(*) filter (where order_date + 30 <= date '{AS_OF}') as complete_30,
            count(*) filter (where order_date + 90 <= date '{AS_OF}') as complete_90
        from marts.fct_orders
        where order_sequence = 1
    """).iloc[0]
    assert counts[("first_order", "day_30")] == first_orders.complete_30
    assert counts[("first_order", "day_90")] == first_orders.complete_90
    assert counts[("signup", "day_90")] < counts[("signup", "day_30")]
