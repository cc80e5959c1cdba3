"""``generate``: the whole synthetic raw dataset, its ground truth and (optionally) injected faults.

Up to ``chunk_customers`` customers are one run, in memory. More customers are generated in consecutive chunks of
at most ``chunk_customers``: each chunk is a self-contained run of the same machinery with random streams of its
own (chunk 0 those of the seed, see ``rng``) and its ids numbered on after the previous chunk's (``IdBase``); the
shop's catalogue and FX rates are shared. Every chunk is appended to the same Parquet files as row groups, so
downstream the files look like those of one run, and only one chunk is in memory at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from . import columns, loyalty as loyalty_programme, params, truth
from .calendar import Period, Warp
from .catalog import Catalog, build_catalog
from .columns import IdBase
from .customers import build_customers
from .events import build_events
from .experiments import VARIANTS, Assignments, assign, realised_lift
from .faults import inject
from .fx import FxRates, build_fx
from .orders import build_orders
from .process import simulate
from .rng import CHUNK_SPAWN_KEY, streams
from .sessions import SessionEvents, Stubs, customer_stubs, realize, visitor_stubs
from .system import build_system_events

DEFAULT_CHUNK_CUSTOMERS = 100_000
SHARED_TABLES = ("products", "fx_rates")      # the same in every chunk: written once


@dataclass
class Chunk:
    """One run's output: raw tables (faults included), ground-truth tables by file stem, experiment outcomes
    (``Assignments.outcomes``) and the id base of the next chunk."""
    tables: dict[str, pa.Table]
    truth: dict[str, pa.Table]
    outcomes: np.ndarray
    next_base: IdBase
    loyalty_counts: np.ndarray  # loyalty.Programme.counts (zeros without the programme)

    def append_to(self, files: columns.ParquetFiles, out: Path, shared: bool) -> dict[str, int]:
        """Append the chunk to the dataset in ``out`` (the shared tables too when ``shared``); return the raw
        rows written per table."""
        written = {}
        for name, tbl in self.tables.items():
            if shared or name not in SHARED_TABLES:
                files.write(tbl, out / f"{name}.parquet")
                written[name] = tbl.num_rows
        for name, tbl in self.truth.items():
            files.write(tbl, out / "_truth" / f"{name}.parquet")
        return written


def generate(out_dir, customers: int = 5000, seed: int = 42, start_date: str = "2024-01-01", days: int = 540,
             fault_rate: float = 0.0, single_population: bool = False,
             chunk_customers: int = DEFAULT_CHUNK_CUSTOMERS, loyalty: bool = False, progress: bool = False) -> dict:
    """Write one Parquet file per raw table into ``out_dir`` (and the ground truth into ``out_dir/_truth``);
    return the number of rows written per raw table. Same arguments, same bytes. More than ``chunk_customers``
    customers are generated chunk by chunk (see the module docstring); ``fault_rate`` applies per chunk. ``loyalty``
    adds the points programme (``generate/loyalty.py``): the raw table loyalty_ledger and the return sessions of
    its effect, from a stream of its own; off, the output is the same as before the programme existed. ``progress``
    shows a bar of the customers generated, chunk by chunk, on stderr when it is a terminal."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if days < 1:
        raise ValueError("days must be at least 1")
    if not 0.0 <= fault_rate < 1.0:
        raise ValueError("fault_rate must be in [0, 1)")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if chunk_customers < 1:
        raise ValueError("chunk_customers must be at least 1")
    out = Path(out_dir)
    truth_dir = out / "_truth"
    truth_dir.mkdir(parents=True, exist_ok=True)

    period = Period(dt.date.fromisoformat(str(start_date)), int(days))
    rng = streams(seed)
    warp = Warp(period, hour_only=single_population)
    catalog = build_catalog(rng["catalog"])
    fx = build_fx(period, rng["fx"])
    sizes = chunk_sizes(customers, chunk_customers)

    counts = dict.fromkeys(columns.RAW_TABLES, 0)
    by_class: dict[str, int] = {}
    outcomes = np.zeros((len(params.EXPERIMENTS), len(VARIANTS), 2), dtype=np.int64)
    base = IdBase()
    loyalty_counts = np.zeros(5, dtype=np.int64)
    with columns.ParquetFiles() as files, tqdm(total=customers, desc="generate", unit=" customers", unit_scale=True,
                                               leave=False, disable=None if progress else True) as bar:
        for k, n in enumerate(sizes):
            def stage(name: str, k: int = k) -> None:  # the bar names the step a chunk is at
                bar.set_postfix_str(f"chunk {k + 1} of {len(sizes)}: {name}")

            chunk = _run(n, period, warp, catalog, fx, rng if k == 0 else streams(seed, chunk=k), base, fault_rate,
                         single_population, loyalty_programme.loyalty_stream(seed, k) if loyalty else None, stage)
            stage("writing Parquet")
            for name, rows in chunk.append_to(files, out, shared=k == 0).items():
                counts[name] = counts.get(name, 0) + rows
            loyalty_counts += chunk.loyalty_counts
            for fault_class in chunk.truth["faults"]["fault_class"].to_pylist():
                by_class[fault_class] = by_class.get(fault_class, 0) + 1
            outcomes += chunk.outcomes
            base = chunk.next_base
            del chunk                           # before the next one is built
            bar.update(n)

    parameters = truth.parameters(
        seed=seed, period=period, customers=customers, fault_rate=fault_rate, single_population=single_population,
        realised=[realised_lift(o) for o in outcomes], counts=counts, faults=by_class)
    if len(sizes) > 1:
        parameters["chunking"] = {
            "chunk_customers": chunk_customers,
            "chunks": len(sizes),
            "customers_per_chunk": [min(sizes), max(sizes)],
            "method": "consecutive self-contained runs, the first customers % chunks of them one customer larger; "
                      "catalogue and FX rates from the seed's streams, shared; chunk 0 draws from the seed's "
                      f"streams, chunk k > 0 from SeedSequence(seed, spawn_key=({CHUNK_SPAWN_KEY}, k)); each chunk "
                      "numbers its ids (injected rows included) on after the previous chunk's",
            "per_chunk": "fault_rate (at least one row per fault class and chunk), experiment assignment and pair "
                         "matching, daily signup noise; experiments' realised figures are over all chunks",
        }
    if loyalty:
        parameters["loyalty"] = loyalty_programme.truth(loyalty_counts)
    truth.write_json(truth_dir / "parameters.json", parameters)
    return counts


