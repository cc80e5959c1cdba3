"""Load raw files (CSV or Parquet, named after the raw tables) into the target's raw schema.

The loader accepts the minimal contract: only the required columns must exist, absent optional columns are
filled with typed nulls, absent optional tables are created empty, and only ``orders`` is required. Every row
is stamped with ``_loaded_at``. A file whose column cannot be read as its contract type is rejected with a
one-line error naming the table and the column. Loading replaces the raw tables, so it is idempotent; with
``append=True`` it adds the files' rows to the raw tables instead (a daily batch: new events, late events, new
versions of changed orders and customers), which is what incremental processing reads by ``_loaded_at``.
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


CUSTOMER_TABLES = ("customers", "orders", "events", "experiment_assignments")


def pii_hash_sql(column: str) -> str:
    """The warehouse's hash_pii macro in DuckDB SQL: salted SHA-256 of the trimmed, lower-cased value."""
    salt = os.environ.get("RETENTION_PII_SALT", "retention-warehouse-demo-salt")
    return f"sha256({_literal(salt)} || lower(trim({column})))"


def _selects(con: duckdb.DuckDBPyConnection, directory: Path, loaded_at: dt.datetime,
             erased: str | None = None) -> dict[str, str]:
    """For every contract table, a DuckDB select that yields its rows in contract types (checked first). With
    ``erased`` (a relation of customer_hash values, see the forget_customer operation) rows of erased customers
    are left out, so reloading an old file never brings an erased customer back."""
    if not directory.is_dir():
        raise LoadError(f"{directory}: not a directory")
    files = {table: find_file(directory, table) for table in TABLES}
    for table in REQUIRED_TABLES:
        if files[table] is None:
            raise LoadError(f"{table}: required table is missing (expected {table}.parquet or {table}.csv in {directory})")
    stamp = f"cast({_literal(loaded_at.isoformat(sep=' '))} as timestamp) as _loaded_at"
    selects = {}
    for table, columns in TABLES.items():
        path = files[table]
        if path is None:
            select_list = ", ".join(f"cast(null as {c.type}) as {_quote(c.name)}" for c in columns)
            selects[table] = f"select {select_list}, cast(null as timestamp) as _loaded_at where false"
            continue
        relation = _reader(path)
        present = _check_columns(con, table, relation, columns)
        select_list = ", ".join(
            f"cast({_quote(c.name)} as {c.type}) as {_quote(c.name)}"
            if c.name in present
            else f"cast(null as {c.type}) as {_quote(c.name)}"
            for c in columns
        )
        select = f"select {select_list}, {stamp} from {relation}"
        if erased and table in CUSTOMER_TABLES:
            select += (f" where customer_id is null or {pii_hash_sql('customer_id')} "
                       f"not in (select customer_hash from {erased})")
        selects[table] = select
    if erased and files["order_items"] is not None:
        erased_orders = (f"select cast(order_id as varchar) from {_reader(files['orders'])} where customer_id is not null "
                         f"and {pii_hash_sql('customer_id')} in (select customer_hash from {erased})")
        selects["order_items"] += f" where order_id not in ({erased_orders})"
    return selects


def _erased_in_duckdb(con: duckdb.DuckDBPyConnection) -> str | None:
    found = con.execute("select count(*) from information_schema.tables "
                        "where table_schema = 'privacy' and table_name = 'erased_customers'").fetchone()[0]
    return "privacy.erased_customers" if found else None


