"""The loader accepts the minimal raw contract, rejects a wrong file with a one-line error naming the file and
column, stamps _loaded_at and is idempotent (hostile input: test_load_hostile.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from retention_warehouse.contract import TABLES
from retention_warehouse.load import LoadError, load_duckdb

MINIMAL_ORDERS = ("order_id,customer_id,ordered_at,subtotal\n"
                  "o1,c1,2024-01-01 10:00:00,10.50\no2,c1,2024-01-02 11:00:00,5\n")


@pytest.fixture
def minimal_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "orders.csv").write_text(MINIMAL_ORDERS)
    return folder


def test_minimal_contract_loads_orders_and_creates_every_other_table_empty(minimal_dir: Path, tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    loaded_at = dt.datetime(2024, 2, 1, 0, 0)
    counts = load_duckdb(minimal_dir, database=str(database), loaded_at=loaded_at)
    assert counts == {table: (2 if table == "orders" else 0) for table in TABLES}
    with duckdb.connect(str(database), read_only=True) as con:
        columns = [row[0] for row in con.execute("describe raw.orders").fetchall()]
        assert columns == [c.name for c in TABLES["orders"]] + ["_loaded_at"]
        rows = con.execute("select order_id, subtotal, currency, _loaded_at from raw.orders order by 1").fetchall()
        assert rows[0][0] == "o1" and str(rows[0][1]) == "10.50" and rows[0][2] is None
        assert {row[3] for row in rows} == {loaded_at}
        types = dict(con.execute("select column_name, data_type from information_schema.columns "
                                 "where table_schema = 'raw' and table_name = 'events'").fetchall())
        assert types["occurred_at"] == "TIMESTAMP" and types["event_id"] == "VARCHAR"


def test_loading_twice_is_idempotent(minimal_dir: Path, tmp_path: Path) -> None:
    database = str(tmp_path / "w.duckdb")
    first = load_duckdb(minimal_dir, database=database)
    second = load_duckdb(minimal_dir, database=database)
    assert first == second


def test_missing_orders_table_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text("customer_id,signup_at\nc1,2024-01-01\n")
    with pytest.raises(LoadError, match=r"^orders: required table is missing"):
        load_duckdb(tmp_path, database=str(tmp_path / "w.duckdb"))


def test_missing_required_column_names_table_and_column(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("order_id,customer_id,subtotal\no1,c1,1.0\n")
    with pytest.raises(LoadError, match=r"^orders\.csv: required column 'ordered_at' is missing "
                                        r"\(header: order_id, customer_id, subtotal\)$"):
        load_duckdb(tmp_path, database=str(tmp_path / "w.duckdb"))


def test_wrong_column_type_names_table_and_column(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(MINIMAL_ORDERS)
    (tmp_path / "order_items.csv").write_text(
        "order_item_id,order_id,product_id,quantity,unit_price\ni1,o1,p1,two,3.00\n")
    with pytest.raises(LoadError, match=r"^order_items\.quantity: 1 value\(s\) cannot be read as bigint"):
        load_duckdb(tmp_path, database=str(tmp_path / "w.duckdb"))


def test_a_rejected_file_leaves_earlier_loads_intact(tmp_path: Path, minimal_dir: Path) -> None:
    database = str(tmp_path / "w.duckdb")
    load_duckdb(minimal_dir, database=database)
    (minimal_dir / "orders.csv").write_text("order_id,customer_id,ordered_at,subtotal\no9,c1,not a time,1\n")
    with pytest.raises(LoadError, match=r"^orders\.ordered_at"):
        load_duckdb(minimal_dir, database=database)
    with duckdb.connect(database, read_only=True) as con:
        assert con.execute("select count(*) from raw.orders").fetchone()[0] == 2


def test_parquet_files_load(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "order_id": ["o1"], "customer_id": ["c1"],
        "ordered_at": pa.array([dt.datetime(2024, 1, 1, 10)], pa.timestamp("us")),
        "subtotal": [12.34], "currency": ["EUR"],
    })
    pq.write_table(table, tmp_path / "orders.parquet")
    counts = load_duckdb(tmp_path, database=str(tmp_path / "w.duckdb"))
    assert counts["orders"] == 1


def test_cli_reports_a_one_line_error_and_exit_code_2(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("order_id,customer_id,ordered_at\no1,c1,2024-01-01\n")
    result = subprocess.run([sys.executable, "-m", "retention_warehouse", "load", str(tmp_path),
                             "--database", str(tmp_path / "w.duckdb")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: orders.csv: required column 'subtotal' is missing "
                                     "(header: order_id, customer_id, ordered_at)")
