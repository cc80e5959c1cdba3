"""Load raw files (CSV or Parquet, named after the raw tables) into the target's raw schema.

The loader accepts the minimal contract: only the required columns must exist, absent optional columns are
filled with typed nulls, absent optional tables are created empty, and only ``orders`` is required. Every row
is stamped with ``_loaded_at``. A file whose column cannot be read as its contract type is rejected with a
one-line error naming the table and the column. Loading replaces the raw tables, so it is idempotent.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from .contract import REQUIRED_TABLES, TABLES, Column

SUFFIXES = (".parquet", ".csv", ".csv.gz")


class LoadError(Exception):
    """A raw file breaks the raw input contract."""


def default_duckdb_path() -> str:
    return os.environ.get("DBT_DUCKDB_PATH", "retention.duckdb")


def find_file(directory: Path, table: str) -> Path | None:
    for suffix in SUFFIXES:
        candidate = directory / f"{table}{suffix}"
        if candidate.exists():
            return candidate
    return None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader(path: Path) -> str:
    if path.name.endswith(".parquet"):
        return f"read_parquet({_literal(str(path))})"
    return f"read_csv({_literal(str(path))}, header = true, all_varchar = true)"


def _check_columns(con: duckdb.DuckDBPyConnection, table: str, relation: str, columns: tuple[Column, ...]) -> set[str]:
    present = {row[0] for row in con.execute(f"describe select * from {relation}").fetchall()}
    for column in columns:
        if column.required and column.name not in present:
            raise LoadError(f"{table}: required column '{column.name}' is missing")
    for column in columns:
        if column.name not in present:
            continue
        name = _quote(column.name)
        bad = con.execute(
            f"select count(*), min(cast({name} as varchar)) from {relation} "
            f"where {name} is not null and try_cast({name} as {column.type}) is null"
        ).fetchone()
        if bad[0]:
            raise LoadError(
                f"{table}.{column.name}: {bad[0]} value(s) cannot be read as {column.type} (e.g. {bad[1]!r})"
            )
    return present


def load_duckdb(
    directory: str | Path,
    database: str | None = None,
    schema: str = "raw",
    loaded_at: dt.datetime | None = None,
) -> dict[str, int]:
    """Load every raw table found in ``directory`` into ``schema`` of a DuckDB file; return row counts."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LoadError(f"{directory}: not a directory")
    loaded_at = loaded_at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    files = {table: find_file(directory, table) for table in TABLES}
    for table in REQUIRED_TABLES:
        if files[table] is None:
            raise LoadError(f"{table}: required table is missing (expected {table}.parquet or {table}.csv in {directory})")

    con = duckdb.connect(database or default_duckdb_path())
    try:
        con.execute("set TimeZone = 'UTC'")
        counts: dict[str, int] = {}
        statements = [f"create schema if not exists {_quote(schema)}"]
        for table, columns in TABLES.items():
            path = files[table]
            if path is None:
                select_list = ", ".join(f"cast(null as {c.type}) as {_quote(c.name)}" for c in columns)
                body = f"select {select_list}, cast(null as timestamp) as _loaded_at where false"
            else:
                relation = _reader(path)
                present = _check_columns(con, table, relation, columns)
                select_list = ", ".join(
                    f"cast({_quote(c.name)} as {c.type}) as {_quote(c.name)}"
                    if c.name in present
                    else f"cast(null as {c.type}) as {_quote(c.name)}"
                    for c in columns
                )
                body = f"select {select_list}, cast({_literal(loaded_at.isoformat(sep=' '))} as timestamp) as _loaded_at from {relation}"
            statements.append(f"create or replace table {_quote(schema)}.{_quote(table)} as {body}")
        con.execute("begin transaction")
        for statement in statements:
            con.execute(statement)
        con.execute("commit")
        for table in TABLES:
            counts[table] = con.execute(f"select count(*) from {_quote(schema)}.{_quote(table)}").fetchone()[0]
        return counts
    finally:
        con.close()


def load(directory: str | Path, target: str = "duckdb", **kwargs) -> dict[str, int]:
    if target == "duckdb":
        return load_duckdb(directory, **kwargs)
    raise LoadError(f"target '{target}' is not supported by the loader yet (supported: duckdb)")