def _now(precise: bool = False) -> dt.datetime:
    """The load stamp: UTC now, to the second (to the microsecond for appended batches, so two batches loaded
    within one second still carry different stamps)."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return now if precise else now.replace(microsecond=0)


def load_duckdb(
    directory: str | Path,
    database: str | None = None,
    schema: str = "raw",
    loaded_at: dt.datetime | None = None,
    append: bool = False,
) -> dict[str, int]:
    """Load every raw table found in ``directory`` into ``schema`` of a DuckDB file (replacing the tables, or
    appending to them); return row counts."""
    con = duckdb.connect(database or default_duckdb_path())
    try:
        con.execute("set TimeZone = 'UTC'")
        selects = _selects(con, Path(directory), loaded_at or _now(append), erased=_erased_in_duckdb(con))
        con.execute("begin transaction")
        con.execute(f"create schema if not exists {_quote(schema)}")
        for table, select in selects.items():
            relation = f"{_quote(schema)}.{_quote(table)}"
            if append:
                con.execute(f"create table if not exists {relation} as {select} limit 0")
                con.execute(f"insert into {relation} by name {select}")
            else:
                con.execute(f"create or replace table {relation} as {select}")
        con.execute("commit")
        return {
            table: con.execute(f"select count(*) from {_quote(schema)}.{_quote(table)}").fetchone()[0]
            for table in TABLES
        }
    finally:
        con.close()


PG_TYPES = {"varchar": "text"}


def postgres_dsn() -> str:
    """Connection string from the same environment variables as the postgres target of profiles.yml."""
    env = os.environ
    parts = {
        "host": env.get("RETENTION_PG_HOST", "127.0.0.1"),
        "port": env.get("RETENTION_PG_PORT", "5432"),
        "user": env.get("RETENTION_PG_USER", "postgres"),
        "dbname": env.get("RETENTION_PG_DATABASE", "retention"),
    }
    if env.get("RETENTION_PG_PASSWORD"):
        parts["password"] = env["RETENTION_PG_PASSWORD"]
    return " ".join(f"{key}={value}" for key, value in parts.items())


def load_postgres(
    directory: str | Path,
    dsn: str | None = None,
    schema: str = "raw",
    loaded_at: dt.datetime | None = None,
    append: bool = False,
) -> dict[str, int]:
    """Load the raw files into ``schema`` of a PostgreSQL database in one transaction (replacing the tables, or
    appending to them) (DuckDB reads and checks
    the files, PostgreSQL's COPY writes them); return row counts."""
    import tempfile

    import psycopg2

    reader = duckdb.connect()
    reader.execute("set TimeZone = 'UTC'")
    con = psycopg2.connect(dsn or postgres_dsn())
    with con.cursor() as cur:
        cur.execute("select to_regclass('privacy.erased_customers') is not null")
        hashes = []
        if cur.fetchone()[0]:
            cur.execute("select customer_hash from privacy.erased_customers")
            hashes = [row[0] for row in cur.fetchall()]
    con.rollback()
    reader.execute("create temporary table erased_customers (customer_hash varchar)")
    if hashes:
        reader.executemany("insert into erased_customers values (?)", [(h,) for h in hashes])
    selects = _selects(reader, Path(directory), loaded_at or _now(append),
                       erased="erased_customers" if hashes else None)
    try:
        with con, con.cursor() as cur, tempfile.TemporaryDirectory() as scratch:
            cur.execute(f"create schema if not exists {_quote(schema)}")
            for table, select in selects.items():
                columns = [*TABLES[table], Column("_loaded_at", "timestamp")]
                ddl = ", ".join(f"{_quote(c.name)} {PG_TYPES.get(c.type, c.type)}" for c in columns)
                if not append:
                    cur.execute(f"drop table if exists {_quote(schema)}.{_quote(table)}")
                cur.execute(f"create table if not exists {_quote(schema)}.{_quote(table)} ({ddl})")
                csv_path = Path(scratch) / f"{table}.csv"
                reader.execute(f"copy ({select}) to {_literal(str(csv_path))} (format csv, header false)")
                with open(csv_path, encoding="utf-8", newline="") as handle:  # keep \r inside values
                    names = ", ".join(_quote(c.name) for c in columns)
                    cur.copy_expert(f"copy {_quote(schema)}.{_quote(table)} ({names}) from stdin with (format csv)",
                                    handle)
            counts = {}
            for table in TABLES:
                cur.execute(f"select count(*) from {_quote(schema)}.{_quote(table)}")
                counts[table] = cur.fetchone()[0]
        return counts
    finally:
        con.close()
        reader.close()


SPARK_TYPES = {"varchar": "string"}


def spark_dir() -> str:
    return os.environ.get("RETENTION_SPARK_DIR", "spark")


def spark_conf(directory: str | None = None) -> dict[str, str]:
    """The Spark settings of the spark output of profiles.yml (dbt-spark `method: session`), read from the same
    environment variables, so the loader, dbt and the tests open the same warehouse directory and Derby
    metastore. Keep the two in step."""
    base = directory or spark_dir()
    return {
        "spark.master": f"local[{os.environ.get('RETENTION_SPARK_CORES', '2')}]",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": os.environ.get("RETENTION_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.sql.warehouse.dir": f"{base}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={base}/metastore_db;create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={base}/derby.log",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.ansi.enabled": "false",  # dbt-spark forces it off too
    }


def spark_session(directory: str | None = None):
    """A local SparkSession with Hive support on the profile's warehouse directory and metastore."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf(directory).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def load_spark(
    directory: str | Path,
    warehouse: str | None = None,
    schema: str = "raw",
    loaded_at: dt.datetime | None = None,
    append: bool = False,
) -> dict[str, int]:
    """Load the raw files into ``schema`` of the local Spark warehouse (replacing the tables, or appending) (``warehouse``, default RETENTION_SPARK_DIR)
    as Parquet-backed tables in contract types: DuckDB reads and checks the files and writes them as Parquet,
    Spark reads that and saves each table. Uses the Derby metastore alone: not while dbt runs."""
    import tempfile

    spark = spark_session(warehouse)
    erased = None
    reader = duckdb.connect()
    try:
        reader.execute("set TimeZone = 'UTC'")
        privacy = [row.tableName for row in spark.sql("show tables in privacy").collect()] \
            if spark.catalog.databaseExists("privacy") else []
        if "erased_customers" in privacy:
            hashes = [row[0] for row in spark.sql("select customer_hash from privacy.erased_customers").collect()]
            reader.execute("create temporary table erased_customers (customer_hash varchar)")
            if hashes:
                reader.executemany("insert into erased_customers values (?)", [(h,) for h in hashes])
                erased = "erased_customers"
        selects = _selects(reader, Path(directory), loaded_at or _now(append), erased=erased)
        spark.sql(f"create database if not exists `{schema}`")
        counts = {}
        with tempfile.TemporaryDirectory() as scratch:
            for table, select in selects.items():
                path = Path(scratch) / f"{table}.parquet"
                reader.execute(f"copy ({select}) to {_literal(str(path))} (format parquet)")
                frame = spark.read.parquet(str(path))
                columns = [*TABLES[table], Column("_loaded_at", "timestamp")]
                frame = frame.selectExpr(*(
                    f"cast(`{c.name}` as {SPARK_TYPES.get(c.type, c.type)}) as `{c.name}`" for c in columns))
                if append and spark.catalog.tableExists(f"`{schema}`.`{table}`"):
                    frame.write.format("parquet").mode("append").saveAsTable(f"`{schema}`.`{table}`")
                else:
                    spark.sql(f"drop table if exists `{schema}`.`{table}`")
                    frame.write.format("parquet").mode("overwrite").saveAsTable(f"`{schema}`.`{table}`")
                counts[table] = spark.table(f"`{schema}`.`{table}`").count()
        return counts
    finally:
        reader.close()


def load(directory: str | Path, target: str = "duckdb", database: str | None = None, **kwargs) -> dict[str, int]:
    """Load into the target: duckdb (file from ``database`` or DBT_DUCKDB_PATH), postgres (connection from the
    RETENTION_PG_* environment variables, as profiles.yml reads them) or spark (the local warehouse directory
    ``database`` or RETENTION_SPARK_DIR, as the profile's session output opens it)."""
    if target == "duckdb":
        return load_duckdb(directory, database=database, **kwargs)
    if target == "postgres":
        return load_postgres(directory, dsn=database, **kwargs)
    if target == "spark":
        return load_spark(directory, warehouse=database, **kwargs)
    raise LoadError(f"target '{target}' is not supported by the loader (duckdb, postgres, spark)")
