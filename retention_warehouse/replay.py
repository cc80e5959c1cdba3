"""Replay a raw dataset as a daily feed: split its files into an initial load and one batch per arrival day.

A production warehouse does not receive its history at once: each day brings that day's events, events that
arrive late (``received_at`` days after ``occurred_at``), new customers and new versions of changed orders. The
incremental event models (macros/incremental/event_days.sql) are built for that feed; this module turns a
generated dataset into it, so tests and the benchmark can load the batches one by one (``load --append``) and
compare the result with one full refresh.

Arrival of a row (UTC day): events ``coalesce(received_at, occurred_at)``; orders ``coalesce(updated_at,
ordered_at)`` and their lines with them; customers ``coalesce(updated_at, signup_at)``; experiment assignments
``assigned_at``. Products and fx rates, and rows whose arrival is unknown, come with the initial load. Rows that
arrive after the last day go into the last batch, so every row is loaded exactly once.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .load import find_file

ARRIVAL = {
    "events": "coalesce(received_at, occurred_at)",
    "orders": "coalesce(updated_at, ordered_at)",
    "customers": "coalesce(updated_at, signup_at)",
    "experiment_assignments": "assigned_at",
}


@dataclass(frozen=True)
class Batch:
    """One directory of raw files to load, and the ``_loaded_at`` stamp it gets (the end of its arrival day)."""

    directory: Path
    loaded_at: dt.datetime
    day: dt.date | None  # None for the initial load


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def split(source: str | Path, out: str | Path, first_day: dt.date, days: int) -> list[Batch]:
    """Write ``out/initial`` (every row arriving before ``first_day``) and ``out/day_<date>`` for ``days`` days
    from ``first_day``; return the batches in load order."""
    source, out = Path(source), Path(out)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    # bounded memory at any scale: the staged rows spill to disk beside the output instead of filling RAM (at 1M
    # customers an unbounded in-memory table peaked at 18.7 GB)
    (out / ".replay_tmp").mkdir(parents=True, exist_ok=True)
    con.execute(f"set temp_directory = {_literal(str(out / '.replay_tmp'))}")
    con.execute("set memory_limit = '4GB'")
    last_day = first_day + dt.timedelta(days=days - 1)
    batches = [Batch(out / "initial", dt.datetime.combine(first_day, dt.time()), None)]
    batches += [Batch(out / f"day_{first_day + dt.timedelta(days=k)}",
                      dt.datetime.combine(first_day + dt.timedelta(days=k + 1), dt.time()),
                      first_day + dt.timedelta(days=k)) for k in range(days)]
    for batch in batches:
        batch.directory.mkdir(parents=True, exist_ok=True)
    try:
        for path in sorted(source.iterdir()):
            if not path.is_file() or not path.name.endswith(".parquet"):
                continue
            table = path.name.removesuffix(".parquet")
            relation = f"read_parquet({_literal(str(path))})"
            if table == "order_items" and find_file(source, "orders") is not None:
                orders = _literal(str(find_file(source, "orders")))
                arrival = (f"(select min(cast({ARRIVAL['orders']} as date)) from read_parquet({orders}) as o "
                           f"where o.order_id = t.order_id)")
            elif table in ARRIVAL:
                arrival = f"cast({ARRIVAL[table]} as date)"
            else:
                arrival = "null"
            # the day a row is loaded with: null (unknown) or before first_day -> initial, after last_day -> last
            day = (f"case when {arrival} is null or {arrival} < date {_literal(str(first_day))} then null "
                   f"when {arrival} > date {_literal(str(last_day))} then date {_literal(str(last_day))} "
                   f"else {arrival} end")
            con.execute(f"create or replace temporary table rows_with_day as "
                        f"select t.*, {day} as _replay_day from {relation} as t")
            for batch in batches:
                condition = "_replay_day is null" if batch.day is None else f"_replay_day = date {_literal(str(batch.day))}"
                con.execute(f"copy (select * exclude (_replay_day) from rows_with_day where {condition}) "
                            f"to {_literal(str(batch.directory / path.name))} (format parquet)")
        return batches
    finally:
        con.close()
        shutil.rmtree(out / ".replay_tmp", ignore_errors=True)
