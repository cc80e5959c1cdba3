"""Source freshness reads _loaded_at: data loaded 2 days ago warns (warn after 36 h), 5 days ago errors (error
after 96 h), fresh data passes."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from conftest import DBT, PROJECT_DIR, dbt_env
from retention_warehouse.load import load_duckdb


@pytest.mark.parametrize("hours_ago, outcome", [(1, "pass"), (48, "warn"), (120, "error")])
def test_freshness_thresholds(faulty_warehouse, tmp_path, hours_ago, outcome):
    database = tmp_path / "fresh.duckdb"
    loaded_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(hours=hours_ago)
    load_duckdb(faulty_warehouse.data_dir, database=str(database), loaded_at=loaded_at)
    result = subprocess.run(
        [DBT, "source", "freshness", "--select", "source:shop.orders", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=PROJECT_DIR, env=dbt_env(database), capture_output=True, text=True,
    )
    output = result.stdout
    if outcome == "pass":
        assert result.returncode == 0 and "PASS freshness of shop.orders" in output, output[-2000:]
    elif outcome == "warn":
        assert result.returncode == 0 and "WARN freshness of shop.orders" in output, output[-2000:]
    else:
        assert result.returncode != 0 and "ERROR STALE freshness of shop.orders" in output, output[-2000:]
