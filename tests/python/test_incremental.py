"""Incremental event processing (issue 6): a sequence of daily incremental runs, with late events, a re-sent
event, a retroactive identification, a customer flagged as a test account and an event re-sent without its
customer id arriving in later batches (the last two each leave a rebuilt day with no row), gives exactly the
tables of one full refresh on the same raw data; and a run reads only the days that changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import Warehouse, dbt_env
from retention_warehouse import replay
from retention_warehouse.generate import generate
from retention_warehouse.load import load_duckdb
from test_idempotency import stable

START = dt.date(2024, 1, 1)
DAYS = 150
FIRST_DAY = START + dt.timedelta(days=DAYS - 6)  # the last 6 days arrive one batch a day
BATCHES = 6
# the incremental tables compared too (marts are compared in full); _loaded_at is data, so it must agree as well
INCREMENTAL = ("staging.base_shop__events", "staging.stg_shop__event_identity_days", "staging.stg_shop__event_hours",
               "staging.stg_shop__event_identity_pairs")


def append_rows(con: duckdb.DuckDBPyConnection, directory: Path, table: str, select: str) -> None:
    """Add the rows of ``select`` (same columns as the file) to ``directory/table.parquet``."""
    path = directory / f"{table}.parquet"
    con.execute(f"create or replace temporary table appended as select * from read_parquet('{path}') "
                f"union all by name {select}")
    con.execute(f"copy appended to '{path}' (format parquet)")


def craft(batches: list[replay.Batch]) -> dict:
    """Put four history-changing rows into later batches; return what they are about."""
    initial = batches[0].directory
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    events = f"read_parquet('{initial}/events.parquet')"
    # 1. a re-sent copy of an old event, received earlier than the copy we hold, so the new copy wins
    resent = con.execute(f"""select event_id from {events} where received_at is not null and customer_id is not null
                             and occurred_at < timestamp '{FIRST_DAY - dt.timedelta(days=60)}'
                             group by 1 having count(*) = 1 order by 1 limit 1""").fetchone()[0]
    append_rows(con, batches[2].directory, "events", f"""
        select * replace (received_at - interval 1 second as received_at) from {events} where event_id = '{resent}'""")
    # 2. an existing customer with events weeks ago is flagged as a test account
    flagged = con.execute(f"""select customer_id from {events} where regexp_full_match(customer_id, 'c[0-9]+')
                              and occurred_at < timestamp '{FIRST_DAY - dt.timedelta(days=30)}'
                              group by 1 order by count(*) desc, 1 limit 1""").fetchone()[0]
    append_rows(con, batches[3].directory, "customers", f"""
        select * replace (true as is_test, timestamp '{batches[3].day} 08:00:00' as updated_at)
        from read_parquet('{initial}/customers.parquet') where customer_id = '{flagged}'""")
    # 3. a visitor who browsed anonymously weeks ago logs in as an existing customer: retroactive stitching
    visitor = con.execute(f"""select anonymous_id from {events} where anonymous_id is not null
                              group by 1 having count(customer_id) = 0 and count(distinct cast(occurred_at as date)) >= 2
                              and max(occurred_at) < timestamp '{FIRST_DAY - dt.timedelta(days=20)}'
                              order by 1 limit 1""").fetchone()[0]
    owner = con.execute(f"""select customer_id from read_parquet('{initial}/customers.parquet')
                            where customer_id <> '{flagged}' and not coalesce(is_test, false)
                            and regexp_full_match(customer_id, 'c[0-9]+')
                            order by customer_id limit 1""").fetchone()[0]
    login_at = f"timestamp '{batches[4].day} 09:00:00'"
    append_rows(con, batches[4].directory, "events", f"""
        select * replace ('e_incremental_login' as event_id, {login_at} as occurred_at, {login_at} as received_at,
                          'login' as event_type, '{owner}' as customer_id, '{visitor}' as anonymous_id)
        from {events} where event_id = '{resent}'""")
    # 4. an event that occurred 40 days ago arrives today (far beyond the lookback window)
    late_day = batches[5].day - dt.timedelta(days=40)
    append_rows(con, batches[5].directory, "events", f"""
        select * replace ('e_incremental_late' as event_id, timestamp '{late_day} 12:00:00' as occurred_at,
                          timestamp '{batches[5].day} 07:00:00' as received_at, 'product_view' as event_type,
                          '{owner}' as customer_id, null as anonymous_id)
        from {events} where event_id = '{resent}'""")
    # 5. and 6. two identity pairs alone on their day (before any other event), built by the run of batch 1; then
    # a later batch takes each day's only row away: 5. batch 3 flags the pair's customer is_test (the customer of
    # 2.), 6. batch 2 re-sends the event without its customer id, received earlier, so the copy without it wins.
    # The rebuilt days come out empty, and must end up empty as in a full refresh.
    lone_days = {"flagged": START - dt.timedelta(days=10), "unpaired": START - dt.timedelta(days=12)}
    received_at = f"timestamp '{batches[1].day} 10:00:00'"
    for name, customer in (("flagged", flagged), ("unpaired", owner)):
        occurred_at = f"timestamp '{lone_days[name]} 12:00:00'"
        append_rows(con, batches[1].directory, "events", f"""
            select * replace ('e_incremental_{name}' as event_id, {occurred_at} as occurred_at,
                              {received_at} as received_at, 'page_view' as event_type, '{customer}' as customer_id,
                              'a_incremental_{name}' as anonymous_id)
            from {events} where event_id = '{resent}'""")
    append_rows(con, batches[2].directory, "events", f"""
        select * replace ('e_incremental_unpaired' as event_id, timestamp '{lone_days["unpaired"]} 12:00:00'
                              as occurred_at, {received_at} - interval 1 hour as received_at,
                          'page_view' as event_type, null as customer_id, 'a_incremental_unpaired' as anonymous_id)
        from {events} where event_id = '{resent}'""")
    con.close()
    return {"resent": resent, "flagged": flagged, "visitor": visitor, "owner": owner, "late_day": late_day,
            "lone_days": lone_days}


LONE_PAIRS = """select anonymous_id from staging.stg_shop__event_identity_pairs
                where anonymous_id in ('a_incremental_flagged', 'a_incremental_unpaired') order by 1"""


def contents(database: Path) -> dict[str, list]:
    """Every table of the marts schema and the incremental tables, rows sorted (doubles to 12 digits)."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [f"marts.{name}" for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by 1").fetchall()]
        return {table: sorted(repr(tuple(stable(v) for v in row))
                              for row in con.execute(f"select * from {table}").fetchall())
                for table in [*tables, *INCREMENTAL]}


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    work = tmp_path_factory.mktemp("incremental")
    generate(work / "raw", customers=600, seed=11, start_date=str(START), days=DAYS, fault_rate=0.02)
    batches = replay.split(work / "raw", work / "batches", FIRST_DAY, BATCHES)
    crafted = craft(batches)
    database = work / "warehouse.duckdb"
    warehouse = Warehouse(data_dir=work / "raw", database=database, work_dir=work, env=dbt_env(database))
    load_duckdb(batches[0].directory, database=str(database), loaded_at=batches[0].loaded_at)
    warehouse.dbt("build")
    lone_pairs_built = []
    for batch in batches[1:-1]:
        load_duckdb(batch.directory, database=str(database), loaded_at=batch.loaded_at, append=True)
        warehouse.dbt("run")
        if batch is batches[1]:
            lone_pairs_built = warehouse.query(LONE_PAIRS)["anonymous_id"].tolist()
    load_duckdb(batches[-1].directory, database=str(database), loaded_at=batches[-1].loaded_at, append=True)
    warehouse.dbt("build")  # the last day with every data test on the incrementally built tables
    incremental = contents(database)
    warehouse.dbt("compile", "-s", "base_shop__events")
    compiled = next(path for path in (work / "target" / "compiled").rglob("base_shop__events.sql")
                    if path.parent.name == "base").read_text()
    with duckdb.connect(str(database), read_only=True) as con:
        next_run = con.execute(f"select event_partition_date, count(*) from ({compiled}) as next_run group by 1").fetchall()
        history_rows = con.execute("select count(*) from staging.base_shop__events").fetchone()[0]
    full_database = work / "full.duckdb"
    shutil.copy(database, full_database)
    full = Warehouse(data_dir=work / "raw", database=full_database, work_dir=work / "full",
                     env=dbt_env(full_database))
    full.dbt("run", "--full-refresh")
    return {"incremental": incremental, "full": contents(full_database), "crafted": crafted,
            "warehouse": warehouse, "batches": batches, "next_run": dict(next_run),
            "history_rows": history_rows, "lone_pairs_built": lone_pairs_built}


