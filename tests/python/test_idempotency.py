"""Idempotency and concurrency on one DuckDB file: a build interrupted midway (killed) and re-run yields the same
marts as an uninterrupted build; a second build on unchanged data changes no mart and adds no snapshot rows; a
second build started while one is running fails with a clear message and leaves the file intact."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import time

import pytest

from conftest import DBT, PROJECT_DIR, Warehouse, dbt_env
from retention_warehouse.load import load_duckdb


def stable(value):
    """Doubles to 12 significant digits: DuckDB's parallel aggregation may add floating-point terms in another
    order from run to run (money is decimal and exact; rates are compared to 1e-9 everywhere else)."""
    return float(f"{value:.12g}") if isinstance(value, float) else value


def fingerprints(warehouse: Warehouse) -> dict[str, str]:
    """A digest of every table in the marts and snapshots schemas (rows sorted, so order does not matter)."""
    digests = {}
    with warehouse.connect() as con:
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             "where table_schema in ('marts', 'snapshots') order by 1, 2").fetchall()
        for schema, table in tables:
            rows = sorted(repr(tuple(stable(v) for v in row))
                          for row in con.execute(f'select * from "{schema}"."{table}"').fetchall())
            digests[f"{schema}.{table}"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def start_build(warehouse: Warehouse, tag: str) -> subprocess.Popen:
    return subprocess.Popen(
        [DBT, "build", "--target-path", str(warehouse.work_dir / f"target_{tag}"),
         "--log-path", str(warehouse.work_dir / f"logs_{tag}")],
        cwd=PROJECT_DIR, env=warehouse.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


@pytest.fixture(scope="module")
def reference(faulty_warehouse) -> dict[str, str]:
    return fingerprints(faulty_warehouse)


@pytest.fixture(scope="module")
def fresh(faulty_warehouse, tmp_path_factory) -> Warehouse:
    """The faulty warehouse's raw files loaded into a new DuckDB file, not built yet."""
    work_dir = tmp_path_factory.mktemp("idem")
    database = work_dir / "warehouse.duckdb"
    load_duckdb(faulty_warehouse.data_dir, database=str(database))
    return Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir, env=dbt_env(database))


def test_concurrent_build_fails_clearly_and_the_file_stays_intact(fresh, reference):
    first = start_build(fresh, "first")
    time.sleep(4)
    assert first.poll() is None, "the first build finished too early for the check"
    second = subprocess.run(
        [DBT, "build", "--target-path", str(fresh.work_dir / "target_second"),
         "--log-path", str(fresh.work_dir / "logs_second")],
        cwd=PROJECT_DIR, env=fresh.env, capture_output=True, text=True,
    )
    output = first.communicate(timeout=600)[0]
    assert first.returncode == 0, output[-3000:]
    assert second.returncode != 0
    assert "Could not set lock on file" in second.stdout + second.stderr
    assert fingerprints(fresh) == reference


def test_interrupted_build_rerun_equals_uninterrupted(faulty_warehouse, tmp_path_factory, reference):
    work_dir = tmp_path_factory.mktemp("killed")
    database = work_dir / "warehouse.duckdb"
    load_duckdb(faulty_warehouse.data_dir, database=str(database))
    warehouse = Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir,
                          env=dbt_env(database))
    build = start_build(warehouse, "killed")
    time.sleep(12)
    assert build.poll() is None, "the build finished before it could be interrupted"
    build.send_signal(signal.SIGKILL)
    build.wait()
    warehouse.dbt("build")
    assert fingerprints(warehouse) == reference


def test_second_build_on_unchanged_data_changes_nothing(fresh, reference):
    fresh.dbt("build")
    assert fingerprints(fresh) == reference
