"""Erasure: `dbt run-operation forget_customer` removes one customer everywhere the warehouse keeps them (raw,
staging tables, quarantine, intermediate, marts, snapshots); nothing identifying remains, and neither a rebuild
nor reloading the original files brings them back."""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest

from conftest import Warehouse, dbt_env
from retention_warehouse.load import load_duckdb


@pytest.fixture(scope="module")
def erased(faulty_warehouse, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("erasure")
    database = work_dir / faulty_warehouse.database.name
    shutil.copy(faulty_warehouse.database, database)
    warehouse = Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir,
                          env=dbt_env(database))
    # a customer with orders, events, anonymous devices and a snapshot row
    customer = warehouse.query(
        "select c.customer_id from marts.dim_customers c join raw.events e on e.customer_id = c.customer_id "
        "where c.lifetime_orders >= 2 and e.anonymous_id is not null order by c.customer_id limit 1").customer_id[0]
    items_before = warehouse.query("select count(*) as n from raw.order_items").n[0]
    anonymous = set(warehouse.query(
        f"select distinct anonymous_id from raw.events where customer_id = '{customer}' "
        "and anonymous_id is not null").anonymous_id)
    orders = set(warehouse.query(f"select order_id from raw.orders where customer_id = '{customer}'").order_id)
    assert anonymous and orders
    items_of_customer = warehouse.query(
        f"select count(*) as n from raw.order_items where order_id in (select order_id from raw.orders "
        f"where customer_id = '{customer}')").n[0]
    warehouse.dbt("run-operation", "forget_customer", "--args", f"{{customer_id: '{customer}'}}")
    warehouse.kept_items = items_before - items_of_customer
    return warehouse, customer, anonymous, orders


def occurrences(warehouse: Warehouse, values: set[str]) -> list[str]:
    """Every relation and column (any schema, views included) holding one of the values."""
    hits = []
    literals = ", ".join(f"'{v}'" for v in values)
    with warehouse.connect() as con:
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where data_type = 'VARCHAR'").fetchall()
        for schema, table, column in columns:
            found = con.execute(f'select count(*) from "{schema}"."{table}" where "{column}" in ({literals})').fetchone()[0]
            if found:
                hits.append(f"{schema}.{table}.{column}")
    return hits


def test_nothing_identifying_remains(erased):
    warehouse, customer, anonymous, orders = erased
    assert occurrences(warehouse, {customer} | anonymous | orders) == []
    assert warehouse.query("select count(*) as n from privacy.erased_customers").n[0] == 1


def test_a_rebuild_does_not_bring_the_customer_back(erased):
    warehouse, customer, anonymous, orders = erased
    warehouse.dbt("build")
    assert occurrences(warehouse, {customer} | anonymous | orders) == []


def test_reloading_the_original_files_does_not_bring_the_customer_back(erased):
    warehouse, customer, anonymous, orders = erased
    load_duckdb(warehouse.data_dir, database=str(warehouse.database))
    assert warehouse.query(f"select count(*) as n from raw.customers where customer_id = '{customer}'").n[0] == 0
    assert warehouse.query(f"select count(*) as n from raw.orders where customer_id = '{customer}'").n[0] == 0
    orders_list = ", ".join(f"'{o}'" for o in orders)
    assert warehouse.query(f"select count(*) as n from raw.order_items where order_id in ({orders_list})").n[0] == 0
    assert warehouse.query("select count(*) as n from raw.customers").n[0] > 1000


def test_the_erasure_records_exact_hashes_of_the_id_and_its_devices(erased):
    warehouse, customer, anonymous, orders = erased
    salt = "retention-warehouse-demo-salt"  # the fixture stores no salt
    assert list(warehouse.query("select customer_hash from privacy.erased_customers").customer_hash) == [
        hashlib.sha256((salt + customer).encode()).hexdigest()]
    assert set(warehouse.query("select anonymous_hash from privacy.erased_anonymous_ids").anonymous_hash) == {
        hashlib.sha256((salt + a).encode()).hexdigest() for a in anonymous}


def test_a_reload_keeps_every_other_order_line_although_some_order_id_is_empty(erased, tmp_path):
    warehouse, customer, anonymous, orders = erased
    folder = tmp_path / "raw"
    shutil.copytree(warehouse.data_dir, folder)
    raw_orders = pd.read_parquet(folder / "orders.parquet")
    nameless = raw_orders.head(1).copy()
    nameless["order_id"] = None
    pd.concat([raw_orders, nameless]).to_parquet(folder / "orders.parquet", index=False)
    load_duckdb(folder, database=str(warehouse.database))
    assert warehouse.query("select count(*) as n from raw.orders where order_id is null").n[0] == 1
    assert warehouse.query("select count(*) as n from raw.order_items").n[0] == warehouse.kept_items


def test_a_reload_keeps_a_customer_whose_id_differs_only_in_case(erased, tmp_path):
    warehouse, customer, anonymous, orders = erased
    folder = tmp_path / "raw"
    shutil.copytree(warehouse.data_dir, folder)
    customers = pd.read_parquet(folder / "customers.parquet")
    twin = customers.head(1).copy()
    twin["customer_id"] = customer.upper()
    pd.concat([customers, twin]).to_parquet(folder / "customers.parquet", index=False)
    load_duckdb(folder, database=str(warehouse.database))
    kept = warehouse.query("select customer_id from raw.customers where lower(customer_id) = lower("
                           f"'{customer}')").customer_id.tolist()
    assert kept == [customer.upper()]


def test_a_reload_does_not_bring_back_the_events_of_the_customers_devices(erased):
    warehouse, customer, anonymous, orders = erased
    load_duckdb(warehouse.data_dir, database=str(warehouse.database))
    devices = ", ".join(f"'{a}'" for a in anonymous)
    assert warehouse.query(f"select count(*) as n from raw.events where anonymous_id in ({devices})").n[0] == 0
    assert warehouse.query("select count(*) as n from raw.events").n[0] > 10_000
