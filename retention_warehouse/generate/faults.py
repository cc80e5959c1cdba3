"""Fault injection: extra bad rows appended to the clean tables (plus late arrival of existing events), each
recorded in a manifest with the outcome the warehouse must reach. With the loyalty programme on, its ledger gets
faults of its own (LEDGER_FAULT_CLASSES), drawn after all the others so that the other tables' faults are those of
a run without the programme's ledger.

Faults draw from their own random stream and only add rows (late arrival changes ``received_at`` of existing
clean events), so removing the manifest's rows from a faulty run gives back the clean run exactly. New rows are
numbered after the clean ones, and in a chunked run every range starts after the previous chunks' (``IdBase``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns, params
from .calendar import Period, US_PER_DAY, US_PER_SECOND
from .fx import CURRENCY_CODES
from .loyalty import LEDGER_SCHEMA, REDEEM_STEP, SIGNUP_POINTS, entry_ids

# (fault_class, table, expected_outcome), in injection order
FAULT_CLASSES: tuple[tuple[str, str, str], ...] = (
    ("duplicate_event", "events", "merged"),
    ("resent_order", "orders", "merged"),
    ("duplicate_customer", "customers", "merged"),
    ("duplicate_assignment", "experiment_assignments", "merged"),
    ("null_key", "orders", "missing_customer_id"),
    ("null_key", "order_items", "missing_product_id"),
    ("null_key", "events", "missing_occurred_at"),
    ("orphan_item", "order_items", "orphan_order_item"),
    ("negative_amount", "orders", "negative_amount"),
    ("negative_amount", "order_items", "negative_amount"),
    ("unknown_currency", "orders", "unknown_currency"),
    ("future_timestamp", "orders", "future_timestamp"),
    ("future_timestamp", "events", "future_timestamp"),
    ("out_of_range_timestamp", "events", "timestamp_out_of_range"),
    ("late_arriving", "events", "kept"),
    ("test_account", "customers", "test_account"),
    ("test_account", "orders", "test_account"),
    ("test_account", "order_items", "parent_order_quarantined"),
    ("test_account", "events", "test_account"),
    ("test_order", "orders", "test_order"),
    ("outlier", "orders", "outlier_amount"),
    ("outlier", "order_items", "outlier_quantity"),
    ("hostile_string", "customers", "invalid_id"),
    ("hostile_string", "events", "invalid_event_type"),
)
# the loyalty ledger's (only when the programme is on), in injection order: each new entry is wrong in exactly one
# way, the rules of base_shop__loyalty_ledger (docs: loyalty_ledger_rules)
LEDGER_FAULT_CLASSES: tuple[tuple[str, str, str], ...] = (
    ("resent_entry", "loyalty_ledger", "merged"),
    ("null_key", "loyalty_ledger", "missing_customer_id"),
    ("hostile_string", "loyalty_ledger", "invalid_id"),
    ("test_account", "loyalty_ledger", "test_account"),
    ("null_reason", "loyalty_ledger", "missing_reason"),
    ("unknown_reason", "loyalty_ledger", "unknown_reason"),
    ("null_points", "loyalty_ledger", "missing_points"),
    ("sign_mismatch", "loyalty_ledger", "points_sign_mismatch"),
    ("null_timestamp", "loyalty_ledger", "missing_occurred_at"),
    ("future_timestamp", "loyalty_ledger", "future_timestamp"),
    ("out_of_range_timestamp", "loyalty_ledger", "timestamp_out_of_range"),
    ("overdrawn_redemption", "loyalty_ledger", "redemption_exceeds_balance"),
)
OUTCOME = {(c, t): o for c, t, o in FAULT_CLASSES + LEDGER_FAULT_CLASSES}

HOSTILE_IDS = (
    "x'); drop table customers; --",
    "<script>alert(1)</script>",
    'Robert"; DELETE FROM orders; --',
    "A" * 5000,
    "c00\n00001",
    "c0000\u202e1000",
    "\u200fc0000002",
    "c0000003\r\nX-Injected: 1",
    "../../etc/passwd",
    "' OR '1'='1",
    "{{ config(materialized='table') }}",
    "c 0000004",
)
HOSTILE_EVENT_TYPES = (
    "page_view'; drop table events;--",
    "<img src=x onerror=alert(1)>",
    "{{ log('pwned', info=True) }}",
    '"; DELETE FROM events; --',
    "product_view\u202e",
    "order_completed\nsignup",
)
UNKNOWN_REASONS = ("earn_birthday", "refund", "transfer", "bonus", "redeem'; drop table loyalty_ledger;--", "earn")
# points whose sign does not fit the reason: earnings below zero, a redemption above, an adjustment of 0
SIGN_MISMATCHES = (("earn_order", -1), ("redeem", 1), ("earn_signup", -1), ("adjust", 0), ("expire", 1),
                   ("earn_review", 0))
FUTURE_START = dt.datetime(2099, 1, 1)
EPOCH = dt.datetime(1970, 1, 1)
SENTINEL_ORDER_BASE = 99_999_999        # orphan items point at orders counted down from here
FAULT_SESSION_BASE = 900_000_000        # sessions / anonymous ids of test accounts


def _us(d: dt.datetime) -> int:
    return int((d - EPOCH) // dt.timedelta(microseconds=1))


@dataclass
class Faults:
    extra: dict[str, list[pa.Table]] = field(default_factory=dict)
    manifest: list[tuple[str, pa.Array, str, str]] = field(default_factory=list)
    late_rows: np.ndarray | None = None
    late_received_us: np.ndarray | None = None
    used: dict[str, int] = field(default_factory=dict)   # id numbers taken per IdBase kind, clean rows included

    def add(self, fault_class: str, tbl_name: str, rows: pa.Table, record_ids: pa.Array) -> None:
        self.extra.setdefault(tbl_name, []).append(rows)
        self.manifest.append((tbl_name, record_ids, fault_class, OUTCOME[(fault_class, tbl_name)]))

    def manifest_table(self) -> pa.Table:
        parts = []
        for tbl_name, record_ids, fault_class, outcome in self.manifest:
            n = len(record_ids)
            parts.append(pa.table({
                "source_table": pa.array([tbl_name] * n, type=pa.string()),
                "record_id": record_ids.cast(pa.string()),
                "fault_class": pa.array([fault_class] * n, type=pa.string()),
                "expected_outcome": pa.array([outcome] * n, type=pa.string()),
            }, schema=columns.TRUTH_FAULTS_SCHEMA))
        if not parts:
            return columns.TRUTH_FAULTS_SCHEMA.empty_table()
        return pa.concat_tables(parts)


class Injector:
    def __init__(self, clean: dict[str, pa.Table], period: Period, fault_rate: float, rng: np.random.Generator,
                 n_sessions: int, base: columns.IdBase, ledger: pa.Table | None = None):
        self.clean = clean
        self.ledger = ledger
        self.period = period
        self.rate = fault_rate
        self.rng = rng
        self.base = base
        self.faults = Faults()
        self.next = {name: len(clean[name]) + 1 for name in ("customers", "orders", "order_items", "events")}
        self.next_session = self.first_session = FAULT_SESSION_BASE + base.test_sessions
        self.n_test_accounts = self.n_orphans = self.n_hostile = 0
        self.test_signups: tuple[pa.Array, np.ndarray] | None = None       # test accounts: ids, signup times
        self.test_orders: tuple[pa.Array, pa.Array, np.ndarray, np.ndarray] | None = None  # ids, owner, at, subtotal
        assert base.sessions + n_sessions < FAULT_SESSION_BASE
        cust = clean["customers"]
        self.n_customers = len(cust)
        self.signup_us = cust["signup_at"].cast(pa.int64()).to_numpy()
        country_to_currency = {c.code: c.currency for c in params.COUNTRIES}
        self.customer_currency = np.array([CURRENCY_CODES.index(country_to_currency.get(c, "USD"))
                                           for c in cust["country"].to_pylist()], dtype=np.int64)

    # --- helpers --------------------------------------------------------------------------------------------------
    def count(self, n_rows: int) -> int:
        return max(1, int(round(self.rate * n_rows))) if self.rate > 0 else 0

    def new_ids(self, table_name: str, prefix: str, n: int) -> pa.Array:
        start = getattr(self.base, table_name) + self.next[table_name]
        self.next[table_name] += n
        return columns.ids(prefix, np.arange(start, start + n))

    def used(self) -> dict[str, int]:
        """Id numbers taken by the clean tables and the injected rows, per ``IdBase`` kind (sessions and anonymous
        ids of the clean events excluded)."""
        return {name: n - 1 for name, n in self.next.items()} | {
            "test_accounts": self.n_test_accounts, "test_sessions": self.next_session - self.first_session,
            "orphan_orders": self.n_orphans, "hostile_customers": self.n_hostile}

    def time_after(self, lo_us: np.ndarray, margin_days: float = 1.0) -> np.ndarray:
        """A second-resolution time in [lo, end - margin) (lo clipped to the start of the period)."""
        lo = np.maximum(lo_us, self.period.start_us)
        hi = np.maximum(self.period.end_us - int(margin_days * US_PER_DAY), lo + US_PER_SECOND)
        t = lo + (self.rng.random(len(lo)) * (hi - lo)).astype(np.int64)
        return t // US_PER_SECOND * US_PER_SECOND

    def real_customers(self, n: int) -> np.ndarray:
        return self.rng.integers(0, self.n_customers, n)

    def order_rows(self, ids: pa.Array, cust: np.ndarray, ordered_us: np.ndarray, subtotal: np.ndarray,
                   currency: list[str], is_test: bool = False, null_customer: bool = False) -> pa.Table:
        n = len(ids)
        ts = columns.timestamps(ordered_us)
        none_ts = pa.nulls(n, columns.TS)
        none_f = pa.nulls(n, pa.float64())
        customer_ids = pa.nulls(n, pa.string()) if null_customer else columns.ids("c", self.base.customers + cust + 1)
        return columns.table("orders", {
            "order_id": ids,
            "customer_id": customer_ids,
            "ordered_at": ts, "subtotal": columns.floats(np.round(subtotal, 2)),
            "currency": pa.array(currency, type=pa.string()),
            "status": pa.array(["paid"] * n, type=pa.string()),
            "discount": columns.floats(np.zeros(n)), "shipping": columns.floats(np.zeros(n)),
            "tax": columns.floats(np.zeros(n)), "refunded_amount": none_f, "refunded_at": none_ts,
            "cancelled_at": none_ts, "channel": pa.array(["web"] * n, type=pa.string()),
            "coupon_code": pa.nulls(n, pa.string()), "shipped_at": none_ts, "delivered_at": none_ts,
            "is_test": pa.array(np.full(n, is_test)), "updated_at": ts,
        })

    def currencies(self, cust: np.ndarray) -> list[str]:
        return [CURRENCY_CODES[i] for i in self.customer_currency[cust]]

    def item_rows(self, ids: pa.Array, order_ids: pa.Array, product: np.ndarray | None, quantity: np.ndarray,
                  price: np.ndarray) -> pa.Table:
        n = len(ids)
        return columns.table("order_items", {
            "order_item_id": ids, "order_id": order_ids,
            "product_id": pa.nulls(n, pa.string()) if product is None else columns.ids("p", product + 1),
            "quantity": pa.array(quantity.astype(np.int64)), "unit_price": columns.floats(np.round(price, 2)),
        })

    def event_rows(self, ids: pa.Array, occurred_us: np.ndarray | None, event_type: list[str], cust: np.ndarray,
                   received_us: np.ndarray, anon: np.ndarray | None = None, session: np.ndarray | None = None,
                   product: np.ndarray | None = None, properties: pa.Array | None = None) -> pa.Table:
        n = len(ids)
        if properties is None:
            properties = pa.array(['{"device": "web", "platform": "desktop"}'] * n, type=pa.string())
        return columns.table("events", {
            "event_id": ids,
            "occurred_at": pa.nulls(n, columns.TS) if occurred_us is None else columns.timestamps(occurred_us),
            "event_type": pa.array(event_type, type=pa.string()),
            "customer_id": columns.ids("c", self.base.customers + cust + 1),
            "anonymous_id": pa.nulls(n, pa.string()) if anon is None else columns.ids("a", anon),
            "session_id": pa.nulls(n, pa.string()) if session is None else columns.ids("s", session),
            "product_id": pa.nulls(n, pa.string()) if product is None else columns.ids("p", product + 1, product < 0),
            "received_at": columns.timestamps(received_us),
            "properties": properties,
        })

    def sample(self, pool: np.ndarray, n: int) -> np.ndarray:
        """``n`` elements of ``pool`` (all when fewer), sorted, without replacement."""
        return np.sort(self.rng.choice(pool, size=min(n, len(pool)), replace=False))

    def sample_rows(self, table_name: str, n: int, candidates: np.ndarray | None = None) -> np.ndarray:
        return self.sample(np.arange(len(self.clean[table_name])) if candidates is None else candidates, n)

    # --- the classes ------------------------------------------------------------------------------------------------
    def run(self, events_received_us: np.ndarray, events_occurred_us: np.ndarray) -> Faults:
        if self.rate <= 0:
            return self.faults
        c = self.clean
        f = self.faults
        rng = self.rng
        n_ev, n_or, n_it, n_cu = len(c["events"]), len(c["orders"]), len(c["order_items"]), len(c["customers"])
        end = self.period.end_us

        # duplicate_event / late_arriving (disjoint samples)
        k = self.count(n_ev)
        dup = self.sample_rows("events", k)
        late_ok = np.flatnonzero(events_occurred_us < end - 11 * US_PER_DAY)
        late = self.sample_rows("events", k, np.setdiff1d(late_ok, dup, assume_unique=True))
        rows = c["events"].take(dup)
        f.add("duplicate_event", "events", rows, rows["event_id"])
        delay = ((2.0 + 8.0 * rng.random(len(late))) * US_PER_DAY).astype(np.int64) // 1000 * 1000
        f.late_rows = late
        f.late_received_us = events_occurred_us[late] + delay
        f.manifest.append(("events", c["events"]["event_id"].take(late), "late_arriving", "kept"))

        # resent_order: an older copy, status placed, nothing after ordering
        ordered = c["orders"]["ordered_at"].cast(pa.int64()).to_numpy()
        updated = c["orders"]["updated_at"].cast(pa.int64()).to_numpy()
        idx = self.sample_rows("orders", self.count(n_or), np.flatnonzero(updated > ordered))
        rows = c["orders"].take(idx)
        n = len(rows)
        none_ts = pa.nulls(n, columns.TS)
        for name, value in (("status", pa.array(["placed"] * n, type=pa.string())),
                            ("refunded_amount", pa.nulls(n, pa.float64())), ("refunded_at", none_ts),
                            ("cancelled_at", none_ts), ("shipped_at", none_ts), ("delivered_at", none_ts),
                            ("updated_at", rows["ordered_at"])):
            rows = rows.set_column(rows.schema.get_field_index(name), name, value)
        f.add("resent_order", "orders", rows, rows["order_id"])

        # duplicate_customer: an older copy (updated_at = signup_at < the clean updated_at)
        idx = self.sample_rows("customers", self.count(n_cu))
        rows = c["customers"].take(idx)
        rows = rows.set_column(rows.schema.get_field_index("updated_at"), "updated_at", rows["signup_at"])
        f.add("duplicate_customer", "customers", rows, rows["customer_id"])

        # duplicate_assignment: assigned again later (half of them to the other variant)
        ea = c["experiment_assignments"]
        if len(ea):
            idx = self.sample_rows("experiment_assignments", self.count(len(ea)))
            rows = ea.take(idx)
            at = rows["assigned_at"].cast(pa.int64()).to_numpy()
            later = np.minimum(at + ((0.05 + 2.95 * rng.random(len(idx))) * US_PER_DAY).astype(np.int64),
                               end - US_PER_SECOND) // US_PER_SECOND * US_PER_SECOND
            later = np.maximum(later, at + US_PER_SECOND)
            flip = rng.random(len(idx)) < 0.5
            variant = np.array(rows["variant"].to_pylist(), dtype=object)
            variant = np.where(flip, np.where(variant == "control", "treatment", "control"), variant)
            rows = rows.set_column(rows.schema.get_field_index("variant"), "variant",
                                   pa.array(variant.tolist(), type=pa.string()))
            rows = rows.set_column(rows.schema.get_field_index("assigned_at"), "assigned_at", columns.timestamps(later))
            keys = pc.binary_join_element_wise(rows["customer_id"], rows["experiment_id"], "|")
            f.add("duplicate_assignment", "experiment_assignments", rows, keys)

        # new orders of real customers, each wrong in exactly one way (no items)
        def new_orders(fault_class: str, n: int, **kw) -> None:
            cust = self.real_customers(n)
            ids = self.new_ids("orders", "o", n)
            t = kw.pop("ordered_us", None)
            t = self.time_after(self.signup_us[cust] + US_PER_SECOND) if t is None else t
            subtotal = kw.pop("subtotal", np.round(10 + 190 * rng.random(n), 2))
            currency = kw.pop("currency", self.currencies(cust))
            f.add(fault_class, "orders", self.order_rows(ids, cust, t, subtotal, currency, **kw), ids)

        k = self.count(n_or)
        new_orders("null_key", k, null_customer=True)
        new_orders("negative_amount", k, subtotal=-np.round(1 + 99 * rng.random(k), 2))
        new_orders("unknown_currency", k, currency=["XYZ"] * k)
        new_orders("future_timestamp", k, ordered_us=_us(FUTURE_START)
                   + (rng.random(k) * 300 * US_PER_DAY).astype(np.int64) // US_PER_SECOND * US_PER_SECOND)
        new_orders("test_order", k, is_test=True)
        new_orders("outlier", k, subtotal=np.round(5_000_000 + 1_000_000 * rng.random(k), 2))

        # new items of clean orders, each wrong in one way; and orphans
        k = self.count(n_it)
        order_ids = c["orders"]["order_id"]
        n_products = len(c["products"])

        def new_items(fault_class: str, n: int, orders: pa.Array | None = None, product=True, quantity=None,
                      price=None) -> None:
            ids = self.new_ids("order_items", "oi", n)
            if orders is None:
                orders = order_ids.take(pa.array(rng.integers(0, n_or, n)))
            prod = rng.integers(0, n_products, n) if product else None
            qty = np.ones(n, dtype=np.int64) if quantity is None else quantity
            pr = np.round(5 + 95 * rng.random(n), 2) if price is None else price
            f.add(fault_class, "order_items", self.item_rows(ids, orders, prod, qty, pr), ids)

        if n_or:
            new_items("null_key", k, product=False)
            new_items("negative_amount", k, price=-np.round(1 + 49 * rng.random(k), 2))
            new_items("outlier", k, quantity=10_000 + rng.integers(0, 5000, k))
        first_orphan = SENTINEL_ORDER_BASE - self.base.orphan_orders
        assert first_orphan - k > self.base.orders + self.next["orders"] + 1000
        new_items("orphan_item", k, orders=columns.ids("o", first_orphan - np.arange(k)))
        self.n_orphans = k

        # new events of real customers
        k = self.count(n_ev)

        def new_events(fault_class: str, n: int, occurred=None, types=None, null_occurred=False) -> None:
            cust = self.real_customers(n)
            ids = self.new_ids("events", "e", n)
            received = self.time_after(self.signup_us[cust] + US_PER_SECOND, margin_days=0.01)
            occ = None if null_occurred else (received - US_PER_SECOND if occurred is None else occurred)
            f.add(fault_class, "events",
                  self.event_rows(ids, occ, types or ["page_view"] * n, cust, received), ids)

        new_events("null_key", k, null_occurred=True)
        new_events("future_timestamp", k, occurred=_us(FUTURE_START)
                   + (rng.random(k) * 300 * US_PER_DAY).astype(np.int64) // 1000 * 1000)
        new_events("out_of_range_timestamp", k, occurred=(rng.random(k) * 10 * US_PER_DAY).astype(np.int64) // 1000 * 1000)
        hostile = [HOSTILE_EVENT_TYPES[i % len(HOSTILE_EVENT_TYPES)] + ("" if i < len(HOSTILE_EVENT_TYPES) else f"#{i}")
                   for i in range(k)]
        new_events("hostile_string", k, types=hostile)

        # test accounts: customers with orders, items and events
        k = self.count(n_cu)
        self.test_accounts(k)
        # hostile customer ids
        numbers = range(self.base.hostile_customers, self.base.hostile_customers + k)
        hostile = [HOSTILE_IDS[i % len(HOSTILE_IDS)] + ("" if i < len(HOSTILE_IDS) else f"#{i}") for i in numbers]
        signup = self.time_after(np.full(k, self.period.start_us))
        rows = self.customer_rows(pa.array(hostile, type=pa.string()), signup, [f"hostile{i}@example.com" for i in numbers],
                                  is_test=False)
        self.n_hostile = k
        f.add("hostile_string", "customers", rows, rows["customer_id"])
        if self.ledger is not None:
            self.ledger_faults(self.ledger)
        return f

    def ledger_rows(self, customer_ids: pa.Array, occurred: pa.Array, points: pa.Array, reasons: pa.Array,
                    order_ids: pa.Array | None = None) -> pa.Table:
        """New ledger entries, numbered after the chunk's clean (and earlier injected) entries."""
        n = len(customer_ids)
        ids = entry_ids(self.base, np.arange(self.next_entry, self.next_entry + n))
        self.next_entry += n
        return pa.Table.from_arrays([customer_ids, occurred, points, reasons,
                                     pa.nulls(n, pa.string()) if order_ids is None else order_ids, ids],
                                    schema=LEDGER_SCHEMA)

    def ledger_faults(self, ledger: pa.Table) -> None:
        """Ledger entries wrong in exactly one way each (LEDGER_FAULT_CLASSES). Entries of real customers come
        after their signup; an overdrawn redemption comes after all the customer's clean entries, so no clean
        redemption is judged on the balance it takes below zero."""
        rng, f = self.rng, self.faults
        n = len(ledger)
        self.next_entry = n + 1
        k = self.count(n)
        end = self.period.end_us

        # resent_entry: the same entry exported again, unchanged
        rows = ledger.take(self.sample(np.arange(n), k))
        f.add("resent_entry", "loyalty_ledger", rows, rows["entry_id"])

        def new_entries(fault_class: str, reasons: list, points=None, occurred_us=None, null_occurred=False,
                        customer_ids=None, order_ids=None) -> None:
            """Entries of real customers (unless ``customer_ids``) at a time after their signup (unless given)."""
            m = len(reasons)
            cust = self.real_customers(m)
            at = self.time_after(self.signup_us[cust] + US_PER_SECOND) if occurred_us is None else occurred_us
            rows = self.ledger_rows(
                columns.ids("c", self.base.customers + cust + 1) if customer_ids is None else customer_ids,
                pa.nulls(m, columns.TS) if null_occurred else columns.timestamps(at),
                points if isinstance(points, pa.Array) else
                pa.array(1 + rng.integers(0, 200, m) if points is None else np.asarray(points, dtype=np.int64)),
                pa.array(reasons, type=pa.string()), order_ids)
            f.add(fault_class, "loyalty_ledger", rows, rows["entry_id"])

        def seconds(lo_us: int, days: float) -> np.ndarray:
            return lo_us + (rng.random(k) * days * US_PER_DAY).astype(np.int64) // US_PER_SECOND * US_PER_SECOND

        earn = ["earn_order"] * k
        new_entries("null_key", earn, customer_ids=pa.nulls(k, pa.string()))
        # hostile ids: the customer's (even rows) or the order's (odd rows) of a real customer
        hostile = [HOSTILE_IDS[i % len(HOSTILE_IDS)] for i in range(k)]
        odd = np.arange(k) % 2 == 1
        real = columns.ids("c", self.base.customers + self.real_customers(k) + 1)
        new_entries("hostile_string", earn,
                    customer_ids=pc.if_else(pa.array(odd), real, pa.array(hostile, type=pa.string())),
                    order_ids=pa.array([h if o else None for h, o in zip(hostile, odd)], type=pa.string()))
        # test accounts: their signup bonus and the points of their orders
        if self.test_signups is not None:
            ids, signup = self.test_signups
            order_ids, owner, ordered, subtotal = self.test_orders
            new_entries("test_account", ["earn_signup"] * len(ids) + ["earn_order"] * len(order_ids),
                        points=np.concatenate([np.full(len(ids), SIGNUP_POINTS), np.maximum(np.floor(subtotal), 1)]),
                        occurred_us=np.concatenate([signup, ordered]), customer_ids=pa.concat_arrays([ids, owner]),
                        order_ids=pa.concat_arrays([pa.nulls(len(ids), pa.string()), order_ids]))
        new_entries("null_reason", [None] * k)
        new_entries("unknown_reason", [UNKNOWN_REASONS[i % len(UNKNOWN_REASONS)] for i in range(k)])
        new_entries("null_points", earn, points=pa.nulls(k, pa.int64()))
        mismatch = [SIGN_MISMATCHES[i % len(SIGN_MISMATCHES)] for i in range(k)]
        new_entries("sign_mismatch", [reason for reason, _ in mismatch],
                    points=np.array([sign for _, sign in mismatch]) * (1 + rng.integers(0, 200, k)))
        new_entries("null_timestamp", earn, null_occurred=True)
        new_entries("future_timestamp", earn, occurred_us=seconds(_us(FUTURE_START), 300))
        new_entries("out_of_range_timestamp", earn, occurred_us=seconds(0, 10))

        # overdrawn_redemption: more whole REDEEM_STEPs than the customer holds, after their last clean entry
        number = pc.cast(pc.utf8_slice_codeunits(ledger["customer_id"], 1), pa.int64()).to_numpy()
        cust = number - self.base.customers - 1
        balance = np.zeros(self.n_customers, dtype=np.int64)
        np.add.at(balance, cust, ledger["points"].to_numpy())
        last = np.full(self.n_customers, np.iinfo(np.int64).min)
        np.maximum.at(last, cust, ledger["occurred_at"].cast(pa.int64()).to_numpy())
        chosen = self.sample(np.flatnonzero((last > np.iinfo(np.int64).min) & (last < end - 2 * US_PER_DAY)), k)
        steps = np.maximum(balance[chosen], 0) // REDEEM_STEP + 1 + rng.integers(0, 5, len(chosen))
        new_entries("overdrawn_redemption", ["redeem"] * len(chosen), points=-REDEEM_STEP * steps,
                    occurred_us=self.time_after(last[chosen] + US_PER_SECOND),
                    customer_ids=columns.ids("c", self.base.customers + chosen + 1))

    def customer_rows(self, ids: pa.Array, signup_us: np.ndarray, emails: list[str], is_test: bool) -> pa.Table:
        n = len(ids)
        return columns.table("customers", {
            "customer_id": ids, "signup_at": columns.timestamps(signup_us),
            "email": pa.array(emails, type=pa.string()), "country": pa.array(["US"] * n, type=pa.string()),
            "acquisition_channel": pa.array(["organic"] * n, type=pa.string()),
            "is_test": pa.array(np.full(n, is_test)), "updated_at": columns.timestamps(signup_us + US_PER_SECOND),
        })

    def test_accounts(self, k: int) -> None:
        rng, f = self.rng, self.faults
        start = self.next["customers"]
        ids = self.new_ids("customers", "c", k)
        signup = self.time_after(np.full(k, self.period.start_us), margin_days=3.0)
        number = self.base.customers + start
        rows = self.customer_rows(ids, signup, [f"qa.test+{number + i}@example.com" for i in range(k)], is_test=True)
        f.add("test_account", "customers", rows, ids)
        self.n_test_accounts = k
        self.test_signups = ids, signup
        cust_num = np.arange(start, start + k) - 1            # customer index (id number - 1)
        # orders with items
        n_orders = 1 + rng.integers(0, 3, k)
        owner = np.repeat(np.arange(k), n_orders)
        m = len(owner)
        order_ids = self.new_ids("orders", "o", m)
        ordered = self.time_after(signup[owner] + US_PER_SECOND)
        n_items = 1 + rng.integers(0, 2, m)
        item_order = np.repeat(np.arange(m), n_items)
        price = np.round(5 + 95 * rng.random(len(item_order)), 2)
        subtotal = np.round(np.bincount(item_order, weights=price, minlength=m), 2)
        orders = self.order_rows(order_ids, cust_num[owner], ordered, subtotal, ["USD"] * m)
        self.test_orders = order_ids, ids.take(pa.array(owner)), ordered, subtotal
        f.add("test_account", "orders", orders, order_ids)
        item_ids = self.new_ids("order_items", "oi", len(item_order))
        items = self.item_rows(item_ids, order_ids.take(pa.array(item_order)),
                               rng.integers(0, len(self.clean["products"]), len(item_order)),
                               np.ones(len(item_order), dtype=np.int64), price)
        f.add("test_account", "order_items", items, item_ids)
        # events: a session per order
        n_ev = 3 + rng.integers(0, 4, m)
        ev_order = np.repeat(np.arange(m), n_ev)
        offset = np.arange(len(ev_order)) - np.repeat(np.cumsum(n_ev) - n_ev, n_ev)
        occurred = ordered[ev_order] - (n_ev[ev_order] - 1 - offset) * 30 * US_PER_SECOND
        occurred = np.maximum(occurred, signup[owner][ev_order])
        last = offset == n_ev[ev_order] - 1
        types = np.where(last, "order_completed", np.where(offset == 0, "login", "product_view"))
        first_item = np.cumsum(n_items) - n_items
        item_products = pc.cast(items["product_id"], pa.string()).to_numpy(zero_copy_only=False)
        product = np.array([int(p[1:]) - 1 for p in item_products], dtype=np.int64)
        ev_product = np.where(types == "product_view", product[first_item[ev_order]], -1)
        props = columns.concat_strings('{"device": "web", "platform": "desktop"',
                                       pc.if_else(pa.array(last), columns.concat_strings(
                                           ', "order_id": "', order_ids.take(pa.array(ev_order)), '"'), ""), "}")
        sessions = self.next_session + np.arange(m)
        self.next_session += m
        ev_ids = self.new_ids("events", "e", len(ev_order))
        events = self.event_rows(ev_ids, occurred, types.tolist(), cust_num[owner][ev_order], occurred + 500_000,
                                 anon=FAULT_SESSION_BASE + self.base.test_accounts + owner[ev_order],
                                 session=sessions[ev_order],
                                 product=ev_product, properties=props)
        f.add("test_account", "events", events, ev_ids)


def inject(clean: dict[str, pa.Table], period: Period, fault_rate: float, rng: np.random.Generator,
           events_received_us: np.ndarray, events_occurred_us: np.ndarray, n_sessions: int,
           base: columns.IdBase = columns.IdBase(), ledger: pa.Table | None = None) -> Faults:
    """Inject the faults into ``clean`` and the loyalty ``ledger`` when given (ids of new rows numbered on from
    ``base``); ``Faults.used`` tells what the next chunk's base moves by."""
    injector = Injector(clean, period, fault_rate, rng, n_sessions, base, ledger)
    faults = injector.run(events_received_us, events_occurred_us)
    faults.used = injector.used()
    return faults
