"""Whole pipeline on generated data with every fault class injected: every injected faulty row is caught for
its reason, no clean row is quarantined, and per raw table rows in = kept + merged + quarantined."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import fault_manifest, quarantined_rows
from retention_warehouse import contract


@pytest.fixture(scope="module")
def manifest(faulty_warehouse) -> pd.DataFrame:
    return fault_manifest(faulty_warehouse)


@pytest.fixture(scope="module")
def quarantine(faulty_warehouse) -> pd.DataFrame:
    return quarantined_rows(faulty_warehouse)


def test_every_fault_class_is_injected(manifest):
    expected = {
        "duplicate_event", "resent_order", "duplicate_customer", "duplicate_assignment", "null_key", "orphan_item",
        "negative_amount", "unknown_currency", "future_timestamp", "out_of_range_timestamp", "late_arriving",
        "test_account", "test_order", "outlier", "hostile_string",
    }
    assert expected <= set(manifest.fault_class)


def test_every_quarantine_fault_is_caught_for_its_reason(manifest, quarantine):
    to_quarantine = manifest[~manifest.expected_outcome.isin(["merged", "kept"])]
    caught = to_quarantine.merge(
        quarantine, how="left",
        left_on=["source_table", "record_id", "expected_outcome"],
        right_on=["source_table", "record_id", "quarantine_reason"],
        indicator=True,
    )
    missed = caught[caught["_merge"] == "left_only"]
    assert missed.empty, f"{len(missed)} injected rows not quarantined for their reason:\n{missed.head(20)}"


def test_no_clean_row_is_quarantined(manifest, quarantine):
    faulty_keys = set(zip(manifest.source_table, manifest.record_id))
    clean_quarantined = [key for key in zip(quarantine.source_table, quarantine.record_id) if key not in faulty_keys]
    assert not clean_quarantined, f"clean rows quarantined: {clean_quarantined[:20]}"
    # and no more quarantine rows than injected faulty rows of each table
    injected = manifest[~manifest.expected_outcome.isin(["merged", "kept"])].groupby("source_table").size()
    assert quarantine.groupby("source_table").size().to_dict() == injected.to_dict()


def test_duplicates_are_merged(faulty_warehouse, manifest):
    merged = faulty_warehouse.query(
        "select source_table, rows_merged from staging.stg_shop__reconciliation").set_index("source_table")["rows_merged"]
    injected = manifest[manifest.expected_outcome == "merged"].groupby("source_table").size()
    for table, rows in merged.items():
        assert rows == injected.get(table, 0), table


def test_reconciliation_holds_per_table(faulty_warehouse):
    reconciliation = faulty_warehouse.query("select * from staging.stg_shop__reconciliation")
    assert set(reconciliation.source_table) == set(contract.TABLES)  # every raw table, loyalty_ledger included
    for row in reconciliation.itertuples():
        assert row.rows_in == row.rows_kept + row.rows_merged + row.rows_quarantined, row.source_table
    raw_counts = faulty_warehouse.query(
        "select 'events' as t, count(*) as n from raw.events union all select 'orders', count(*) from raw.orders"
    ).set_index("t")["n"]
    assert reconciliation.set_index("source_table").loc["events", "rows_in"] == raw_counts["events"]


def test_late_events_are_kept_on_the_day_they_occurred(faulty_warehouse, manifest):
    late = manifest[manifest.fault_class == "late_arriving"].record_id.tolist()
    assert late
    kept = faulty_warehouse.query(
        "select event_id, cast(occurred_at as date) as event_day, event_date from staging.stg_shop__events "
        f"where event_id in ({', '.join(repr(e) for e in late)})"
    )
    assert len(kept) == len(late)
    assert (kept.event_day == kept.event_date).all()


def test_generated_customers_are_never_inferred(faulty_warehouse):
    inferred = faulty_warehouse.query("select count(*) as n from marts.dim_customers where is_inferred").n[0]
    assert inferred == 0


EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
PHONE = r"^\+?[0-9][0-9 ()./-]{7,}[0-9]$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"


def test_no_personal_data_leaves_staging(faulty_warehouse):
    """Every text column of every relation outside raw and staging is scanned for values that look like an email
    address or a phone number; none may be found (the raw feed does hold emails, so the scan can find them)."""
    with faulty_warehouse.connect() as con:
        assert con.execute(f"select count(*) from raw.customers where regexp_matches(email, '{EMAIL}')").fetchone()[0]
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema not in ('raw', 'staging', 'information_schema', 'pg_catalog') "
            "and data_type = 'VARCHAR'"
        ).fetchall()
        assert {schema for schema, _, _ in columns} >= {"intermediate", "marts", "snapshots"}
        for schema, table, column in columns:
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" where regexp_matches("{column}", \'{EMAIL}\') '
                f'or (regexp_matches("{column}", \'{PHONE}\') and not regexp_matches("{column}", \'{ISO_DATE}\'))'
            ).fetchone()[0]
            assert hits == 0, f"{schema}.{table}.{column} holds email- or phone-like values"
