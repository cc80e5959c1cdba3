"""Snapshots record what the warehouse said, with validity from as_of_date: build, advance as_of_date, build
again; the snapshot holds the old and the new state with correct validity, a third build on unchanged data
adds no rows, and the stage recorded at the first as_of_date equals the stage that the later build derives for
that day from history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import build_warehouse

FIRST, SECOND = "2024-07-31", "2024-09-30"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    warehouse = build_warehouse(tmp_path_factory.mktemp("snap"), customers=800, days=300, seed=11, fault_rate=0.0,
                                build_args=("--vars", f"{{as_of_date: '{FIRST}'}}"))
    first = warehouse.query("select * from snapshots.snap_customer_state")
    warehouse.dbt("build", "--vars", f"{{as_of_date: '{SECOND}'}}")
    second = warehouse.query("select * from snapshots.snap_customer_state")
    warehouse.dbt("build", "--vars", f"{{as_of_date: '{SECOND}'}}")
    third = warehouse.query("select * from snapshots.snap_customer_state")
    return warehouse, first, second, third


def test_first_build_records_every_customer_from_as_of_date(history):
    warehouse, first, _, _ = history
    assert len(first) == first.customer_id.nunique() > 100
    assert set(first.dbt_valid_from.dt.date) == {dt.date.fromisoformat(FIRST)}
    assert first.dbt_valid_to.isna().all()


def test_advancing_as_of_date_records_changes_with_validity_from_the_data(history):
    _, first, second, _ = history
    changed = second.groupby("customer_id").size()
    changed = changed[changed > 1].index
    assert len(changed) > 10, "advancing two months should change some stages"
    old = second[second.customer_id.isin(changed) & second.dbt_valid_to.notna()]
    new = second[second.customer_id.isin(changed) & second.dbt_valid_to.isna()]
    assert set(old.dbt_valid_from.dt.date) == {dt.date.fromisoformat(FIRST)}
    assert set(old.dbt_valid_to.dt.date) == {dt.date.fromisoformat(SECOND)}
    assert set(new.dbt_valid_from.dt.date) == {dt.date.fromisoformat(SECOND)}
    # the old version still says what the first build said
    before = first.set_index("customer_id").loc[changed, ["lifecycle_stage", "membership_tier", "rfm_segment"]]
    recorded = old.set_index("customer_id").loc[changed, ["lifecycle_stage", "membership_tier", "rfm_segment"]]
    pd.testing.assert_frame_equal(before.sort_index(), recorded.sort_index())
    # unchanged customers keep one row; customers who signed up in between get their first row at SECOND
    unchanged = second[~second.customer_id.isin(changed)]
    assert unchanged.dbt_valid_to.isna().all()
    newcomers = set(second.customer_id) - set(first.customer_id)
    assert newcomers
    assert set(second[second.customer_id.isin(newcomers)].dbt_valid_from.dt.date) == {dt.date.fromisoformat(SECOND)}


def test_unchanged_data_adds_no_rows(history):
    _, _, second, third = history
    assert len(third) == len(second)
    pd.testing.assert_frame_equal(
        second.sort_values(["customer_id", "dbt_valid_from"]).reset_index(drop=True),
        third.sort_values(["customer_id", "dbt_valid_from"]).reset_index(drop=True),
    )


def test_history_rebuilt_from_data_matches_what_was_recorded(history):
    """The stage spans of the later build give, for day FIRST, the stage the first build recorded, except for
    customers whose orders were cancelled between the two days (a later cancellation rewrites history)."""
    warehouse, first, _, _ = history
    derived = warehouse.query(
        f"select customer_id, lifecycle_stage from intermediate.int_customer_lifecycle_spans "
        f"where valid_from <= date '{FIRST}' and (valid_to is null or valid_to >= date '{FIRST}')"
    ).set_index("customer_id")["lifecycle_stage"]
    rewritten = set(warehouse.query(
        f"select distinct customer_id from staging.stg_shop__orders "
        f"where cast(cancelled_at as date) > date '{FIRST}' and cast(cancelled_at as date) <= date '{SECOND}'"
    ).customer_id)
    recorded = first.set_index("customer_id")["lifecycle_stage"]
    comparable = [c for c in recorded.index if c not in rewritten]
    assert len(comparable) > 0.9 * len(recorded)
    mismatches = (recorded.loc[comparable] != derived.reindex(comparable)).sum()
    assert mismatches == 0


def test_daily_history_covers_every_day_between_builds(history):
    warehouse, _, second, _ = history
    daily = warehouse.query("select customer_id, state_date, lifecycle_stage from marts.fct_customer_state_daily")
    first_day = dt.date.fromisoformat(FIRST)
    last_day = dt.date.fromisoformat(SECOND)
    per_customer = daily.groupby("customer_id").state_date.agg(["min", "max", "count"])
    veterans = per_customer[per_customer["min"].dt.date == first_day]
    assert (veterans["max"].dt.date == last_day).all()
    assert (veterans["count"] == (last_day - first_day).days + 1).all()
    changed = second.groupby("customer_id").size()
    customer = changed[changed > 1].index[0]
    rows = second[second.customer_id == customer].sort_values("dbt_valid_from")
    mid = daily[(daily.customer_id == customer) & (daily.state_date.dt.date == last_day - dt.timedelta(days=1))]
    assert mid.lifecycle_stage.item() == rows.iloc[0].lifecycle_stage
