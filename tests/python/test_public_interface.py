"""The manifest's public models carry the public interface of metrics.md: names, required columns, access
public and an enforced contract (metrics.md, "Public interface")."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, dbt_env

SPEC = next(p for p in (PROJECT_DIR.parent / "shared" / "metrics.md", PROJECT_DIR / "docs" / "metrics.md") if p.exists())

# public marts whose issue has not landed yet; each entry names the issue that delivers it
PENDING: dict[str, str] = {}
PENDING_COLUMNS: dict[tuple[str, str], str] = {}

# public marts an issue names beyond the spec's table (they keep the issue's names; docs/metrics.md lists them too)
ISSUE_MARTS: dict[str, list[str]] = {
    # issue 24, items 4 and 5
    "fct_retention_brackets": ["cohort_basis", "activity_basis", "cohort_date", "bracket", "bracket_first_day",
                               "bracket_last_day", "cohort_size", "retained_customers", "retention_rate",
                               "is_complete"],
    "fct_nday_value": ["cohort_basis", "cohort_grain", "cohort_start", "n_days", "cohort_size",
                       "cumulative_net_revenue", "value_per_customer", "is_complete"],
    "fct_usage_interval": ["cohort_month", "cohort_size", "customers_with_repeat", "p25_median_gap_days",
                           "p50_median_gap_days", "p75_median_gap_days"],
    # issue 24, item 6 (enabled where predicted CLV is)
    "fct_customer_predictions": ["customer_id", "prediction_status", "historic_clv", "average_order_value",
                                 "average_days_between_orders", "predicted_orders", "predicted_clv", "total_clv",
                                 "churn_probability", "expected_next_order_date"],
}


def public_interface() -> dict[str, list[str]]:
    text = SPEC.read_text()
    section = text.split("## Public interface", 1)[1].split("\n## ", 1)[0]
    interface = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`(\w+)`\s*\|[^|]*\|([^|]*)\|", line)
        if match:
            text = re.sub(r"\([^)]*\)", "", match.group(2))  # drop notes such as ('bg_nbd', 'gamma_gamma')
            columns = [c.strip().split(" ")[0] for c in text.split(",")]
            interface[match.group(1)] = [c for c in columns if c]
    return interface


def public_models() -> dict[str, list[str]]:
    """The spec's table and the issue marts it does not list."""
    return {**ISSUE_MARTS, **public_interface()}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("parse")
    env = dbt_env(target / "unused.duckdb")
    dbt = str(Path(sys.executable).with_name("dbt"))
    subprocess.run([dbt, "parse", "--target-path", str(target), "--log-path", str(target)],
                   cwd=PROJECT_DIR, env=env, check=True, capture_output=True)
    return json.loads((target / "manifest.json").read_text())


def test_spec_table_is_parsed():
    interface = public_interface()
    for name, columns in ISSUE_MARTS.items():  # where the spec's table lists an issue mart, the two agree
        assert interface.get(name, columns) == columns, name
    assert len(interface) >= 15
    assert interface["fct_orders"] == ["order_id", "customer_id", "ordered_at", "order_date", "order_sequence", "net_revenue"]
    assert interface["fct_clv_parameters"] == ["model_name", "parameter", "value", "time_unit", "log_likelihood"]


@pytest.mark.parametrize("model_name", sorted(public_models()))
def test_public_model_carries_its_contract(manifest, model_name):
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    if model_name not in nodes:
        if model_name in PENDING:
            pytest.skip(f"{model_name} is delivered by {PENDING[model_name]}")
        pytest.fail(f"public model {model_name} is missing from the manifest")
    node = nodes[model_name]
    assert node["access"] == "public", f"{model_name} must have access: public"
    if node["language"] == "python":  # metrics.md exempts the Python CLV models from contracts
        assert not node["config"]["contract"]["enforced"]
    else:
        assert node["config"]["contract"]["enforced"], f"{model_name} must enforce its contract"
        # versioned, with the plain relation name kept for BI tools
        assert node["version"] is not None and node["latest_version"] == node["version"], model_name
        assert node["alias"] == model_name, f"{model_name} must keep its relation name"
    assert node["description"].strip(), f"{model_name} needs a description"
    columns = node["columns"]
    missing = [c for c in public_models()[model_name] if c not in columns and (model_name, c) not in PENDING_COLUMNS]
    assert not missing, f"{model_name} lacks public columns {missing}"
    for name, column in columns.items():
        assert column.get("data_type"), f"{model_name}.{name} has no data_type in its contract"
        assert column.get("description", "").strip(), f"{model_name}.{name} has no description"


def test_every_public_model_is_documented_and_contracted(manifest):
    """Beyond the table: every model marked public has a contract and documented columns."""
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node.get("access") == "public" and node["language"] == "sql":
            assert node["config"]["contract"]["enforced"], node["name"]
            assert all(c.get("description", "").strip() for c in node["columns"].values()), node["name"]


def test_unit_test_names_fit_postgres_identifiers(manifest):
    """dbt names a unit test's fixture relation after the test (plus _v1 on versioned marts); PostgreSQL cuts
    identifiers at 63 characters and dbt refuses longer ones, so the names stay at 60 or less."""
    too_long = [n["name"] for n in manifest["unit_tests"].values() if len(n["name"]) + len("_v1") > 63]
    assert not too_long, too_long
