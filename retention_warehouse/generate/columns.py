"""Arrow column builders and the Parquet writer (fast, vectorised, deterministic).

Ids are built straight into Arrow string buffers from integers, so ten million ids cost a fraction of a
second; timestamps are int64 microseconds since the epoch (naive UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TS = pa.timestamp("us")

SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema([
        ("customer_id", pa.string()), ("signup_at", TS), ("email", pa.string()), ("country", pa.string()),
        ("acquisition_channel", pa.string()), ("is_test", pa.bool_()), ("updated_at", TS),
    ]),
    "orders": pa.schema([
        ("order_id", pa.string()), ("customer_id", pa.string()), ("ordered_at", TS), ("subtotal", pa.float64()),
        ("currency", pa.string()), ("status", pa.string()), ("discount", pa.float64()), ("shipping", pa.float64()),
        ("tax", pa.float64()), ("refunded_amount", pa.float64()), ("refunded_at", TS), ("cancelled_at", TS),
        ("channel", pa.string()), ("coupon_code", pa.string()), ("shipped_at", TS), ("delivered_at", TS),
        ("is_test", pa.bool_()), ("updated_at", TS),
    ]),
    "order_items": pa.schema([
        ("order_item_id", pa.string()), ("order_id", pa.string()), ("product_id", pa.string()),
        ("quantity", pa.int64()), ("unit_price", pa.float64()),
    ]),
    "products": pa.schema([
        ("product_id", pa.string()), ("category", pa.string()), ("name", pa.string()), ("list_price", pa.float64()),
    ]),
    "events": pa.schema([
        ("event_id", pa.string()), ("occurred_at", TS), ("event_type", pa.string()), ("customer_id", pa.string()),
        ("anonymous_id", pa.string()), ("session_id", pa.string()), ("product_id", pa.string()),
        ("received_at", TS), ("properties", pa.string()),
    ]),
    "experiment_assignments": pa.schema([
        ("customer_id", pa.string()), ("experiment_id", pa.string()), ("variant", pa.string()),
        ("assigned_at", TS),
    ]),
    "fx_rates": pa.schema([
        ("rate_date", pa.date32()), ("currency", pa.string()), ("rate_to_reporting", pa.float64()),
    ]),
}
RAW_TABLES = tuple(SCHEMAS)

TRUTH_FAULTS_SCHEMA = pa.schema([
    ("source_table", pa.string()), ("record_id", pa.string()), ("fault_class", pa.string()),
    ("expected_outcome", pa.string()),
])

# id formats: prefix and number of digits
ID_WIDTH = {"c": 7, "o": 8, "oi": 9, "p": 5, "e": 10, "s": 9, "a": 9}
ROW_GROUP_SIZE = 1 << 20


@dataclass(frozen=True)
class IdBase:
    """Id numbers taken by earlier chunks of a chunked run, per kind: a chunk numbers its ids on from here (all
    zero for a single run). The last four count the fault injector's own ranges (test accounts' anonymous ids and
    sessions, orphan items' missing orders, hostile customer ids)."""
    customers: int = 0
    orders: int = 0
    order_items: int = 0
    events: int = 0
    sessions: int = 0
    anonymous: int = 0
    test_accounts: int = 0
    test_sessions: int = 0
    orphan_orders: int = 0
    hostile_customers: int = 0

    def after(self, used: dict[str, int]) -> "IdBase":
        """The base of the next chunk, when this one used ``used`` numbers per kind."""
        return IdBase(**{f.name: getattr(self, f.name) + used.get(f.name, 0) for f in fields(self)})


