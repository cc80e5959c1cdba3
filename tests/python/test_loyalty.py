"""Loyalty points and coupons (issue #25): the retention-by-points and coupon marts against independent pandas
computations, the generator's true programme effect inside the mart's interval, and the derived ledger loaded back
as a supplied ledger giving the same marts.

The coupon and balance checks read the session warehouse (faulty_warehouse: no loyalty ledger, so the ledger is
derived). The programme checks build a small warehouse of their own (400 customers over 300 days, programme on)
with only the models they need."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import Warehouse, build_warehouse, dbt_env

Z = 1.959963984540054
LOYALTY_MODELS = ("+fct_loyalty_redemption_retention", "+fct_loyalty_customer_points", "+fct_loyalty_points_daily")


def wald(p_a, n_a, p_b, n_b):
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    return p_b - p_a - Z * se, p_b - p_a + Z * se


# ------------------------------------------------------------------------------------- session warehouse


def test_coupon_orders_match_pandas(faulty_warehouse):
    orders = faulty_warehouse.query("select * from marts.fct_orders")
    mart = faulty_warehouse.query("select * from marts.fct_coupon_orders_monthly").set_index(["coupon_code", "order_month"])
    coupon = orders[orders.coupon_code.notna()].copy()
    coupon["order_month"] = pd.to_datetime(coupon.order_date).dt.to_period("M").dt.to_timestamp().dt.date
    coupon["recent"] = coupon.days_since_previous_order.le(90).fillna(False)
    coupon["discount"] = coupon.discount_amount.astype(float) * coupon.fx_rate.astype(float)
    expected = coupon.groupby(["coupon_code", "order_month"]).agg(
        orders=("order_id", "size"), customers=("customer_id", "nunique"),
        new_customer_orders=("is_first_order", "sum"), recent_buyer_orders=("recent", "sum"),
        discount=("discount", "sum"), net_revenue=("net_revenue", lambda s: float(s.astype(float).sum())))
    assert len(expected) == len(mart) > 0
    joined = expected.join(mart, rsuffix="_mart")
    assert (joined.orders == joined.orders_mart).all()
    assert (joined.customers == joined.customers_mart).all()
    assert (joined.new_customer_orders == joined.new_customer_orders_mart).all()
    assert (joined.orders - joined.new_customer_orders == joined.returning_customer_orders).all()
    assert (joined.recent_buyer_orders == joined.recent_buyer_orders_mart).all()
    assert np.allclose(joined.discount, joined.discount_amount.astype(float), atol=1e-6)
    assert np.allclose(joined.net_revenue, joined.net_revenue_mart.astype(float), atol=1e-6)


def test_coupon_repeat_rates_match_pandas(faulty_warehouse):
    orders = faulty_warehouse.query("select * from marts.fct_orders")
    days = faulty_warehouse.query(
        "select customer_id, activity_date from marts.fct_customer_activity_daily where is_purchase_day")
    as_of = faulty_warehouse.query("select as_of_date from intermediate.int_as_of_date").as_of_date[0]
    mart = faulty_warehouse.query("select * from marts.fct_coupon_repeat_rates")
    mart["cohort_month"] = pd.to_datetime(mart.cohort_month)
    first = orders[orders.is_first_order][["customer_id", "order_date", "order_channel", "coupon_code"]].copy()
    first["order_date"] = pd.to_datetime(first.order_date)
    first["channel"] = first.order_channel.fillna("unknown")
    first["cohort_month"] = first.order_date.dt.to_period("M").dt.to_timestamp()
    first["coupon"] = first.coupon_code.notna()
    days["activity_date"] = pd.to_datetime(days.activity_date)
    merged = first.merge(days, on="customer_id")
    for window in (30, 90):
        lag = (merged.activity_date - merged.order_date).dt.days
        repeaters = set(merged.customer_id[(lag >= 1) & (lag <= window)])
        done = first[first.order_date + pd.Timedelta(days=window) <= pd.Timestamp(as_of)].copy()
        done["repeat"] = done.customer_id.isin(repeaters)
        expected = done.groupby(["channel", "cohort_month", "coupon"]).agg(n=("repeat", "size"), k=("repeat", "sum"))
        rows = mart[mart.window_days == window].set_index(["order_channel", "cohort_month"])
        assert len(rows) == done.groupby(["channel", "cohort_month"]).ngroups > 0
        for (channel, month), row in rows.iterrows():
            for flag, n_col, k_col in ((True, "coupon_first_orders", "coupon_repeaters"),
                                       (False, "other_first_orders", "other_repeaters")):
                n, k = expected.loc[(channel, month, flag)] if (channel, month, flag) in expected.index else (0, 0)
                assert (row[n_col], row[k_col]) == (n, k), (window, channel, month, flag)
            if row.coupon_first_orders and row.other_first_orders:
                p_a, p_b = row.other_repeat_rate, row.coupon_repeat_rate
                lower, upper = wald(p_a, row.other_first_orders, p_b, row.coupon_first_orders)
                assert row.difference_ci_lower == pytest.approx(lower, abs=1e-9)
                assert row.difference_ci_upper == pytest.approx(upper, abs=1e-9)


def test_derived_ledger_balances_and_reconciles(faulty_warehouse):
    """Without a supplied ledger the rules apply; the balance identity holds and the raw table reconciles."""
    ledger = faulty_warehouse.query("select ledger_source, count(*) as n from intermediate.int_loyalty_ledger group by 1")
    assert list(ledger.ledger_source) == ["derived"]
    points = faulty_warehouse.query("select * from marts.fct_loyalty_customer_points")
    assert ((points.lifetime_points_earned - points.lifetime_points_redeemed - points.lifetime_points_expired)
            == points.points_balance).all()
    dim = faulty_warehouse.query("select customer_id, points_balance from marts.dim_customers")
    joined = dim.merge(points[["customer_id", "points_balance"]], on="customer_id", how="left", suffixes=("", "_mart"))
    assert (joined.points_balance == joined.points_balance_mart.fillna(0)).all()
    recon = faulty_warehouse.query("select * from staging.stg_shop__reconciliation where source_table = 'loyalty_ledger'")
    assert len(recon) == 1 and recon.rows_in[0] == 0


# ------------------------------------------------------------------------------------- programme warehouse


@pytest.fixture(scope="module")
def loyalty_warehouse(tmp_path_factory) -> Warehouse:
    return build_warehouse(tmp_path_factory.mktemp("loyalty"), customers=400, seed=11, days=300, loyalty=True,
                           command="run", build_args=("--select", *LOYALTY_MODELS))


def test_programme_effect_within_the_interval(loyalty_warehouse):
    truth = json.loads((loyalty_warehouse.data_dir / "_truth" / "parameters.json").read_text())["loyalty"]
    row = loyalty_warehouse.query(
        "select * from marts.fct_loyalty_redemption_retention where cohort_grain = 'all'").iloc[0]
    assert row.evidence == "correlation"
    assert row.redeemers > 30 and row.non_redeemers > 30
    assert row.difference_ci_lower <= truth["declared_retention_lift"] <= row.difference_ci_upper


def test_redemption_retention_matches_pandas(loyalty_warehouse):
    ledger = pd.read_parquet(loyalty_warehouse.data_dir / "loyalty_ledger.parquet")
    orders = loyalty_warehouse.query("select customer_id, order_date from intermediate.int_orders_enriched where is_first_order")
    days = loyalty_warehouse.query("select customer_id, activity_date from intermediate.int_customer_activity_days")
    as_of = pd.Timestamp(loyalty_warehouse.query("select as_of_date from intermediate.int_as_of_date").as_of_date[0])
    mart = loyalty_warehouse.query("select * from marts.fct_loyalty_redemption_retention")
    mart["cohort_start"] = pd.to_datetime(mart.cohort_start)
    ledger["day"] = ledger.occurred_at.dt.floor("D")
    first = orders.assign(order_date=pd.to_datetime(orders.order_date))
    first = first[first.order_date + pd.Timedelta(days=90) <= as_of]
    early = ledger.merge(first, on="customer_id")
    lag = (early.day - early.order_date).dt.days
    early = early[(lag >= 0) & (lag < 30)]
    earned = set(early.customer_id[early.reason.str.startswith("earn") & (early.points > 0)])
    redeemed = set(early.customer_id[early.reason == "redeem"])
    days["activity_date"] = pd.to_datetime(days.activity_date)
    active = days.merge(first, on="customer_id")
    lag = (active.activity_date - active.order_date).dt.days
    retained = set(active.customer_id[(lag >= 30) & (lag <= 90)])
    pop = first[first.customer_id.isin(earned)].copy()
    pop["redeemer"] = pop.customer_id.isin(redeemed)
    pop["retained"] = pop.customer_id.isin(retained)
    pop["month"] = pop.order_date.dt.to_period("M").dt.to_timestamp()
    groups = [("all", pop)] + [(month, part) for month, part in pop.groupby("month")]
    assert len(mart) == len(groups)
    for key, part in groups:
        row = mart[(mart.cohort_grain == "all")].iloc[0] if key == "all" else \
            mart[(mart.cohort_grain == "month") & (mart.cohort_start == key)].iloc[0]
        red, non = part[part.redeemer], part[~part.redeemer]
        assert (row.redeemers, row.redeemers_retained) == (len(red), red.retained.sum())
        assert (row.non_redeemers, row.non_redeemers_retained) == (len(non), non.retained.sum())
        if len(red) and len(non):
            lower, upper = wald(non.retained.mean(), len(non), red.retained.mean(), len(red))
            assert row.difference_ci_lower == pytest.approx(lower, abs=1e-9)
            assert row.difference_ci_upper == pytest.approx(upper, abs=1e-9)


def test_derived_ledger_loaded_back_gives_the_same_marts(loyalty_warehouse, tmp_path):
    """The ledger the rules derive, written as a loyalty_ledger file and loaded, is the supplied ledger: the
    same entries and the same marts."""
    from retention_warehouse.load import load_duckdb

    source = loyalty_warehouse
    ledger_models = ("int_loyalty_rule_entries", "int_loyalty_expiries", "int_loyalty_ledger_derived",
                     "int_loyalty_ledger", "fct_loyalty_customer_points", "fct_loyalty_points_daily",
                     "fct_loyalty_programme_monthly")
    rules = "loyalty_expiry_rule: inactivity, loyalty_expiry_days: 60"   # expiries inside the 300 days
    source.dbt("run", "--select", *ledger_models, "--vars", f"{{loyalty_ledger_source: derived, {rules}}}")
    derived = source.query("select * from intermediate.int_loyalty_ledger_derived")
    marts = {name: source.query(f"select * from marts.{name}") for name in
             ("fct_loyalty_customer_points", "fct_loyalty_points_daily", "fct_loyalty_programme_monthly")}
    raw = tmp_path / "raw"
    shutil.copytree(source.data_dir, raw, ignore=shutil.ignore_patterns("loyalty_ledger.parquet", "_truth"))
    derived.rename(columns={"entry_reason": "reason"})[
        ["customer_id", "occurred_at", "points", "reason", "order_id", "entry_id"]].to_csv(
        raw / "loyalty_ledger.csv", index=False)
    database = tmp_path / "warehouse.duckdb"        # the built warehouse, its raw tables loaded again
    shutil.copy(source.database, database)
    load_duckdb(raw, database=str(database))
    loaded = Warehouse(data_dir=raw, database=database, work_dir=tmp_path, env=dbt_env(database))
    loaded.dbt("run", "--select", "base_shop__loyalty_ledger", "stg_shop__loyalty_ledger", *ledger_models,
               "--vars", f"{{loyalty_ledger_source: supplied, {rules}}}")
    supplied = loaded.query("select * from intermediate.int_loyalty_ledger")
    assert set(supplied.ledger_source) == {"supplied"}
    assert (derived.entry_reason == "expire").any() and (derived.entry_reason == "adjust").any()
    key = ["entry_id", "customer_id", "entry_reason", "points", "entry_date"]
    pd.testing.assert_frame_equal(supplied[key].sort_values("entry_id").reset_index(drop=True),
                                  derived[key].sort_values("entry_id").reset_index(drop=True), check_dtype=False)
    for name, expected in marts.items():
        actual = loaded.query(f"select * from marts.{name}")
        order = list(expected.columns[:1])
        pd.testing.assert_frame_equal(actual.sort_values(order).reset_index(drop=True),
                                      expected.sort_values(order).reset_index(drop=True), check_dtype=False)
