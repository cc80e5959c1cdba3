"""Wrong configuration fails fast with a clear message before any SQL of a model runs."""

from __future__ import annotations

import shutil

import pytest

from conftest import Warehouse, dbt_env

RAW_TABLES = ("customers", "orders", "order_items", "products", "events", "experiment_assignments", "fx_rates")


@pytest.fixture(scope="module")
def scratch(faulty_warehouse, tmp_path_factory) -> Warehouse:
    work_dir = tmp_path_factory.mktemp("config")
    database = work_dir / faulty_warehouse.database.name
    shutil.copy(faulty_warehouse.database, database)
    return Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir, env=dbt_env(database))


def raw_tables(**overrides) -> str:
    tables = {name: overrides.get(name, name) for name in RAW_TABLES}
    return "{" + ", ".join(f"{k}: {v}" for k, v in tables.items()) + "}"


@pytest.mark.parametrize("variables, message", [
    ("{reporting_timezone: Mars/Olympus}", "reporting_timezone is not a known IANA time zone: 'Mars/Olympus'"),
    ("{week_start: friday}", "week_start must be 'monday' or 'sunday', got 'friday'"),
    ("{dormant_after_days: 200}", "lifecycle thresholds out of order"),
    ("{churned_after_days: 90}", "lifecycle thresholds out of order"),
    ("{as_of_date: 'yesterday'}", "as_of_date must be a date written YYYY-MM-DD, got 'yesterday'"),
    ("{as_of_date: '2024-02-30'}", "as_of_date is not a calendar date: '2024-02-30'"),
    ("{churn_warning_p_alive: 3}", "churn_warning_p_alive must be between 0 and 1"),
    ("{event_lookback_days: -1}", "event_lookback_days must be a whole number of days, 0 or more, got '-1'"),
    ("{recommendation_affinity_rules_per_product: 0}",
     "recommendation_affinity_rules_per_product must be a whole number, 1 or more, got '0'"),
    ("{system_event_types: [email_sent, add_to_cart]}",
     "system_event_types must not include the funnel step 'add_to_cart'"),
    (f"{{raw_tables: {raw_tables(orders='missing_orders')}}}", "the required raw table orders does not exist"),
    (f"{{raw_tables: {raw_tables(events='no_events')}}}", "the raw table events the configuration points at does not exist"),
])
def test_bad_configuration_fails_before_any_model(scratch, variables, message):
    before = scratch.query("select as_of_date from intermediate.int_as_of_date").as_of_date[0]
    result = scratch.dbt("build", "--select", "int_as_of_date", "--vars", variables, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert message in output, output[-3000:]
    assert "START sql" not in output, "a model started although the configuration is invalid"
    assert scratch.query("select as_of_date from intermediate.int_as_of_date").as_of_date[0] == before
