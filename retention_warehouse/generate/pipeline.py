"""``generate``: the whole synthetic raw dataset, its ground truth and (optionally) injected faults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from . import columns, params, truth
from .calendar import Period, Warp
from .catalog import build_catalog
from .customers import build_customers
from .events import build_events
from .experiments import Assignments, assign
from .faults import inject
from .fx import build_fx
from .orders import build_orders
from .process import simulate
from .rng import streams
from .sessions import SessionEvents, Stubs, customer_stubs, realize, visitor_stubs
from .system import build_system_events


def generate(out_dir, customers: int = 5000, seed: int = 42, start_date: str = "2024-01-01", days: int = 540,
             fault_rate: float = 0.0, single_population: bool = False) -> dict:
    """Write one Parquet file per raw table into ``out_dir`` (and the ground truth into ``out_dir/_truth``);
    return the number of rows written per raw table. Same arguments, same bytes."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if days < 1:
        raise ValueError("days must be at least 1")
    if not 0.0 <= fault_rate < 1.0:
        raise ValueError("fault_rate must be in [0, 1)")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    out = Path(out_dir)
    truth_dir = out / "_truth"
    truth_dir.mkdir(parents=True, exist_ok=True)

    period = Period(dt.date.fromisoformat(str(start_date)), int(days))
    rng = streams(seed)
    warp = Warp(period, hour_only=single_population)
    catalog = build_catalog(rng["catalog"])
    fx = build_fx(period, rng["fx"])
    cust = build_customers(customers, period, rng["customers"])
    process = simulate(cust, period, warp, single_population, rng["process"])
    orders = build_orders(cust, process, catalog, fx, period, rng["orders"])

    # anonymous ids: one per customer device and per visitor, numbered in a random order
    n_visitors = int(round(customers * params.ANONYMOUS_VISITORS_PER_CUSTOMER))
    anon = rng["sessions"].permutation(2 * customers + n_visitors) + 1
    anon_of_customer, anon_of_visitor = anon[: 2 * customers], anon[2 * customers:]
    stubs = Stubs.concat([customer_stubs(cust, process, orders, period, warp, rng["sessions"]),
                          visitor_stubs(n_visitors, period, rng["visitors"])])
    parts = [realize(stubs, cust, orders, catalog, anon_of_customer, anon_of_visitor, period, rng["sessions"])]
    n_stubs = len(stubs)

    # experiments: assigned on the activity simulated so far; the treatment adds return sessions
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

    system = build_system_events(cust, process, orders, assignments, period, warp, rng["system"])
    events = build_events(SessionEvents.concat(parts), system, period, rng["events"])

    orders_table, items_table = orders.to_tables()
    clean = {
        "customers": cust.to_table(),
        "orders": orders_table,
        "order_items": items_table,
        "products": catalog.to_table(),
        "events": events.table,
        "experiment_assignments": assignments.to_table(),
        "fx_rates": fx.to_table(period),
    }
    faults = inject(clean, period, fault_rate, rng["faults"], events.received_us, events.occurred_us,
                    events.n_sessions)

    counts: dict[str, int] = {}
    for name in columns.RAW_TABLES:
        tbl = clean[name]
        if name == "events" and faults.late_rows is not None and len(faults.late_rows):
            received = events.received_us.copy()
            received[faults.late_rows] = faults.late_received_us
            tbl = tbl.set_column(tbl.schema.get_field_index("received_at"), "received_at",
                                 columns.timestamps(received))
        extra = faults.extra.get(name, [])
        if extra:
            tbl = pa.concat_tables([tbl, *extra])
        columns.write_parquet(tbl, out / f"{name}.parquet")
        counts[name] = tbl.num_rows

    manifest = faults.manifest_table()
    columns.write_parquet(manifest, truth_dir / "faults.parquet")
    columns.write_parquet(truth.customers_truth(cust, process, period), truth_dir / "customers.parquet")
    columns.write_parquet(truth.experiments_truth(assignments, period), truth_dir / "experiments.parquet")
    by_class: dict[str, int] = {}
    for fault_class, n in zip(manifest["fault_class"].to_pylist(), [1] * manifest.num_rows):
        by_class[fault_class] = by_class.get(fault_class, 0) + n
    truth.write_json(truth_dir / "parameters.json", truth.parameters(
        seed=seed, period=period, customers=customers, fault_rate=fault_rate, single_population=single_population,
        assignments=assignments, counts=counts, faults=by_class))
    return counts
