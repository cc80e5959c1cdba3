"""Access on PostgreSQL: dbt grants give the BI role SELECT on the marts schema only; connected as that role we
can read every mart and cannot read raw, staging, quarantine, intermediate or snapshot data."""

from __future__ import annotations

import psycopg2
import pytest

from conftest import BI_ROLE


def query_as_bi(server, sql: str):
    con = psycopg2.connect(server.dsn(user=BI_ROLE))
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        con.close()


def relations(server, schema: str) -> list[str]:
    con = psycopg2.connect(server.dsn())
    try:
        with con.cursor() as cur:
            cur.execute("select table_name from information_schema.tables where table_schema = %s", (schema,))
            return sorted(row[0] for row in cur.fetchall())
    finally:
        con.close()


def test_bi_role_reads_every_mart(postgres_warehouse):
    marts = relations(postgres_warehouse.server, "marts")
    assert "dim_customers" in marts and "fct_cohort_retention" in marts
    for mart in marts:
        assert query_as_bi(postgres_warehouse.server, f'select count(*) from marts."{mart}"')[0][0] >= 0


@pytest.mark.parametrize("schema", ["raw", "staging", "intermediate", "snapshots"])
def test_bi_role_cannot_read_other_layers(postgres_warehouse, schema):
    tables = relations(postgres_warehouse.server, schema)
    assert tables, f"no relation in {schema}: the check would prove nothing"
    for table in tables:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            query_as_bi(postgres_warehouse.server, f'select * from {schema}."{table}" limit 1')


def test_quarantine_is_not_readable_by_bi(postgres_warehouse):
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
        query_as_bi(postgres_warehouse.server, "select * from staging.stg_shop__quarantine limit 1")
