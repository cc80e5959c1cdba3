"""A hostile feed, built once: a small generated shop whose CSV exports carry what real exports and adversaries
bring (time-zone offsets and zone names, null spellings as ids, an order from 1990, an order id reused for two
different orders, emails and phone numbers hidden in ids, countries, channels, coupon codes, experiments,
variants, categories and product names). Each class ends as the boundary rules say: the UTC instant, the
quarantine reason, a warning, a pseudonym. The reconciliation holds, no personal data is found in any relation
outside raw and staging, and the salt is in nothing dbt wrote."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import Warehouse, dbt_env
from retention_warehouse import contract

SALT = "hostile-salt-7f3a9c21"
EMAIL_AS_ID = "Jane.Doe@example.com"
NULL_SPELLINGS = ["NULL", "None", "nan", "undefined", "null"]
# every personal value the feed hides, as the feed spells it
PERSONAL = [
    EMAIL_AS_ID, "jane.roe@example.net", "+49 30 1234567", "bob@example.org", "call 555-123-4567",
    "sales@shop.example", "Phone case +1 (555) 010-9999", "exp.owner@example.co", "+44 7700 900123",
    "anon.x@example.com",
]
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def pseudonym(value: str) -> str:
    return "pii_" + hashlib.sha256((SALT + value).encode()).hexdigest()[:20]


def write_hostile_files(folder: Path) -> None:
    """Turn the generated Parquet files into CSV exports with the hostile rows appended."""
    frames = {path.stem: pd.read_parquet(path) for path in folder.glob("*.parquet")}
    for path in folder.glob("*.parquet"):
        path.unlink()
    customers, orders = frames["customers"], frames["orders"]
    some_customer = str(customers.customer_id.iloc[0])
    signup = "2024-01-20 09:00:00"
    frames["customers"] = pd.concat([customers, pd.DataFrame([
        {"customer_id": EMAIL_AS_ID, "signup_at": signup, "country": "DE", "acquisition_channel": "organic"},
        {"customer_id": "h2", "signup_at": signup, "country": "jane.roe@example.net",
         "acquisition_channel": "+49 30 1234567"},
        {"customer_id": "NULL", "signup_at": signup},
    ])], ignore_index=True)
    hostile_orders = [
        # 23:30 at UTC-8 on the 2nd is 07:30 UTC on the 3rd
        {"order_id": "h-tz-offset", "customer_id": EMAIL_AS_ID, "ordered_at": "2024-02-02T23:30:00-08:00",
         "subtotal": 40, "currency": "USD", "channel": "web"},
        # 22:30 in Los Angeles on 1 March (PST, UTC-8) is 06:30 UTC on 2 March
        {"order_id": "h-tz-name", "customer_id": EMAIL_AS_ID, "ordered_at": "2024-03-01 22:30:00 America/Los_Angeles",
         "subtotal": 25, "currency": "USD", "channel": "web"},
        {"order_id": "h-pii", "customer_id": "h2", "ordered_at": "2024-02-10 10:00:00", "subtotal": 30,
         "currency": "USD", "channel": "bob@example.org", "coupon_code": "call 555-123-4567"},
        {"order_id": "h-1990", "customer_id": some_customer, "ordered_at": "1990-01-02 12:00:00", "subtotal": 15,
         "currency": "USD"},
        # an id reused for two different orders, no updated_at to order them
        {"order_id": "h-reused", "customer_id": "h2", "ordered_at": "2024-02-11 10:00:00", "subtotal": 70,
         "currency": "USD"},
        {"order_id": "h-reused", "customer_id": "h2", "ordered_at": "2024-02-12 10:00:00", "subtotal": 80,
         "currency": "USD"},
    ] + [
        {"order_id": f"h-null-{i}", "customer_id": spelling, "ordered_at": "2024-02-15 10:00:00", "subtotal": 99,
         "currency": "USD"}
        for i, spelling in enumerate(NULL_SPELLINGS)
    ]
    frames["orders"] = pd.concat([orders, pd.DataFrame(hostile_orders)], ignore_index=True)
    frames["products"] = pd.concat([frames["products"], pd.DataFrame([
        {"product_id": "p-hostile", "category": "sales@shop.example", "name": "Phone case +1 (555) 010-9999",
         "list_price": 9.5},
    ])], ignore_index=True)
    frames["experiment_assignments"] = pd.concat([frames["experiment_assignments"], pd.DataFrame([
        {"customer_id": "h2", "experiment_id": "exp.owner@example.co", "variant": "+44 7700 900123",
         "assigned_at": "2024-02-01 10:00:00"},
    ])], ignore_index=True)
    frames["events"] = pd.concat([frames["events"], pd.DataFrame([
        {"event_id": "h-ev-1", "occurred_at": "2024-02-05 10:00:00", "event_type": "page_view",
         "customer_id": EMAIL_AS_ID, "anonymous_id": "anon.x@example.com", "received_at": "2024-02-05 10:00:01"},
        {"event_id": "h-ev-2", "occurred_at": "2024-02-04 10:00:00", "event_type": "product_view",
         "anonymous_id": "anon.x@example.com", "product_id": "p-hostile", "received_at": "2024-02-04 10:00:01"},
    ])], ignore_index=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Warehouse:
    from retention_warehouse.generate import generate
    from retention_warehouse.load import load_duckdb

    work_dir = tmp_path_factory.mktemp("hostile")
    data_dir = work_dir / "raw"
    generate(data_dir, customers=150, seed=23, start_date="2024-01-01", days=120)
    shutil.rmtree(data_dir / "_truth")
    write_hostile_files(data_dir)
    database = work_dir / "hostile.duckdb"
    env = dbt_env(database)
    env["RETENTION_PII_SALT"] = SALT
    import os

    saved = os.environ.get("RETENTION_PII_SALT")
    os.environ["RETENTION_PII_SALT"] = SALT
    try:
        load_duckdb(data_dir, database=str(database))
    finally:
        if saved is None:
            os.environ.pop("RETENTION_PII_SALT", None)
        else:
            os.environ["RETENTION_PII_SALT"] = saved
    warehouse = Warehouse(data_dir=data_dir, database=database, work_dir=work_dir, env=env)
    warehouse.build = warehouse.dbt("build")
    return warehouse


def fetch(warehouse: Warehouse, sql: str) -> list[tuple]:
    with warehouse.connect() as con:
        return con.execute(sql).fetchall()


def test_offsets_and_zone_names_become_the_utc_instant(hostile):
    rows = fetch(hostile, "select order_id, cast(ordered_at as varchar), cast(order_date as varchar) "
                          "from marts.fct_orders where order_id in ('h-tz-offset', 'h-tz-name') order by order_id")
    assert rows == [("h-tz-name", "2024-03-02 06:30:00", "2024-03-02"),
                    ("h-tz-offset", "2024-02-03 07:30:00", "2024-02-03")]


def test_null_spellings_are_missing_ids_not_customers(hostile):
    reasons = hostile.query("select record_id, quarantine_reason from staging.stg_shop__quarantine "
                            "where source_table = 'orders' and record_id like 'h-null-%' order by 1")
    assert list(reasons.quarantine_reason) == ["missing_customer_id"] * len(NULL_SPELLINGS)
    spellings = ", ".join(f"'{s}'" for s in NULL_SPELLINGS)
    assert hostile.query(f"select count(*) as n from marts.dim_customers where customer_id in ({spellings}) "
                         f"or lower(customer_id) in ({spellings.lower()})").n[0] == 0
    assert hostile.query("select count(*) as n from staging.stg_shop__quarantine where source_table = 'customers' "
                         "and quarantine_reason = 'missing_customer_id'").n[0] == 1


def test_a_1990_order_does_not_truncate_the_daily_marts(hostile):
    [(first, last, n)] = fetch(hostile, "select min(activity_date), max(activity_date), count(*) "
                                        "from marts.fct_active_customers_daily")
    [(as_of,)] = fetch(hostile, "select as_of_date from intermediate.int_as_of_date")
    assert str(first) == "1990-01-02"
    assert last == as_of
    assert n == (as_of - first).days + 1


def test_a_reused_order_id_is_quarantined_and_warned_about(hostile):
    rows = hostile.query("select subtotal_amount, quarantine_reason, is_duplicate from staging.base_shop__orders "
                         "where order_id = 'h-reused' order by subtotal_amount")
    # the first by content (the earlier order) is kept; the other copy is quarantined, not merged silently
    assert [float(v) for v in rows.subtotal_amount] == [70.0, 80.0]
    assert list(rows.quarantine_reason.fillna("kept")) == ["kept", "conflicting_version"]
    results = json.loads((hostile.work_dir / "target" / "run_results.json").read_text())["results"]
    warning = [r for r in results if r["unique_id"].startswith("test.retention_warehouse.warn_conflicting_order")]
    assert [(r["status"], r["failures"]) for r in warning] == [("warn", 1)]


def test_an_email_as_customer_id_joins_everywhere_under_one_pseudonym(hostile):
    key = pseudonym(EMAIL_AS_ID)
    customer = fetch(hostile, f"select lifetime_orders, cast(first_order_date as varchar) from marts.dim_customers "
                              f"where customer_id = '{key}'")
    assert customer == [(2, "2024-02-03")]
    active = hostile.query(f"select count(*) as n from marts.fct_customer_activity_daily "
                           f"where customer_id = '{key}' and activity_date = '2024-02-05'")
    assert active.n[0] == 1
    redactions = hostile.query("select source_table, column_name, values_pseudonymised "
                               "from staging.stg_shop__pii_redactions where values_pseudonymised > 0")
    found = {(t, c) for t, c in zip(redactions.source_table, redactions.column_name)}
    assert {("customers", "customer_id"), ("customers", "country_code"), ("customers", "acquisition_channel"),
            ("orders", "customer_id"), ("orders", "order_channel"), ("orders", "coupon_code"),
            ("products", "category"), ("products", "product_name"), ("experiment_assignments", "experiment_id"),
            ("experiment_assignments", "variant"), ("events", "customer_id"), ("events", "anonymous_id")} <= found


def test_no_personal_data_outside_raw_and_staging(hostile):
    hits = []
    needles = [value.lower() for value in PERSONAL]
    with hostile.connect() as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_schema not in ('raw', 'staging', 'privacy')").fetchall()
        assert len(columns) > 100
        for schema, table, column in columns:
            values = con.execute(f'select distinct "{column}" from "{schema}"."{table}" '
                                 f'where "{column}" is not null').fetchall()
            for (value,) in values:
                if EMAIL.search(value) or any(needle in value.lower() for needle in needles):
                    hits.append(f"{schema}.{table}.{column}: {value}")
    assert hits == []


def test_the_salt_is_in_nothing_dbt_wrote(hostile):
    written = [p for folder in ("target", "logs") for p in (hostile.work_dir / folder).rglob("*") if p.is_file()]
    assert len(written) > 100
    leaks = [str(p) for p in written if SALT.encode() in p.read_bytes()]
    assert leaks == []


def test_every_raw_row_is_kept_merged_or_quarantined(hostile):
    counts = hostile.query("select source_table, rows_in, rows_kept, rows_merged, rows_quarantined "
                           "from staging.stg_shop__reconciliation")
    assert set(counts.source_table) == set(contract.TABLES)
    for row in counts.itertuples():
        assert row.rows_in == row.rows_kept + row.rows_merged + row.rows_quarantined, row


def test_without_a_stored_salt_the_build_warns_once_naming_the_variable(hostile, tmp_path):
    database = tmp_path / "no_salt.duckdb"
    shutil.copy(hostile.database, database)
    with duckdb.connect(str(database)) as con:
        con.execute("delete from privacy.pii_salt")
    warehouse = Warehouse(data_dir=hostile.data_dir, database=database, work_dir=tmp_path, env=dbt_env(database))
    output = warehouse.dbt("run", "--select", "base_shop__fx_rates").stdout
    assert output.count("NO PII SALT") == 1
    assert "RETENTION_PII_SALT" in output
    assert "NO PII SALT" not in hostile.build.stdout
