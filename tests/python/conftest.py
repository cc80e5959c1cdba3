"""Shared fixtures: a generated dataset loaded and built end to end in a temporary DuckDB file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
import yaml

# the event models incremental by day (macros/incremental/event_days.sql); the engine tests run them once more
# incrementally and compare them too
INCREMENTAL_MODELS = ("base_shop__events", "stg_shop__event_identity_days", "stg_shop__event_hours",
                      "stg_shop__event_identity_pairs")

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))
BI_ROLE = "retention_bi"

# vars every test build runs with, unless a test sets them itself: the generated histories are 300 days or shorter,
# so the default expiry (365 days without activity) would never fire and the expiry marts and the "points about to
# expire" audience would be empty in the engine comparisons
TEST_VARS = {"loyalty_expiry_days": 120}
# the dbt commands that read vars
VARS_COMMANDS = {"build", "run", "test", "compile", "show", "seed", "snapshot", "run-operation", "ls", "list"}


@dataclass
class Warehouse:
    """A DuckDB warehouse built from a generated dataset."""

    data_dir: Path
    database: Path
    work_dir: Path
    env: dict = field(default_factory=dict)

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        args = with_test_vars(args)
        command = [DBT, *args, "--target-path", str(self.work_dir / "target"), "--log-path", str(self.work_dir / "logs")]
        result = subprocess.run(command, cwd=PROJECT_DIR, env=self.env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
        return result

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.database), read_only=True)

    def query(self, sql: str):
        with self.connect() as con:
            return con.execute(sql).fetchdf()


def with_test_vars(args: tuple[str, ...]) -> tuple[str, ...]:
    """The dbt arguments with TEST_VARS merged into --vars (the test's own values win)."""
    if not args or args[0] not in VARS_COMMANDS:
        return args
    if "--vars" not in args:
        return (*args, "--vars", json.dumps(TEST_VARS))
    at = args.index("--vars")
    try:
        given = yaml.safe_load(args[at + 1]) or {}
    except yaml.YAMLError:  # a test that hands dbt malformed vars on purpose
        return args
    merged = {**TEST_VARS, **given}
    return (*args[:at + 1], json.dumps(merged), *args[at + 2:])


def dbt_env(database: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env.update(
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        DBT_DUCKDB_PATH=str(database),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        RETENTION_TARGET="duckdb",
    )
    env.pop("RETENTION_PII_SALT", None)
    return env


def build_warehouse(work_dir: Path, *, customers: int, days: int, seed: int, fault_rate: float = 0.0,
                    start_date: str = "2024-01-01", build_args: tuple[str, ...] = (), loyalty: bool = False,
                    command: str = "build") -> Warehouse:
    """Generate, load and build (`dbt <command> <build_args>`) a warehouse in work_dir."""
    from retention_warehouse.generate import generate
    from retention_warehouse.load import load_duckdb

    work_dir.mkdir(parents=True, exist_ok=True)
    data_dir = work_dir / "raw"
    generate(data_dir, customers=customers, seed=seed, start_date=start_date, days=days, fault_rate=fault_rate,
             loyalty=loyalty)
    database = work_dir / "warehouse.duckdb"
    load_duckdb(data_dir, database=str(database))
    warehouse = Warehouse(data_dir=data_dir, database=database, work_dir=work_dir, env=dbt_env(database))
    warehouse.dbt(command, *build_args)
    return warehouse


def fault_manifest(warehouse: Warehouse):
    """The generator's record of every injected fault (its truth folder)."""
    import pandas as pd

    return pd.read_parquet(warehouse.data_dir / "_truth" / "faults.parquet")


def quarantined_rows(warehouse: Warehouse):
    """Every quarantined row of the build: table, record id and reason."""
    return warehouse.query("select source_table, record_id, quarantine_reason from staging.stg_shop__quarantine")


@pytest.fixture(scope="session")
def faulty_warehouse(tmp_path_factory) -> Warehouse:
    """1,500 customers over 300 days with faults injected in every class, built with `dbt build`
    (every unit test and data test of the project runs on it)."""
    return build_warehouse(tmp_path_factory.mktemp("faulty"), customers=1500, days=300, seed=7, fault_rate=0.02)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A throwaway PostgreSQL server on 127.0.0.1 (CI installs the binaries; see .ci/run)."""
    from retention_warehouse import pgserver

    if pgserver.server_bin_dir() is None:
        pytest.fail("PostgreSQL server binaries are missing: apt-get install -y postgresql")
    server = pgserver.start(tmp_path_factory.mktemp("postgres"))
    yield server
    server.stop()


def postgres_env(server) -> dict:
    env = dbt_env(Path("/nonexistent.duckdb"))
    env.update(server.env, RETENTION_TARGET="postgres")
    return env


@pytest.fixture(scope="session")
def postgres_warehouse(faulty_warehouse, postgres_server, tmp_path_factory) -> Warehouse:
    """The faulty_warehouse's raw files loaded into PostgreSQL and built there with `dbt build`."""
    from retention_warehouse.load import load_postgres

    import psycopg2

    work_dir = tmp_path_factory.mktemp("pg_build")
    load_postgres(faulty_warehouse.data_dir, dsn=postgres_server.dsn())
    con = psycopg2.connect(postgres_server.dsn())
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"create role {BI_ROLE} login")
    con.close()
    warehouse = Warehouse(data_dir=faulty_warehouse.data_dir, database=Path("/nonexistent.duckdb"),
                          work_dir=work_dir, env=postgres_env(postgres_server))
    warehouse.server = postgres_server
    warehouse.dbt("build", "--vars", f"{{bi_roles: [{BI_ROLE}]}}")
    # an incremental run of the event models (delete+insert of every day: all rows came in the watermark's load)
    warehouse.dbt("run", "--select", *INCREMENTAL_MODELS, "--vars", f"{{bi_roles: [{BI_ROLE}]}}")
    return warehouse