def ids(prefix: str, numbers: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` (width by prefix, see ID_WIDTH); nulls where ``null_mask``."""
    width = ID_WIDTH[prefix]
    numbers = np.asarray(numbers, dtype=np.int64)
    mask = None if null_mask is None else np.asarray(null_mask, dtype=bool)
    valid = numbers if mask is None else numbers[~mask]
    if len(valid) and (valid.min() < 0 or valid.max() >= 10 ** width):
        raise ValueError(f"id numbers out of range for prefix {prefix!r}")
    digits = pa.array(numbers, type=pa.int64(), mask=mask if mask is not None and mask.any() else None)
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(digits.cast(pa.string()), width, "0"), "")


def pick(values: Sequence[str | None], codes: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    """values[codes] as an Arrow string array (codes < 0 or null_mask -> null)."""
    codes = np.asarray(codes, dtype=np.int64)
    mask = codes < 0 if null_mask is None else (np.asarray(null_mask, dtype=bool) | (codes < 0))
    index = pa.array(np.where(mask, 0, codes), mask=mask if mask.any() else None)
    return pa.array(list(values), type=pa.string()).take(index)


def timestamps(us: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    us = np.asarray(us, dtype=np.int64)
    if null_mask is not None and np.asarray(null_mask).any():
        return pa.array(us, type=pa.int64(), mask=np.asarray(null_mask, dtype=bool)).cast(TS)
    return pa.array(us.view("datetime64[us]"), type=TS)


def floats(values: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    if null_mask is not None and np.asarray(null_mask).any():
        return pa.array(values, type=pa.float64(), mask=np.asarray(null_mask, dtype=bool))
    return pa.array(values, type=pa.float64())


def concat_strings(*parts) -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and Python strings (nulls become '')."""
    return pc.binary_join_element_wise(*parts, "", null_handling="replace", null_replacement="")


def table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    schema = SCHEMAS[name]
    if list(columns) != schema.names:
        raise ValueError(f"{name}: columns {list(columns)} differ from the contract {schema.names}")
    return pa.Table.from_arrays([columns[f.name].cast(f.type) for f in schema], schema=schema)


class ParquetFiles:
    """Deterministic Parquet files written a table at a time, each table appended as row groups of ROW_GROUP_SIZE
    rows (a file of one table has the bytes of ``pq.write_table`` with the same options); empty tables after the
    first add nothing. zstd, dictionary encoding for repetitive text only (not for the first column, the key, nor
    for e-mails and names). Use as a context manager: leaving it closes the files."""

    def __init__(self) -> None:
        self._writers: dict[Path, pq.ParquetWriter] = {}

    def write(self, tbl: pa.Table, path: Path) -> None:
        writer = self._writers.get(path)
        if writer is None:
            key = tbl.schema.names[0]
            dictionary = [f.name for f in tbl.schema
                          if pa.types.is_string(f.type) and f.name not in (key, "email", "name")]
            writer = self._writers[path] = pq.ParquetWriter(str(path), tbl.schema, compression="zstd",
                                                            write_statistics=True, store_schema=False,
                                                            use_dictionary=dictionary)
        elif not tbl.num_rows:
            return
        writer.write_table(tbl, row_group_size=ROW_GROUP_SIZE)

    def close(self) -> None:
        while self._writers:
            self._writers.popitem()[1].close()

    def __enter__(self) -> "ParquetFiles":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-owner counts return (owner index per element, rank of the element within its owner)."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(owner), dtype=np.int64) - starts[owner]
    return owner, rank


def cumulative_pick(cum: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Categorical draw per element from row ``rows`` of a row-wise cumulative probability matrix ``cum``
    (last column 1.0), with uniforms ``u``: one searchsorted on the flattened rows offset by row number."""
    n_rows, k = cum.shape
    flat = (np.arange(n_rows, dtype=np.float64)[:, None] + cum).ravel()
    pos = np.searchsorted(flat, rows.astype(np.float64) + u, side="right")
    return np.minimum(pos - rows.astype(np.int64) * k, k - 1)


def gather(values: np.ndarray, index: np.ndarray, fill=-1) -> np.ndarray:
    """values[index] where index >= 0, ``fill`` elsewhere (safe when ``values`` is empty)."""
    index = np.asarray(index, dtype=np.int64)
    ok = index >= 0
    if not len(values):
        return np.full(len(index), fill)
    return np.where(ok, values[np.where(ok, index, 0)], fill)


def ids_via_dictionary(prefix: str, numbers: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    """Same strings as ``ids``, built once per number in the column's range and taken per row (for repetitive
    columns whose numbers span a small range)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    mask = np.zeros(len(numbers), dtype=bool) if null_mask is None else np.asarray(null_mask, dtype=bool)
    if mask.all():
        return pa.nulls(len(numbers), pa.string())
    valid = numbers[~mask]
    lo, hi = int(valid.min()), int(valid.max())
    index = pa.array(np.where(mask, 0, numbers - lo), mask=mask if mask.any() else None)
    return ids(prefix, np.arange(lo, hi + 1)).take(index)