def test_daily_incremental_runs_equal_one_full_refresh(replayed):
    incremental, full = replayed["incremental"], replayed["full"]
    assert set(incremental) == set(full)
    assert len(incremental) >= 30
    differing = [table for table in full if incremental[table] != full[table]]
    assert not differing, f"incremental runs differ from a full refresh in {differing}"
    assert all(full[table] for table in INCREMENTAL)


def test_the_crafted_changes_reached_the_incremental_tables(replayed):
    """Each history-changing row did change history, so the equality above is not vacuous."""
    crafted, warehouse = replayed["crafted"], replayed["warehouse"]
    copies = warehouse.query(f"""select received_at_utc, is_duplicate from staging.base_shop__events
                                 where event_id = '{crafted['resent']}' order by received_at_utc""")
    assert copies["is_duplicate"].tolist() == [False, True]  # the copy that arrived days later won
    flagged = warehouse.query(f"""select count(*) as n from staging.stg_shop__quarantine where source_table = 'events'
                                  and customer_id = '{crafted['flagged']}' and quarantine_reason = 'test_account'""")
    assert flagged["n"][0] > 10
    stitched = warehouse.query(f"""select count(distinct event_date) as days, max(event_date) as last_day
                                   from staging.stg_shop__events where anonymous_id = '{crafted['visitor']}'
                                   and customer_id = '{crafted['owner']}' and is_stitched""")
    assert stitched["days"][0] >= 2 and stitched["last_day"][0].date() < FIRST_DAY - dt.timedelta(days=19)
    # the login's pair reached the incremental pairs table, received on the day of its batch
    pair = warehouse.query(f"""select first_received_at from staging.stg_shop__event_identity_pairs
                               where anonymous_id = '{crafted['visitor']}' and customer_id = '{crafted['owner']}'""")
    assert len(pair) == 1 and pair["first_received_at"][0].date() == replayed["batches"][4].day
    # the lone pairs were built by batch 1's run and are gone: the flagged customer's, and the one re-sent without
    # its customer id (the anonymous copy won and is still there)
    assert replayed["lone_pairs_built"] == ["a_incremental_flagged", "a_incremental_unpaired"]
    assert warehouse.query(LONE_PAIRS).empty
    with warehouse.connect() as con:
        copies = con.execute("""select event_date, customer_id, quarantine_reason, is_duplicate
                                from staging.base_shop__events where event_id in ('e_incremental_flagged',
                                'e_incremental_unpaired') order by event_id, is_duplicate""").fetchall()
    assert [list(row) for row in copies] == [
        [crafted["lone_days"]["flagged"], crafted["flagged"], "test_account", False],
        [crafted["lone_days"]["unpaired"], None, None, False],
        [crafted["lone_days"]["unpaired"], crafted["owner"], None, True],
    ]
    late = warehouse.query(f"""select qualifying_events from staging.stg_shop__event_identity_days
                               where customer_id = '{crafted['owner']}' and event_date = '{crafted['late_day']}'""")
    assert len(late) == 1 and late["qualifying_events"][0] >= 1
    active = warehouse.query(f"""select count(*) as n from marts.fct_customer_activity_daily
                                 where customer_id = '{crafted['owner']}' and activity_date = '{crafted['late_day']}'""")
    assert active["n"][0] == 1


def test_a_run_reads_only_the_days_that_changed(replayed):
    """With no new load, the next run rebuilds the 3-day lookback only, not the 150 days of history."""
    days = set(replayed["next_run"])
    assert days == {replayed["batches"][-1].day - dt.timedelta(days=k) for k in range(3)}
    assert sum(replayed["next_run"].values()) < replayed["history_rows"] / 10
