"""Faults in a supplied loyalty ledger (the generator's programme with fault_rate > 0): every injected ledger fault
is recorded in the faults manifest, is caught by staging for its reason (or merged), no clean row is quarantined,
and every public mart equals the mart built from the same data without faults.

Two small warehouses of 300 customers over 300 days with the programme on, seed 13: one with faults (`dbt build`,
so the project's data tests run on the faulty ledger), one without (`dbt build` without tests)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

import test_pipeline
from conftest import Warehouse, build_warehouse, fault_manifest, quarantined_rows
from test_engines import assert_same_rows, fetch_duckdb

from retention_warehouse.generate.faults import FAULT_CLASSES, LEDGER_FAULT_CLASSES

DATA = dict(customers=300, seed=13, days=300, loyalty=True)
NO_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
LOYALTY_MARTS = ("fct_loyalty_points_daily", "fct_loyalty_customer_points", "fct_loyalty_programme_monthly",
                 "fct_loyalty_redemption_retention")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> Warehouse:
    return build_warehouse(tmp_path_factory.mktemp("loyalty_faulty"), **DATA, fault_rate=0.02)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Warehouse:
    return build_warehouse(tmp_path_factory.mktemp("loyalty_clean"), **DATA, build_args=NO_TESTS)


@pytest.fixture(scope="module")
def manifest(faulty) -> pd.DataFrame:
    return fault_manifest(faulty)


@pytest.fixture(scope="module")
def quarantine(faulty) -> pd.DataFrame:
    return quarantined_rows(faulty)


def ledger(warehouse: Warehouse) -> pd.DataFrame:
    return pd.read_parquet(warehouse.data_dir / "loyalty_ledger.parquet")


# ------------------------------------------------------------------------------------- the generated files


def test_every_ledger_fault_class_is_injected_and_recorded(faulty, manifest):
    seen = manifest.groupby(["fault_class", "source_table", "expected_outcome"]).size()
    assert set(seen.index) == set(FAULT_CLASSES) | set(LEDGER_FAULT_CLASSES)
    assert seen.min() >= 1
    assert not manifest.duplicated(["source_table", "record_id"]).any()
    params = json.loads((faulty.data_dir / "_truth" / "parameters.json").read_text())
    assert params["faults_by_class"] == manifest.groupby("fault_class", sort=False).size().to_dict()
    assert params["row_counts"]["loyalty_ledger"] == len(ledger(faulty))


def test_the_clean_ledger_is_the_faulty_one_without_its_faults(faulty, clean, manifest):
    faults = manifest[manifest.source_table == "loyalty_ledger"]
    rows = ledger(faulty)
    added = set(faults.record_id[faults.expected_outcome != "merged"])
    resent = set(faults.record_id[faults.expected_outcome == "merged"])
    stripped = rows[~rows.entry_id.isin(added)]
    copies = stripped[stripped.entry_id.isin(resent)]
    assert len(copies) == 2 * len(resent) and not copies.drop_duplicates().duplicated("entry_id").any()
    stripped = stripped[~stripped.duplicated()].reset_index(drop=True)
    assert len(rows) - len(stripped) == len(faults)
    pd.testing.assert_frame_equal(stripped.astype({"points": "int64"}), ledger(clean))   # null points: float
    # the other raw tables are those of a run without the programme's faults
    for table in ("customers", "orders", "order_items", "events", "experiment_assignments"):
        ours = pq.read_table(faulty.data_dir / f"{table}.parquet").num_rows
        injected = ((manifest.source_table == table) & (manifest.expected_outcome != "kept")).sum()
        assert ours - injected == pq.read_table(clean.data_dir / f"{table}.parquet").num_rows, table


def test_an_overdrawn_redemption_follows_the_customers_clean_entries(clean, faulty, manifest):
    overdrawn = set(manifest.record_id[manifest.fault_class == "overdrawn_redemption"])
    rows = ledger(faulty)
    bad = rows[rows.entry_id.isin(overdrawn)]
    assert (bad.reason == "redeem").all() and (bad.points < 0).all()
    entries = ledger(clean).groupby("customer_id").agg(balance=("points", "sum"), last=("occurred_at", "max"))
    joined = bad.join(entries, on="customer_id", how="inner")
    assert len(joined) == len(bad) == len(set(bad.customer_id))
    assert (joined.occurred_at > joined["last"]).all()
    assert (joined.balance + joined.points < 0).all()


# ------------------------------------------------------------------------------------- the warehouse


def test_every_injected_fault_is_caught_for_its_reason(manifest, quarantine):
    assert (manifest.source_table == "loyalty_ledger").sum() > 0
    test_pipeline.test_every_quarantine_fault_is_caught_for_its_reason(manifest, quarantine)


def test_no_clean_row_is_quarantined(manifest, quarantine):
    test_pipeline.test_no_clean_row_is_quarantined(manifest, quarantine)


def test_resent_entries_are_merged_and_the_ledger_reconciles(faulty, manifest):
    recon = faulty.query("select * from staging.stg_shop__reconciliation where source_table = 'loyalty_ledger'")
    row = recon.iloc[0]
    faults = manifest[manifest.source_table == "loyalty_ledger"]
    assert row.rows_merged == (faults.expected_outcome == "merged").sum() > 0
    assert row.rows_quarantined == (faults.expected_outcome != "merged").sum()
    assert row.rows_in == row.rows_kept + row.rows_merged + row.rows_quarantined == len(ledger(faulty))
    sources = faulty.query("select distinct ledger_source from intermediate.int_loyalty_ledger")
    assert list(sources.ledger_source) == ["supplied"]


def test_faulty_ledger_gives_the_marts_of_the_clean_ledger(faulty, clean):
    manifest = json.loads((clean.work_dir / "target" / "manifest.json").read_text())
    marts = sorted((node["name"], list(node["columns"])) for node in manifest["nodes"].values()
                   if node["resource_type"] == "model" and node.get("access") == "public")
    assert {name for name, _ in marts} >= set(LOYALTY_MARTS)
    for name, columns in marts:
        sql = f"select {', '.join(columns)} from marts.{name}"
        expected = fetch_duckdb(clean, sql)
        if name in LOYALTY_MARTS:
            assert expected, f"{name} is empty"
        assert_same_rows(name, columns, expected, fetch_duckdb(faulty, sql), right_engine="the faulty build")
