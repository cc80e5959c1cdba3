"""Wrong configuration fails fast with a clear message before any SQL of a model runs."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from conftest import Warehouse, dbt_env

RAW_TABLES = ("customers", "orders", "order_items", "products", "events", "experiment_assignments", "fx_rates",
              "loyalty_ledger")


@pytest.fixture(scope="module")
def scratch(faulty_warehouse, tmp_path_factory) -> Warehouse:
    work_dir = tmp_path_factory.mktemp("config")
    database = work_dir / faulty_warehouse.database.name
    shutil.copy(faulty_warehouse.database, database)
    return Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir, env=dbt_env(database))


def raw_tables(**overrides) -> str:
    tables = {name: overrides.get(name, name) for name in RAW_TABLES}
    return "{" + ", ".join(f"{k}: {v}" for k, v in tables.items()) + "}"


# values checked one at a time: checks that read the warehouse or that depend on each other (the other values are
# checked many at once below, each invocation of dbt costing a full parse)
@pytest.mark.parametrize("variables, message", [
    ("{reporting_timezone: Mars/Olympus}", "reporting_timezone is not a known IANA time zone: 'Mars/Olympus'"),
    ("{week_start: friday}", "week_start must be 'monday' or 'sunday', got 'friday'"),
    ("{dormant_after_days: 200}", "lifecycle thresholds out of order"),
    ("{churned_after_days: 90}", "lifecycle thresholds out of order"),
    ("{as_of_date: 'yesterday'}", "as_of_date must be a date written YYYY-MM-DD, got 'yesterday'"),
    ("{as_of_date: '2024-02-30'}", "as_of_date is not a calendar date: '2024-02-30'"),
    (f"{{raw_tables: {raw_tables(orders='missing_orders')}}}", "the required raw table orders does not exist"),
    (f"{{raw_tables: {raw_tables(events='no_events')}}}", "the raw table events the configuration points at does not exist"),
    # min_valid_timestamp and as_of_date are checked against each other: one case each
    ("{min_valid_timestamp: 'yesterday'}",
     "min_valid_timestamp must be a date written YYYY-MM-DD or a timestamp YYYY-MM-DD HH:MM:SS (UTC), got 'yesterday'"),
    ("{min_valid_timestamp: '1899-12-31'}", "min_valid_timestamp must be 1900-01-01 or later, got '1899-12-31'"),
    ("{min_valid_timestamp: '2023-02-29'}", "min_valid_timestamp is not a calendar date: '2023-02-29'"),
    ("{min_valid_timestamp: '2999-01-01'}", "min_valid_timestamp must be in the past"),
    ("{min_valid_timestamp: '2024-06-01', as_of_date: '2024-05-31'}",
     "as_of_date (2024-05-31) is before min_valid_timestamp (2024-06-01)"),
    (f"{{raw_tables: {raw_tables()[:-1]}, order_lines: order_items}}}}",
     "raw_tables has an unknown entry 'order_lines'"),
])
def test_bad_configuration_fails_before_any_model(scratch, variables, message):
    before = scratch.query("select as_of_date from intermediate.int_as_of_date").as_of_date[0]
    result = scratch.dbt("build", "--select", "int_as_of_date", "--vars", variables, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert message in output, output[-3000:]
    assert "START sql" not in output, "a model started although the configuration is invalid"
    assert scratch.query("select as_of_date from intermediate.int_as_of_date").as_of_date[0] == before


# one bad value per group of dbt_project.yml's vars, each reported on a line of its own (values that the models'
# own Jinja still parses: a var a model computes with at parse time, such as week_start, fails dbt's parsing first)
MANY_PROBLEMS = {
    "raw_schema: ''": "raw_schema must be a schema name, got ''",
    "system_event_types: email_sent": "system_event_types must be a list of event types",
    "rfm_lookback_days: 1.5": "rfm_lookback_days must be a whole number of days, 1 or more, got '1.5'",
    "new_customer_days: '30'": "new_customer_days must be a whole number of days, 1 or more, got '30' (text)",
    "churn_warning_factor: 0": "churn_warning_factor must be a number greater than 0, got '0'",
    "clv_horizon_days: -1": "clv_horizon_days must be a whole number of days, 1 or more, got '-1'",
    "clv_time_unit_days: 1.5": "clv_time_unit_days must be a whole number of days, 1 or more, got '1.5'",
    "browse_abandonment_min_views: 0":
        "browse_abandonment_min_views must be a whole number of product views, 1 or more",
    "cart_abandonment_window_hours: 0": "cart_abandonment_window_hours must be a whole number of hours, 1 or more",
    "win_back_min_m_score: 6": "win_back_min_m_score must be a whole number from 1 to 5, got '6'",
    "experiment_control_variant: ''": "experiment_control_variant must be the name of the control variant, got ''",
    "affinity_window_days: -1": "affinity_window_days must be a whole number of days, 0 or more, got '-1'",
    "affinity_min_pair_count: 0": "affinity_min_pair_count must be a whole number of transactions, 1 or more",
    "affinity_min_support: 2": "affinity_min_support must be a share from 0 to 1, got '2'",
    "recommendation_top_k: 0": "recommendation_top_k must be a whole number, 1 or more, got '0'",
    "consumable_categories: grocery": "consumable_categories must be a list of product categories",
    "recommendation_categories: 0": "recommendation_categories must be a whole number, 1 or more, got '0'",
    "recommendation_purchase_weight: -1": "recommendation_purchase_weight must be a number, 0 or more, got '-1'",
    "driver_behaviour_window_days: '7'": "driver_behaviour_window_days must be a whole number of days from 0 to 29",
    "driver_min_products_viewed: 0": "driver_min_products_viewed must be a whole number of products, 1 or more",
    "driver_min_items: 0": "driver_min_items must be a whole number of items, 1 or more, got '0'",
    "max_item_quantity: 0": "max_item_quantity must be a whole number of units, 1 or more, got '0'",
    "event_type_pattern: 5": "event_type_pattern must be a non-empty regular expression without a single quote",
    "reporting_currency: usd": "reporting_currency must be a 3-letter ISO code, got 'usd'",
    "bi_roles: admin": "bi_roles must be a list of role names, got 'admin'",
    "max_order_amount: 0": "max_order_amount must be a positive number (per order, in the reporting currency)",
    "retention_brackets: [[0, 1]]": "retention_brackets must be a list of [first, last] day pairs",
}

# a second value for some of the same vars (and the checks of whole values, not only of types)
MORE_PROBLEMS = {
    # the data-quality guards: today's values would fail deep in the run, or quarantine every row
    "max_order_amount: '25k'":
        "max_order_amount must be a positive number (per order, in the reporting currency), got '25k'",
    "id_pattern: ''": "id_pattern must be a non-empty regular expression without a single quote, got ''",
    "churn_warning_p_alive: 3": "churn_warning_p_alive must be between 0 and 1",
    "event_lookback_days: -1": "event_lookback_days must be a whole number of days, 0 or more, got '-1'",
    "recommendation_affinity_rules_per_product: 0":
        "recommendation_affinity_rules_per_product must be a whole number, 1 or more, got '0'",
    "system_event_types: [email_sent, add_to_cart]":
        "system_event_types must not include the funnel step 'add_to_cart'",
    # personalization: the allowed values come from the models (fct_product_affinity builds two scopes)
    "recommendation_affinity_scope: session":
        "recommendation_affinity_scope must be 'window' or 'order', got 'session'",
    "win_back_min_tier: diamond":
        "win_back_min_tier must be a membership tier of the membership_tiers seed (none, bronze, gold, platinum), "
        "got 'diamond'",
    # retention insights: brackets ascending and disjoint; N-day value days ascending; Klaviyo's conditions
    "retention_brackets: [[1, 3], [3, 7]]": "retention_brackets must be a list of [first, last] day pairs",
    "nday_value_days: [7, 1]": "nday_value_days must be a list of whole numbers of days, 1 or more, ascending",
    "predictive_min_customers: 0": "predictive_min_customers must be a whole number of customers, 1 or more",
    # loyalty points
    "loyalty_ledger_source: platform": "loyalty_ledger_source must be 'auto', 'supplied' or 'derived', got 'platform'",
    "loyalty_expiry_rule: never": "loyalty_expiry_rule must be 'inactivity', 'lifetime' or 'none', got 'never'",
    "loyalty_redemption_value: 0": "loyalty_redemption_value must be a positive number (reporting currency per point)",
    # the daily job's test scope
    "test_scope_since: yesterday": "test_scope_since must be null (data tests check whole tables) or the first event"
                                   " day the daily job rebuilt, written YYYY-MM-DD, got 'yesterday'",
}


@pytest.mark.parametrize("problems", [MANY_PROBLEMS, MORE_PROBLEMS], ids=["many", "more"])
def test_every_problem_is_listed_on_its_own_line(scratch, problems):
    before = scratch.query("select as_of_date from intermediate.int_as_of_date").as_of_date[0]
    result = scratch.dbt("build", "--select", "int_as_of_date", "--vars", "{" + ", ".join(problems) + "}",
                         check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "START sql" not in output, "a model started although the configuration is invalid"
    lines = [line.strip() for line in output.splitlines()]
    missing = [message for message in problems.values()
               if not any(line.startswith("- " + message) for line in lines)]
    assert not missing, output[-6000:]
    assert sum(line.startswith("- ") for line in lines) == len(problems), output[-6000:]
    assert scratch.query("select as_of_date from intermediate.int_as_of_date").as_of_date[0] == before


@pytest.fixture(scope="module")
def empty_orders(faulty_warehouse, tmp_path_factory) -> Warehouse:
    """A copy of the warehouse whose raw orders table holds no row (e.g. a header-only orders file loaded)."""
    work_dir = tmp_path_factory.mktemp("empty_orders")
    database = work_dir / faulty_warehouse.database.name
    shutil.copy(faulty_warehouse.database, database)
    with duckdb.connect(str(database)) as con:
        con.execute("delete from raw.orders")
    return Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir, env=dbt_env(database))


def test_empty_orders_fail_before_any_model(empty_orders):
    result = empty_orders.dbt("build", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "the raw table orders is empty: load at least one order" in output, output[-3000:]
    assert "START sql" not in output, "a model started although raw orders is empty"