def chunk_sizes(customers: int, chunk_customers: int) -> list[int]:
    """Customers per chunk: as few chunks as hold at most ``chunk_customers`` each, sizes differing by one at most."""
    n_chunks = -(-customers // chunk_customers)
    size, larger = divmod(customers, n_chunks)
    return [size + (k < larger) for k in range(n_chunks)]


def _run(customers: int, period: Period, warp: Warp, catalog: Catalog, fx: FxRates,
         rng: dict[str, np.random.Generator], base: IdBase, fault_rate: float, single_population: bool,
         loyalty_rng: np.random.Generator | None = None, stage: Callable[[str], None] = lambda name: None) -> Chunk:
    """One self-contained run of ``customers`` customers, its ids numbered on from ``base``; ``stage`` is told the
    name of each step as it starts (progress)."""
    stage("customers and their purchases")
    cust = build_customers(customers, period, rng["customers"])
    process = simulate(cust, period, warp, single_population, rng["process"])
    orders = build_orders(cust, process, catalog, fx, period, rng["orders"])
    stage("sessions")

    # anonymous ids: one per customer device and per visitor, numbered in a random order
    n_visitors = int(round(customers * params.ANONYMOUS_VISITORS_PER_CUSTOMER))
    anon = rng["sessions"].permutation(2 * customers + n_visitors) + 1
    anon_of_customer, anon_of_visitor = anon[: 2 * customers], anon[2 * customers:]
    stubs = Stubs.concat([customer_stubs(cust, process, orders, period, warp, rng["sessions"]),
                          visitor_stubs(n_visitors, period, rng["visitors"])])
    parts = [realize(stubs, cust, orders, catalog, anon_of_customer, anon_of_visitor, period, rng["sessions"])]
    n_stubs = len(stubs)
    del stubs

    # experiments: assigned on the activity simulated so far; the treatment adds return sessions
    stage("experiments")
    assignments = []
    for k in range(len(params.EXPERIMENTS)):
        result, returns = assign(k, cust, parts, period, rng["experiments"])
        assignments.append(result)
        if len(returns):
            ev = realize(returns, cust, orders, catalog, anon_of_customer, anon_of_visitor, period, rng["experiments"])
            ev.session = ev.session + n_stubs
            n_stubs += len(returns)
            parts.append(ev)
    assignments = Assignments.concat(assignments)

    # the loyalty programme (opt-in): its ledger and the return sessions of its effect, from its own stream
    programme = None
    if loyalty_rng is not None:
        programme, returns = loyalty_programme.run_programme(cust, orders, fx, parts, period, loyalty_rng)
        if len(returns):
            ev = realize(returns, cust, orders, catalog, anon_of_customer, anon_of_visitor, period, loyalty_rng)
            ev.session = ev.session + n_stubs
            n_stubs += len(returns)
            parts.append(ev)

    stage("events")
    system = build_system_events(cust, process, orders, assignments, period, warp, rng["system"])
    session_events = SessionEvents.concat(parts)
    del parts
    events = build_events(session_events, system, period, rng["events"], base)
    del session_events, system

    orders_table, items_table = orders.to_tables(base)
    clean = {
        "customers": cust.to_table(base),
        "orders": orders_table,
        "order_items": items_table,
        "products": catalog.to_table(),
        "events": events.table,
        "experiment_assignments": assignments.to_table(base),
        "fx_rates": fx.to_table(period),
    }
    ledger = programme.to_table(base) if programme is not None else None
    stage("faults")
    faults = inject(clean, period, fault_rate, rng["faults"], events.received_us, events.occurred_us,
                    events.n_sessions, base, ledger)
    assert not any(name in faults.extra for name in SHARED_TABLES)

    tables: dict[str, pa.Table] = {}
    for name in columns.RAW_TABLES:
        tbl = clean.pop(name)
        if name == "events" and faults.late_rows is not None and len(faults.late_rows):
            received = events.received_us.copy()
            received[faults.late_rows] = faults.late_received_us
            tbl = tbl.set_column(tbl.schema.get_field_index("received_at"), "received_at",
                                 columns.timestamps(received))
        extra = faults.extra.get(name, [])
        if extra:
            tbl = pa.concat_tables([tbl, *extra])
        tables[name] = tbl
    if ledger is not None:
        tables["loyalty_ledger"] = pa.concat_tables([ledger, *faults.extra.get("loyalty_ledger", [])])

    truth_tables = {"faults": faults.manifest_table(),
                    "customers": truth.customers_truth(cust, process, period, base),
                    "experiments": truth.experiments_truth(assignments, period, base)}
    used = faults.used | {"sessions": events.n_sessions, "anonymous": len(anon)}
    return Chunk(tables=tables, truth=truth_tables, outcomes=assignments.outcomes(), next_base=base.after(used),
                 loyalty_counts=programme.counts() if programme is not None else np.zeros(5, dtype=np.int64))
