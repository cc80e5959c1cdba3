"""The loader on messy real exports: each class of hostile input either loads exactly right or fails with one line
naming the file, the column and the line (the rules: retention_warehouse/load.py's docstring)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retention_warehouse import load as loader
from retention_warehouse.contract import TABLES
from retention_warehouse.load import (
    DECIMAL_FORMATS,
    DEMO_PII_SALT,
    DEMO_SALT_WARNING,
    INTEGER_FORMATS,
    SALT_DIFFERS,
    TIMESTAMP_FORMATS,
    LoadError,
    LoadResult,
    load_duckdb,
    store_pii_salt,
)
from retention_warehouse.pgserver import PostgresServer

HEADER = "order_id,customer_id,ordered_at,subtotal\n"
ITEMS_HEADER = "order_item_id,order_id,product_id,quantity,unit_price\n"
EVENTS_HEADER = "event_id,occurred_at,event_type,customer_id,anonymous_id\n"
TABLE_LIST = "customers, orders, order_items, products, events, experiment_assignments, loyalty_ledger, fx_rates"
SALT = "a-real-secret-salt"


@pytest.fixture(autouse=True)
def no_salt_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETENTION_PII_SALT", raising=False)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "w.duckdb")


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(gzip.compress(content) if name.lower().endswith(".gz") else content)
    return path


def rows(database: str, sql: str) -> list[tuple]:
    with duckdb.connect(database, read_only=True) as con:
        return con.execute(sql).fetchall()


def cli(*args: str, salt: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "RETENTION_PII_SALT"}
    if salt is not None:
        env["RETENTION_PII_SALT"] = salt
    return subprocess.run([sys.executable, "-m", "retention_warehouse", *args], capture_output=True, text=True,
                          env=env, cwd=Path(__file__).resolve().parents[2])


def load_error(raw: Path, database: str, **kwargs: object) -> str:
    with pytest.raises(LoadError) as caught:
        load_duckdb(raw, database=database, **kwargs)
    return str(caught.value)


def sha(salt: str, value: str) -> str:
    return hashlib.sha256((salt + value).encode()).hexdigest()


# ------------------------------------------------------------------------------------- 1. time zones


@pytest.mark.parametrize(("text", "instant"), [
    ("2024-02-02T23:30:00-08:00", dt.datetime(2024, 2, 3, 7, 30)),
    ("2024-02-02 23:30:00 America/Los_Angeles", dt.datetime(2024, 2, 3, 7, 30)),
    ("2024-07-01 12:00:00 Europe/Berlin", dt.datetime(2024, 7, 1, 10, 0)),  # summer time
    ("2024-02-03T09:00:00+05:30", dt.datetime(2024, 2, 3, 3, 30)),
    ("2024-02-02T23:30:00Z", dt.datetime(2024, 2, 2, 23, 30)),
    ("2024-02-02 23:30:00.123456", dt.datetime(2024, 2, 2, 23, 30, 0, 123456)),  # naive: UTC as it is
    ("2024-02-02 23:30", dt.datetime(2024, 2, 2, 23, 30)),
    ("2024-02-02", dt.datetime(2024, 2, 2)),
])
def test_csv_timestamps_become_their_utc_instant(raw: Path, database: str, text: str, instant: dt.datetime) -> None:
    write(raw, "orders.csv", HEADER + f"o1,c1,{text},1\n")
    load_duckdb(raw, database=database)
    assert rows(database, "select ordered_at from raw.orders") == [(instant,)]


def test_parquet_zoned_timestamps_stay_their_instant_and_naive_ones_stay_utc(raw: Path, database: str) -> None:
    la = dt.datetime(2024, 2, 2, 23, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    pq.write_table(pa.table({
        "order_id": ["o1"], "customer_id": ["c1"], "subtotal": [1.0],
        "ordered_at": pa.array([la], pa.timestamp("us", tz="America/Los_Angeles")),
        "updated_at": pa.array([dt.datetime(2024, 2, 2, 23, 30)], pa.timestamp("us")),
        "shipped_at": ["2024-02-02T23:30:00-08:00"],  # text in Parquet: the CSV rule
    }), raw / "orders.parquet")
    load_duckdb(raw, database=database)
    assert rows(database, "select ordered_at, updated_at, shipped_at from raw.orders") == [
        (dt.datetime(2024, 2, 3, 7, 30), dt.datetime(2024, 2, 2, 23, 30), dt.datetime(2024, 2, 3, 7, 30))]


def test_unreadable_timestamp_names_file_column_line_and_formats(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\no2,c1,02/03/2024,1\no3,c1,epoch,1\n")
    assert load_error(raw, database) == (
        "orders.ordered_at: 2 value(s) cannot be read as timestamp (first: orders.csv line 3: '02/03/2024'); "
        "accepted: ISO 8601 YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]] with optional Z, ±HH:MM offset or IANA zone name "
        "(e.g. 2024-02-02T23:30:00-08:00, 2024-02-02 23:30:00 America/Los_Angeles)")


@pytest.mark.parametrize("text", ["infinity", "2024-02-02 23:30:00 Nowhere/Land", "2024-02-30 10:00", "now"])
def test_special_and_impossible_timestamps_are_rejected(raw: Path, database: str, text: str) -> None:
    write(raw, "orders.csv", HEADER + f"o1,c1,{text},1\n")
    assert load_error(raw, database) == (f"orders.ordered_at: 1 value(s) cannot be read as timestamp (first: "
                                         f"orders.csv line 2: {text!r}); accepted: {TIMESTAMP_FORMATS}")


def test_unreadable_date_names_file_column_first_line_and_format(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    write(raw, "fx_rates.csv", "rate_date,currency,rate_to_reporting\n2024-01-30,EUR,1.1\n31.01.2024,EUR,1.1\n"
                               "01/02/2024,EUR,1.1\n")
    assert load_error(raw, database) == ("fx_rates.rate_date: 2 value(s) cannot be read as date "
                                         "(first: fx_rates.csv line 3: '31.01.2024'); accepted: YYYY-MM-DD")


def test_loaded_at_with_an_offset_is_stamped_as_the_utc_instant(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    aware = dt.datetime(2024, 2, 2, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    load_duckdb(raw, database=database, loaded_at=aware)
    assert rows(database, "select _loaded_at from raw.orders") == [(dt.datetime(2024, 2, 3, 7, 30),)]
    result = cli("load", str(raw), "--database", database, "--loaded-at", "2024-02-02 23:30:00 America/Los_Angeles")
    assert result.returncode == 0, result.stderr
    assert rows(database, "select _loaded_at from raw.orders") == [(dt.datetime(2024, 2, 3, 7, 30),)]


def test_cli_loaded_at_yesterday_is_a_one_line_error_listing_the_formats(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    result = cli("load", str(raw), "--database", database, "--loaded-at", "yesterday")
    assert result.returncode == 2
    assert result.stderr == f"error: --loaded-at 'yesterday' is not a timestamp; accepted: {TIMESTAMP_FORMATS}\n"
    assert not Path(database).exists()


def test_every_loader_types_through_the_same_selects(raw: Path) -> None:
    """PostgreSQL and Spark load what _selects yields on their DuckDB reader: the same UTC instants."""
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02T23:30:00-08:00,1\n")
    with duckdb.connect() as reader:
        reader.execute("set TimeZone = 'UTC'")
        selects = loader._selects(reader, raw, dt.datetime(2024, 3, 1), scratch=raw.parent)
        assert reader.execute(f"select ordered_at from ({selects['orders']})").fetchall() == [
            (dt.datetime(2024, 2, 3, 7, 30),)]


def test_postgres_loader_stores_utc_instants_and_the_salt(raw: Path, postgres_server: PostgresServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg2

    admin = psycopg2.connect(postgres_server.dsn())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("drop database if exists hostile_load")
        cur.execute("create database hostile_load")
    admin.close()
    dsn = postgres_server.dsn(database="hostile_load")
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02T23:30:00-08:00,1\no2,c2,2024-02-02 23:30:00 Asia/Tokyo,2\n")
    monkeypatch.setenv("RETENTION_PII_SALT", SALT)
    result = loader.load_postgres(raw, dsn=dsn)
    assert result["orders"] == 2 and result.warnings == []
    con = psycopg2.connect(dsn)
    with con.cursor() as cur:
        cur.execute("select order_id, ordered_at from raw.orders order by 1")
        assert cur.fetchall() == [("o1", dt.datetime(2024, 2, 3, 7, 30)), ("o2", dt.datetime(2024, 2, 2, 14, 30))]
        cur.execute("select salt from privacy.pii_salt")
        assert cur.fetchall() == [(SALT,)]
    con.close()


# ------------------------------------------------------------------------------------- 2. file names


@pytest.mark.parametrize("name", ["Orders.csv", "orders.CSV", "ORDERS.Csv.Gz", "orders.tsv", "Orders.TSV.gz"])
def test_table_files_match_case_insensitively_on_the_documented_suffixes(raw: Path, database: str,
                                                                         name: str) -> None:
    delimiter = "\t" if ".tsv" in name.lower() else ","
    write(raw, name, HEADER.replace(",", delimiter) + delimiter.join(["o1", "c1", "2024-02-02", "1.5"]) + "\n")
    counts = load_duckdb(raw, database=database)
    assert counts["orders"] == 1
    assert rows(database, "select order_id, subtotal from raw.orders") == [("o1", Decimal("1.50"))]


def test_tsv_is_tab_delimited_so_commas_stay_inside_values(raw: Path, database: str) -> None:
    write(raw, "orders.tsv", HEADER.replace(",", "\t") + "o1\tSmith, John\t2024-02-02\t1\n")
    load_duckdb(raw, database=database)
    assert rows(database, "select customer_id from raw.orders") == [("Smith, John",)]


def test_other_files_are_named_in_warnings_and_hidden_ones_ignored(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    write(raw, "events_2024.csv", EVENTS_HEADER)
    write(raw, "notes.txt", "hello")
    write(raw, ".DS_Store", "x")
    write(raw, "_counts.json", "{}")
    (raw / "_truth").mkdir()
    write(raw / "_truth", "customers.parquet", "not even parquet")
    result = load_duckdb(raw, database=database)
    expected = f"expected <table>.csv, .csv.gz, .tsv, .tsv.gz or .parquet with <table> one of {TABLE_LIST}"
    assert isinstance(result, LoadResult)
    assert result.warnings == [
        f"events_2024.csv: not a raw table file, ignored ({expected}; did you mean events?)",
        f"notes.txt: not a raw table file, ignored ({expected})",
        DEMO_SALT_WARNING,
    ]
    assert result == {table: (1 if table == "orders" else 0) for table in TABLES}


def test_strict_rejects_other_files(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    write(raw, "notes.txt", "hello")
    assert load_error(raw, database, strict=True) == (
        f"notes.txt: not a raw table file (expected <table>.csv, .csv.gz, .tsv, .tsv.gz or .parquet with <table> "
        f"one of {TABLE_LIST}); remove it or load without --strict")
    result = cli("load", str(raw), "--database", database, "--strict")
    assert result.returncode == 2 and result.stderr.startswith("error: notes.txt: not a raw table file (")
    result = cli("load", str(raw), "--database", database)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"warning: notes.txt: not a raw table file, ignored (expected <table>.csv, .csv.gz, .tsv, .tsv.gz or "
        f".parquet with <table> one of {TABLE_LIST})",
        f"warning: {DEMO_SALT_WARNING}"]


@pytest.mark.parametrize(("first", "second"), [("orders.csv", "orders.parquet"), ("Orders.CSV", "orders.csv")])
def test_two_files_for_one_table_is_an_error_naming_both(raw: Path, database: str, first: str, second: str) -> None:
    write(raw, first, HEADER + "o1,c1,2024-02-02,1\n")
    write(raw, second, HEADER + "o2,c1,2024-02-02,1\n")
    assert load_error(raw, database) == f"{first} and {second}: two files for table orders; keep one"


# ----------------------------------------------------------------------------------- 3. header names


def test_header_names_match_after_trimming_case_and_bom(raw: Path, database: str) -> None:
    write(raw, "orders.csv", "\ufeffOrder_ID, customer_id ,ORDERED_AT,Subtotal,Currency,  status  \n"
                             "o1,c1,2024-02-02,1,EUR,paid\n")
    result = load_duckdb(raw, database=database)
    assert result.warnings == [DEMO_SALT_WARNING]
    assert rows(database, "select order_id, customer_id, currency, status from raw.orders") == [
        ("o1", "c1", "EUR", "paid")]


def test_unknown_column_is_a_warning_with_a_close_match_hint(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER.strip() + ",order_status,colour\no1,c1,2024-02-02,1,paid,red\n")
    result = load_duckdb(raw, database=database)
    assert result.warnings == [
        "orders.csv: column 'order_status' is not in the raw contract of orders; ignored (did you mean 'status'?)",
        "orders.csv: column 'colour' is not in the raw contract of orders; ignored",
        DEMO_SALT_WARNING,
    ]
    assert rows(database, "select status from raw.orders") == [(None,)]


@pytest.mark.parametrize("header", ["order_id,customer_id,ordered_at,subtotal,status,Status ",
                                    "order_id,customer_id,ordered_at,subtotal,status,status"])
def test_a_repeated_header_name_is_an_error(raw: Path, database: str, header: str) -> None:
    write(raw, "orders.csv", header + "\no1,c1,2024-02-02,1,paid,cancelled\n")
    assert load_error(raw, database) == "orders.csv: column 'status' appears twice in the header (columns 5 and 6)"


def test_a_repeated_parquet_column_is_an_error(raw: Path, database: str) -> None:
    table = pa.Table.from_arrays([pa.array(["o1"]), pa.array(["c1"]), pa.array(["2024-02-02"]), pa.array([1.0]),
                                  pa.array(["C1"])], names=["order_id", "customer_id", "ordered_at", "subtotal",
                                                            "Customer_ID"])
    pq.write_table(table, raw / "orders.parquet")
    assert load_error(raw, database) == ("orders.parquet: column 'customer_id' appears twice in the header "
                                         "(columns 2 and 5)")


def test_reordered_and_extra_columns_load_by_name(raw: Path, database: str) -> None:
    write(raw, "orders.csv", "subtotal,extra,ordered_at,customer_id,order_id\n9.99,x,2024-02-02,c1,o1\n")
    load_duckdb(raw, database=database)
    assert rows(database, "select order_id, customer_id, ordered_at, subtotal from raw.orders") == [
        ("o1", "c1", dt.datetime(2024, 2, 2), Decimal("9.99"))]


# ----------------------------------------------------------------------------------------- 4. values


def test_a_fractional_quantity_is_rejected_not_rounded(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    write(raw, "order_items.csv", ITEMS_HEADER + "i1,o1,p1,2,1\ni2,o1,p1,1.5,1\n")
    assert load_error(raw, database) == (
        "order_items.quantity: 1 value(s) cannot be read as bigint (first: order_items.csv line 3: '1.5'); "
        "accepted: whole numbers such as 3 (3.0 reads as 3; a fraction such as 1.5 is rejected, never rounded)")


LEDGER_HEADER = "customer_id,occurred_at,points,reason,order_id,entry_id\n"


def test_fractional_loyalty_points_are_rejected_not_rounded(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    write(raw, "loyalty_ledger.csv", LEDGER_HEADER + "c1,2024-02-02,100,earn_order,o1,l1\n"
                                                     "c1,2024-02-03 10:00:00+02:00,-2.5,redeem,,l2\n")
    assert load_error(raw, database) == (
        "loyalty_ledger.points: 1 value(s) cannot be read as bigint (first: loyalty_ledger.csv line 3: '-2.5'); "
        "accepted: whole numbers such as 3 (3.0 reads as 3; a fraction such as 1.5 is rejected, never rounded)")


def test_a_loyalty_ledger_loads_signed_points_in_utc(raw: Path, database: str) -> None:
    """Optional table: absent it is created empty; present, its zoned timestamps become UTC and its points stay
    signed whole numbers; a missing required column is an error naming it."""
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    assert load_duckdb(raw, database=database)["loyalty_ledger"] == 0
    write(raw, "loyalty_ledger.csv", LEDGER_HEADER + "c1,2024-02-02,100,earn_order,o1,l1\n"
                                                     "c1,2024-02-03 10:00:00+02:00,-50,redeem,,l2\n")
    load_duckdb(raw, database=database)
    assert rows(database, "select entry_id, occurred_at, points, order_id from raw.loyalty_ledger order by 1") == [
        ("l1", dt.datetime(2024, 2, 2), 100, "o1"), ("l2", dt.datetime(2024, 2, 3, 8), -50, None)]
    write(raw, "loyalty_ledger.csv", "customer_id,occurred_at,points,order_id,entry_id\nc1,2024-02-02,1,o1,l1\n")
    assert "required column 'reason' is missing" in load_error(raw, database)


def test_a_zero_fraction_quantity_reads_as_the_integer(raw: Path, database: str) -> None:
    """pandas writes an integer column with gaps as float64 ("2.0"): nothing is lost, so it loads."""
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    write(raw, "order_items.csv", ITEMS_HEADER + "i1,o1,p1,2.0,1\ni2,o1,p1,,1\ni3,o1,p1,+3,1\n")
    load_duckdb(raw, database=database)
    assert rows(database, "select order_item_id, quantity from raw.order_items order by 1") == [
        ("i1", 2), ("i2", None), ("i3", 3)]


def test_a_fractional_parquet_quantity_is_rejected(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    pq.write_table(pa.table({"order_item_id": ["i1", "i2"], "order_id": ["o1", "o1"], "product_id": ["p", "p"],
                             "quantity": [2.0, 2.5], "unit_price": [1.0, 1.0]}), raw / "order_items.parquet")
    assert load_error(raw, database) == ("order_items.quantity: 1 value(s) are not whole numbers "
                                         f"(first: order_items.parquet row 2: '2.5'); accepted: {INTEGER_FORMATS}")


@pytest.mark.parametrize("text", ["NaN", "Infinity", "inf", "-inf"])
def test_non_finite_amounts_are_rejected(raw: Path, database: str, text: str) -> None:
    write(raw, "orders.csv", HEADER + f"o1,c1,2024-02-02,1\no2,c1,2024-02-02,{text}\n")
    assert load_error(raw, database) == (
        f"orders.subtotal: 1 value(s) are NaN or infinite (first: orders.csv line 3: {text!r}); "
        "accepted: decimal numbers with a point, such as 12.50 or -3 (NaN and infinity are rejected)")


def test_a_nan_in_a_parquet_amount_is_rejected_with_its_row(raw: Path, database: str) -> None:
    pq.write_table(pa.table({"order_id": ["o1", "o2"], "customer_id": ["c1", "c1"],
                             "ordered_at": pa.array([dt.datetime(2024, 1, 1)] * 2, pa.timestamp("us")),
                             "subtotal": [1.0, float("nan")]}), raw / "orders.parquet")
    assert load_error(raw, database) == ("orders.subtotal: 1 value(s) are NaN or infinite "
                                         f"(first: orders.parquet row 2: 'nan'); accepted: {DECIMAL_FORMATS}")


def test_an_unreadable_value_names_table_column_count_file_line_and_example(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    write(raw, "order_items.csv", ITEMS_HEADER + "i1,o1,p1,1,1\ni2,o1,p1,two,1\ni3,o1,p1,three,1\n")
    assert load_error(raw, database) == (f"order_items.quantity: 2 value(s) cannot be read as bigint "
                                         f"(first: order_items.csv line 3: 'two'); accepted: {INTEGER_FORMATS}")


# ---------------------------------------------------------------------- 5. encodings and malformed files


def test_utf8_with_a_bom_loads(raw: Path, database: str) -> None:
    write(raw, "orders.csv", b"\xef\xbb\xbf" + (HEADER + "o1,Zoë,2024-02-02,1\n").encode())
    load_duckdb(raw, database=database)
    assert rows(database, "select order_id, customer_id from raw.orders") == [("o1", "Zoë")]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be-bom", "utf-32"])
def test_utf16_and_utf32_with_a_bom_are_transcoded_and_load(raw: Path, database: str, codec: str) -> None:
    text = HEADER + "o1,Zoë,2024-02-02,1\r\no2,\"São\r\nPaulo\",2024-02-02,2\r\n"
    content = b"\xfe\xff" + text.encode("utf-16-be") if codec == "utf-16-be-bom" else text.encode(codec)
    write(raw, "orders.csv", content)
    load_duckdb(raw, database=database)
    assert rows(database, "select customer_id from raw.orders order by order_id") == [("Zoë",), ("São\r\nPaulo",)]


def test_latin1_is_rejected_naming_the_byte_and_line(raw: Path, database: str) -> None:
    write(raw, "orders.csv", (HEADER + "o1,c1,2024-02-02,1\no2,José,2024-02-02,1\n").encode("latin-1"))
    assert load_error(raw, database) == "orders.csv: not UTF-8 (byte 0xE9 at line 3); save the file as UTF-8"
    result = cli("load", str(raw), "--database", database)
    assert (result.returncode, result.stderr) == (
        2, "error: orders.csv: not UTF-8 (byte 0xE9 at line 3); save the file as UTF-8\n")


def test_utf16_without_a_bom_is_rejected(raw: Path, database: str) -> None:
    write(raw, "orders.csv", (HEADER + "o1,c1,2024-02-02,1\n").encode("utf-16-le"))
    assert load_error(raw, database) == "orders.csv: not UTF-8 (byte 0x00 at line 1); save the file as UTF-8"


@pytest.mark.parametrize(("row", "fields"), [("o2,c1,2024-02-02", 3), ("o2,c1,2024-02-02,1,extra", 5)])
def test_a_short_or_long_row_deep_in_a_file_names_its_line(raw: Path, database: str, row: str, fields: int) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n" * 5000 + row + "\n" + "o3,c1,2024-02-02,1\n")
    assert load_error(raw, database) == f"orders.csv line 5002: {fields} field(s) where the header has 4"


def test_a_short_row_at_the_top_is_not_reported_as_a_missing_column(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1\n" + "o2,c1,2024-02-02,1\n" * 3)
    result = cli("load", str(raw), "--database", database)
    assert (result.returncode, result.stderr) == (2, "error: orders.csv line 2: 2 field(s) where the header has 4\n")


def test_an_unclosed_quote_names_the_line_it_opens_on(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + 'o1,c1,2024-02-02,1\no2,"c1,2024-02-02,1\no3,c1,2024-02-02,1\n')
    assert load_error(raw, database) == (
        "orders.csv line 3: malformed CSV (unexpected end of data); a quoted value must end with a quote, "
        'and a quote inside one is doubled ("")')


def test_an_empty_file_is_an_error(raw: Path, database: str) -> None:
    write(raw, "orders.csv", "")
    assert load_error(raw, database) == "orders.csv: the file is empty (a header line is required)"


@pytest.mark.parametrize("newline", ["\r\n", "mixed"])
def test_crlf_and_mixed_line_endings_load(raw: Path, database: str, newline: str) -> None:
    lines = [HEADER.strip(), "o1,c1,2024-02-02,1", "o2,c2,2024-02-02,2", "o3,c3,2024-02-02,3"]
    if newline == "mixed":
        text = lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r\n" + lines[3] + "\n"
    else:
        text = newline.join(lines) + newline
    write(raw, "orders.csv", text)
    load_duckdb(raw, database=database)
    assert rows(database, "select order_id, customer_id, subtotal from raw.orders order by 1") == [
        ("o1", "c1", 1), ("o2", "c2", 2), ("o3", "c3", 3)]


def test_quoted_newlines_stay_in_values_and_lines_count_them(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + 'o1,"line one\nline two",2024-02-02,1\no2,"a ""quoted"", b",2024-02-02,2\n')
    load_duckdb(raw, database=database)
    assert rows(database, "select customer_id from raw.orders order by order_id") == [
        ("line one\nline two",), ('a "quoted", b',)]
    write(raw, "orders.csv", HEADER + 'o1,"line one\nline two",2024-02-02,1\no2,c2,2024-02-02,x\n')
    assert load_error(raw, database).startswith(
        "orders.subtotal: 1 value(s) cannot be read as decimal(18,2) (first: orders.csv line 4: 'x')")


def test_a_10_mb_value_loads(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1," + "x" * 10_000_000 + ",2024-02-02,1\no2,c2,2024-02-02,2\n")
    load_duckdb(raw, database=database)
    assert rows(database, "select order_id, length(customer_id) from raw.orders order by 1") == [
        ("o1", 10_000_000), ("o2", 2)]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_semicolon_tab_and_pipe_delimited_csv_load(raw: Path, database: str, delimiter: str) -> None:
    write(raw, "orders.csv", HEADER.replace(",", delimiter) + delimiter.join(["o1", "a,b", "2024-02-02", "1.5"])
          + "\n")
    load_duckdb(raw, database=database)
    assert rows(database, "select customer_id, subtotal from raw.orders") == [("a,b", Decimal("1.50"))]


def test_a_header_only_orders_file_is_an_error_unless_appending(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    load_duckdb(raw, database=database)
    write(raw, "orders.csv", HEADER)
    assert load_error(raw, database) == ("orders.csv has no rows: orders is required and a replacing load would "
                                         "leave it empty (use --append to load an empty batch)")
    assert load_duckdb(raw, database=database, append=True)["orders"] == 1


# ------------------------------------------------------------------------------------ 6. atomic loads


def test_a_failing_second_file_leaves_the_first_table_unchanged(raw: Path, database: str) -> None:
    write(raw, "customers.csv", "customer_id,signup_at\nc1,2024-01-01\n")
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    load_duckdb(raw, database=database, loaded_at=dt.datetime(2024, 3, 1))
    write(raw, "customers.csv", "customer_id,signup_at\nc2,2024-01-02\nc3,2024-01-03\n")  # checked first: fine
    write(raw, "orders.csv", HEADER + "o2,c2,2024-02-02,not money\n")  # checked second: fails
    assert load_error(raw, database).startswith("orders.subtotal: 1 value(s) cannot be read as decimal(18,2)")
    assert rows(database, "select customer_id, _loaded_at from raw.customers") == [("c1", dt.datetime(2024, 3, 1))]
    assert rows(database, "select order_id from raw.orders") == [("o1",)]


@pytest.mark.parametrize("failure", [duckdb.IOException("disk full"), KeyboardInterrupt()])
def test_a_load_killed_while_writing_leaves_every_table_unchanged(raw: Path, database: str,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  failure: BaseException) -> None:
    write(raw, "customers.csv", "customer_id,signup_at\nc1,2024-01-01\n")
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    write(raw, "events.csv", EVENTS_HEADER + "e1,2024-02-02,page_view,c1,\n")
    load_duckdb(raw, database=database)
    write(raw, "customers.csv", "customer_id,signup_at\nc2,2024-01-01\n")
    write(raw, "orders.csv", HEADER + "o2,c2,2024-02-02,1\n")
    write(raw, "events.csv", EVENTS_HEADER + "e2,2024-02-02,page_view,c2,\n")
    original = loader._write_duckdb_table

    def fail_at_events(con: duckdb.DuckDBPyConnection, relation: str, select: str, append: bool) -> None:
        if relation.endswith('"events"'):
            raise failure
        original(con, relation, select, append)

    monkeypatch.setattr(loader, "_write_duckdb_table", fail_at_events)
    if isinstance(failure, duckdb.Error):
        assert load_error(raw, database) == ("events: writing failed, the load was rolled back and every table is "
                                             "as it was (disk full)")
    else:
        with pytest.raises(KeyboardInterrupt):
            load_duckdb(raw, database=database)
    assert rows(database, "select customer_id from raw.customers") == [("c1",)]
    assert rows(database, "select order_id from raw.orders") == [("o1",)]
    assert rows(database, "select event_id from raw.events") == [("e1",)]


# ---------------------------------------------------------------------------------------- 7. PII salt


def salt_rows(database: str) -> list[tuple]:
    return rows(database, "select salt from privacy.pii_salt")


def erase(database: str, customers: tuple[str, ...] = (), anonymous: tuple[str, ...] | None = None,
          salt: str = DEMO_PII_SALT) -> None:
    """The privacy tables as dbt's forget_customer writes them (anonymous None: an older warehouse without
    erased_anonymous_ids)."""
    with duckdb.connect(database) as con:
        con.execute("create schema if not exists privacy")
        con.execute("create table if not exists privacy.erased_customers (customer_hash varchar, erased_at timestamp)")
        for value in customers:
            con.execute("insert into privacy.erased_customers values (?, now())", [sha(salt, value)])
        if anonymous is not None:
            con.execute("create table if not exists privacy.erased_anonymous_ids "
                        "(anonymous_hash varchar, erased_at timestamp)")
            for value in anonymous:
                con.execute("insert into privacy.erased_anonymous_ids values (?, now())", [sha(salt, value)])


def test_salt_from_the_environment_is_stored_once(raw: Path, database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    monkeypatch.setenv("RETENTION_PII_SALT", SALT)
    assert load_duckdb(raw, database=database).warnings == []
    assert salt_rows(database) == [(SALT,)]
    outcome = store_pii_salt("duckdb", database)
    assert (outcome.action, outcome.message) == ("unchanged", "privacy.pii_salt already holds RETENTION_PII_SALT: "
                                                              "unchanged")
    assert salt_rows(database) == [(SALT,)]


def test_a_different_salt_is_refused_once_erasures_are_recorded(raw: Path, database: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    monkeypatch.setenv("RETENTION_PII_SALT", SALT)
    load_duckdb(raw, database=database)
    erase(database, ("c9",), salt=SALT)
    monkeypatch.setenv("RETENTION_PII_SALT", "another-salt")
    write(raw, "orders.csv", HEADER + "o2,c1,2024-02-02,1\n")
    assert load_error(raw, database) == SALT_DIFFERS == (
        "RETENTION_PII_SALT differs from the salt this warehouse was built with (privacy.pii_salt); erasures "
        "recorded under the old salt would no longer match: restore the old value")
    assert salt_rows(database) == [(SALT,)]
    assert rows(database, "select order_id from raw.orders") == [("o1",)]


def test_a_different_salt_without_erasures_is_a_rotation(raw: Path, database: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    monkeypatch.setenv("RETENTION_PII_SALT", SALT)
    load_duckdb(raw, database=database)
    erase(database, (), anonymous=())  # the tables exist, empty
    monkeypatch.setenv("RETENTION_PII_SALT", "rotated-salt")
    outcome = store_pii_salt("duckdb", database)
    assert outcome.action == "rotated"
    assert salt_rows(database) == [("rotated-salt",)]


def test_no_salt_set_creates_the_table_empty_and_warns(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    result = load_duckdb(raw, database=database)
    assert result.warnings == [DEMO_SALT_WARNING] == [
        "RETENTION_PII_SALT is not set: personal data is pseudonymised with the public demo salt "
        "'retention-warehouse-demo-salt'; set RETENTION_PII_SALT before loading"]
    assert salt_rows(database) == []
    assert rows(database, "select column_name, data_type from information_schema.columns "
                          "where table_schema = 'privacy' and table_name = 'pii_salt'") == [("salt", "VARCHAR")]


def test_no_salt_set_keeps_the_stored_one(raw: Path, database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    monkeypatch.setenv("RETENTION_PII_SALT", SALT)
    load_duckdb(raw, database=database)
    monkeypatch.delenv("RETENTION_PII_SALT")
    assert load_duckdb(raw, database=database).warnings == []
    assert salt_rows(database) == [(SALT,)]
    assert store_pii_salt("duckdb", database).action == "kept"


def test_a_new_salt_over_erasures_made_with_the_demo_salt_is_refused(raw: Path, database: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    load_duckdb(raw, database=database)  # no salt: the demo salt is in effect
    erase(database, ("c1",))
    monkeypatch.setenv("RETENTION_PII_SALT", SALT)
    assert load_error(raw, database) == (
        "RETENTION_PII_SALT differs from the salt this warehouse was built with (none is stored in privacy.pii_salt: "
        "the demo salt); erasures recorded under the old salt would no longer match: unset RETENTION_PII_SALT")
    assert salt_rows(database) == []


def test_cli_salt_subcommand_applies_the_rules_and_never_prints_the_salt(database: str) -> None:
    build = f"next, build the warehouse: DBT_DUCKDB_PATH={database} .venv/bin/dbt build\n"
    result = cli("salt", "--database", database)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "RETENTION_PII_SALT is not set: privacy.pii_salt holds no salt (the public demo salt is in effect)\n"
        + build, f"warning: {DEMO_SALT_WARNING}\n")
    result = cli("salt", "--database", database, salt=SALT)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "stored RETENTION_PII_SALT in privacy.pii_salt\n" + build, "")
    assert salt_rows(database) == [(SALT,)]
    erase(database, ("c1",), salt=SALT)
    result = cli("salt", "--database", database, salt="another-salt")
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"error: {SALT_DIFFERS}\n")
    assert salt_rows(database) == [(SALT,)]


def test_cli_load_never_prints_the_salt(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    result = cli("load", str(raw), "--database", database, salt=SALT)
    assert result.returncode == 0 and result.stderr == ""
    assert SALT not in result.stdout
    assert salt_rows(database) == [(SALT,)]


# ------------------------------------------------------------------------------------ 8. erasure


def test_erasure_keeps_order_lines_when_an_erased_order_has_no_order_id(raw: Path, database: str) -> None:
    """`order_id not in (...)` with a null in the list kept no order line at all."""
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n,c1,2024-02-02,2\no3,c3,2024-02-02,3\n,c4,2024-02-02,4\n")
    write(raw, "order_items.csv", ITEMS_HEADER + "i1,o1,p,1,1\ni3,o3,p,1,1\ni4,,p,1,1\n")
    erase(database, ("c1",))
    load_duckdb(raw, database=database)
    assert rows(database, "select order_id, customer_id from raw.orders order by subtotal") == [
        ("o3", "c3"), (None, "c4")]
    assert rows(database, "select order_item_id from raw.order_items order by 1") == [("i3",), ("i4",)]


def test_erasure_matches_the_id_exactly(raw: Path, database: str) -> None:
    write(raw, "customers.csv", "customer_id,signup_at\nc0000001,2024-01-01\nC0000001,2024-01-01\n"
                                " c0000001,2024-01-01\n,2024-01-01\n")
    write(raw, "orders.csv", HEADER + "o1,c0000001,2024-02-02,1\no2,C0000001,2024-02-02,1\n")
    write(raw, "experiment_assignments.csv", "customer_id,experiment_id,variant,assigned_at\n"
                                             "c0000001,x,a,2024-01-01\nC0000001,x,b,2024-01-01\n")
    erase(database, ("c0000001",))
    load_duckdb(raw, database=database)
    assert rows(database, "select customer_id from raw.customers order by 1 nulls last") == [
        (" c0000001",), ("C0000001",), (None,)]
    assert rows(database, "select order_id from raw.orders") == [("o2",)]
    assert rows(database, "select variant from raw.experiment_assignments") == [("b",)]


def test_erasure_drops_the_anonymous_events_of_the_erased_customer(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c2,2024-02-02,1\n")
    write(raw, "events.csv", EVENTS_HEADER + "e1,2024-02-02,page_view,,a1\ne2,2024-02-02,page_view,c1,a1\n"
                                             "e3,2024-02-02,page_view,,a3\ne4,2024-02-02,page_view,c2,\n"
                                             "e5,2024-02-02,page_view,,\n")
    erase(database, ("c1",), anonymous=("a1",))
    load_duckdb(raw, database=database)
    assert rows(database, "select event_id from raw.events order by 1") == [("e3",), ("e4",), ("e5",)]


def test_erasure_uses_the_stored_salt_and_tolerates_an_absent_anonymous_table(raw: Path, database: str,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\no2,c2,2024-02-02,1\n")
    write(raw, "events.csv", EVENTS_HEADER + "e1,2024-02-02,page_view,c1,a1\ne2,2024-02-02,page_view,,a1\n")
    monkeypatch.setenv("RETENTION_PII_SALT", SALT)
    load_duckdb(raw, database=database)
    monkeypatch.delenv("RETENTION_PII_SALT")  # the stored salt is in effect, not the demo one
    erase(database, ("c1",), salt=SALT)
    load_duckdb(raw, database=database)
    assert rows(database, "select order_id from raw.orders") == [("o2",)]
    assert rows(database, "select event_id from raw.events") == [("e2",)]


# ------------------------------------------------------------------------------------ what already worked


def test_loading_twice_is_idempotent(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\no2,c2,2024-02-03,2\n")
    first = load_duckdb(raw, database=database, loaded_at=dt.datetime(2024, 3, 1))
    snapshot = rows(database, "select * from raw.orders order by 1")
    assert load_duckdb(raw, database=database, loaded_at=dt.datetime(2024, 3, 1)) == first
    assert rows(database, "select * from raw.orders order by 1") == snapshot


def test_appending_twice_doubles_the_rows_with_distinct_stamps(raw: Path, database: str) -> None:
    write(raw, "orders.csv", HEADER + "o1,c1,2024-02-02,1\n")
    load_duckdb(raw, database=database, append=True)
    counts = load_duckdb(raw, database=database, append=True)
    assert counts["orders"] == 2
    stamps = rows(database, "select count(distinct _loaded_at), count(distinct order_id) from raw.orders")
    assert stamps == [(2, 1)]


@pytest.mark.parametrize("value", ["o1'; drop table raw.orders; --", 'Robert"); DELETE FROM orders; --',
                                   "{{ config(materialized='table') }}", "<script>alert(1)</script>"])
def test_injection_strings_load_as_plain_values(raw: Path, database: str, value: str) -> None:
    quoted = '"' + value.replace('"', '""') + '"'
    write(raw, "orders.csv", HEADER + f"{quoted},c1,2024-02-02,1\n")
    load_duckdb(raw, database=database)
    assert rows(database, "select order_id from raw.orders") == [(value,)]
