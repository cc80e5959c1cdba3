"""The loyalty programme (opt-in: ``generate(..., loyalty=True)``): a points ledger and a true effect of early
redemption on retention.

Ledger (the raw table ``loyalty_ledger``), in the warehouse's rules with their defaults (dbt_project.yml,
"loyalty"): earn_signup SIGNUP_POINTS at signup; earn_order floor(POINTS_PER_USD x (subtotal - discount) in USD)
per valid order; adjust, the points a refund removes (floor of the refunded share of those points), at the refund;
redeem, a gift of whole REDEEM_STEP points for a chosen share of first-order customers. No expiry entries: a
generated programme's points never expire in the period (the warehouse projects expiry by its rule).

Effect: among first-order customers, REDEEM_SHARE are chosen at random (a coin from the loyalty stream, independent
of everything else) to redeem on a day 1..BEHAVIOUR_DAYS-1 after their first order day; everyone holds at least
the signup bonus, so every first-order customer could redeem. Among chosen customers who would not otherwise be
active on days BEHAVIOUR_DAYS..RETENTION_DAYS after the first order day (exactly as the warehouse measures it),
round(DECLARED_LIFT x chosen) come back for one "return" session in that window: redemption raises that
retention by DECLARED_LIFT, and because the choice is random the redeemer/non-redeemer difference of
fct_loyalty_redemption_retention estimates it without bias. Randomness comes from a stream of its own
(``loyalty_stream``), so every other table is the same as without the programme except the return sessions'
events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns
from .calendar import US_PER_DAY, US_PER_SECOND, Period
from .customers import Customers
from .fx import FxRates
from .orders import Orders
from .process import APP, WEB
from .sessions import RETURN, SessionEvents, Stubs

LOYALTY_SPAWN_KEY = 2000     # far from the seed's streams (0..11) and the chunks' key (1000)
SIGNUP_POINTS = 100
POINTS_PER_USD = 1
REDEEM_SHARE = 0.4
REDEEM_STEP = 100
BEHAVIOUR_DAYS = 30
RETENTION_DAYS = 90
DECLARED_LIFT = 0.15
REASONS = ("earn_order", "earn_signup", "adjust", "redeem")
LEDGER_SCHEMA = pa.schema([
    ("customer_id", pa.string()), ("occurred_at", columns.TS), ("points", pa.int64()), ("reason", pa.string()),
    ("order_id", pa.string()), ("entry_id", pa.string()),
])


def entry_ids(base: columns.IdBase, numbers: np.ndarray) -> pa.Array:
    """Entry ids of a chunk: its first customer number and the entry's number in the chunk (1, 2, ...)."""
    return pa.array([f"l{base.customers + 1:07d}-{k:09d}" for k in numbers], type=pa.string())


def loyalty_stream(seed: int, chunk: int = 0) -> np.random.Generator:
    """The programme's own stream: drawing from it changes no other stream of the seed."""
    sequence = np.random.SeedSequence(int(seed), spawn_key=(LOYALTY_SPAWN_KEY, int(chunk)))
    return np.random.Generator(np.random.PCG64(sequence))


@dataclass
class Programme:
    cust: np.ndarray          # ledger entries
    reason: np.ndarray        # index into REASONS
    points: np.ndarray
    occurred_us: np.ndarray
    order: np.ndarray         # order index or -1
    eligible: np.ndarray      # first-order customers (customer index)
    redeemer: np.ndarray      # bool per eligible customer
    untreated_retained: np.ndarray
    brought_back: np.ndarray
    complete: np.ndarray      # the retention window ends inside the period

    def to_table(self, base: columns.IdBase = columns.IdBase()) -> pa.Table:
        order = np.lexsort((self.reason, self.occurred_us, self.cust))
        n = len(order)
        order_ids = np.where(self.order[order] >= 0, base.orders + self.order[order] + 1, 0)
        ids = columns.ids("o", order_ids).to_pylist()
        return pa.table({
            "customer_id": columns.ids("c", base.customers + self.cust[order] + 1),
            "occurred_at": columns.timestamps(self.occurred_us[order]),
            "points": pa.array(self.points[order], type=pa.int64()),
            "reason": columns.pick(REASONS, self.reason[order]),
            "order_id": pa.array([i if o >= 0 else None for i, o in zip(ids, self.order[order])], type=pa.string()),
            "entry_id": entry_ids(base, np.arange(1, n + 1)),
        }, schema=LEDGER_SCHEMA)

    def counts(self) -> np.ndarray:
        """Over customers whose retention window is complete: redeemers, redeemers retained, redeemers brought back
        by the programme, non-redeemers, non-redeemers retained (summed over chunks, they give ``truth``)."""
        m = self.complete
        red, non = m & self.redeemer, m & ~self.redeemer
        retained = self.untreated_retained | self.brought_back
        return np.array([red.sum(), retained[red].sum(), self.brought_back[red].sum(), non.sum(), retained[non].sum()],
                        dtype=np.int64)


def truth(counts: np.ndarray) -> dict:
    """The programme's declared effect and what was realised, for parameters.json."""
    red, red_ret, brought, non, non_ret = (int(v) for v in counts)
    rate = lambda k, n: k / n if n else float("nan")  # noqa: E731
    return {
        "declared_retention_lift": DECLARED_LIFT,
        "behaviour_days": BEHAVIOUR_DAYS, "retention_days": RETENTION_DAYS, "redeem_share": REDEEM_SHARE,
        "signup_points": SIGNUP_POINTS, "points_per_usd": POINTS_PER_USD,
        "redeemers": red, "non_redeemers": non,
        "redeemer_rate": rate(red_ret, red), "non_redeemer_rate": rate(non_ret, non),
        "realised_lift_among_redeemers": rate(brought, red),
        "method": "redeemers chosen at random among first-order customers; round(lift x redeemers) of those not "
                  "otherwise active on days 30..90 after the first order day get one return session there; "
                  "figures over customers whose day 90 lies inside the period",
    }


def active_between(events: list[SessionEvents], n_customers: int, cust: np.ndarray, day0: np.ndarray,
                   lo: int, hi: int, period: Period) -> np.ndarray:
    """Whether each customer has activity on a day lo..hi after day0 as the warehouse sees it (identified events,
    or events on a device identified somewhere; every order has an event)."""
    slot = np.full(n_customers, -1, dtype=np.int64)
    slot[cust] = np.arange(len(cust))
    hit = np.zeros(len(cust), dtype=bool)
    known = np.zeros(n_customers * 2, dtype=bool)
    for ev in events:
        known[ev.cust[ev.identified] * 2 + ev.device[ev.identified]] = True
    for ev in events:
        c = ev.cust
        s = np.where(c >= 0, slot[np.maximum(c, 0)], -1)
        m = s >= 0
        m[m] = known[c[m] * 2 + ev.device[m]]
        rel = period.day_of(ev.t_us[m]) - day0[s[m]]
        hit[s[m][(rel >= lo) & (rel <= hi)]] = True
    return hit


def run_programme(customers: Customers, orders: Orders, fx: FxRates, events: list[SessionEvents], period: Period,
                  rng: np.random.Generator) -> tuple[Programme, Stubs]:
    """The ledger and the return sessions of the programme's effect."""
    valid = ~orders.cancelled_extra
    idx = np.flatnonzero(valid)
    day = period.day_of(orders.ordered_us[idx])
    usd = np.maximum(orders.subtotal[idx] - orders.discount[idx], 0) * fx.rate(orders.currency[idx], day)
    earned = np.floor(usd * POINTS_PER_USD).astype(np.int64)
    refunded = np.nan_to_num(orders.refunded_amount[idx], nan=0.0)
    share = np.where(orders.subtotal[idx] > 0, np.clip(refunded / np.maximum(orders.subtotal[idx], 1e-9), 0, 1), 0)
    reversed_ = np.floor(earned * share).astype(np.int64)
    refund_us = np.where(orders.refunded_us[idx] >= 0, orders.refunded_us[idx], orders.ordered_us[idx])

    # first valid order of each customer
    order_by = np.lexsort((idx, orders.ordered_us[idx], orders.cust[idx]))
    firsts = order_by[np.r_[True, np.diff(orders.cust[idx][order_by]) != 0]] if len(idx) else order_by
    eligible = orders.cust[idx][firsts]
    first_us = orders.ordered_us[idx][firsts]
    day0 = period.day_of(first_us)
    redeemer = rng.random(len(eligible)) < REDEEM_SHARE
    redeem_day = day0 + 1 + (rng.random(len(eligible)) * (BEHAVIOUR_DAYS - 1)).astype(np.int64)
    redeem_us = period.start_us + redeem_day * US_PER_DAY + (rng.random(len(eligible)) * 20 * 3600).astype(
        np.int64) * US_PER_SECOND
    redeemer &= redeem_us < period.end_us
    balance = SIGNUP_POINTS + earned[firsts]
    redeemed = (balance // REDEEM_STEP) * REDEEM_STEP

    y0 = active_between(events, customers.n, eligible, day0, BEHAVIOUR_DAYS, RETENTION_DAYS, period)
    target = int(round(DECLARED_LIFT * redeemer.sum()))
    pool = np.flatnonzero(redeemer & ~y0)
    chosen = rng.permutation(pool)[: min(target, len(pool))]
    brought = np.zeros(len(eligible), dtype=bool)
    brought[chosen] = True
    back_day = day0[chosen] + BEHAVIOUR_DAYS + (rng.random(len(chosen)) * (RETENTION_DAYS - BEHAVIOUR_DAYS)).astype(
        np.int64)
    back_us = period.start_us + back_day * US_PER_DAY + (rng.random(len(chosen)) * 20 * 3600).astype(
        np.int64) * US_PER_SECOND
    c = eligible[chosen]
    stubs = Stubs.make(RETURN, c, np.where(customers.primary_app[c], APP, WEB), back_us)
    complete = day0 + RETENTION_DAYS <= period.days - 1

    signed_up = customers.signup_us < period.end_us
    n_cust = int(signed_up.sum())
    has_refund = reversed_ > 0
    parts = [
        (np.flatnonzero(signed_up), np.full(n_cust, 1), np.full(n_cust, SIGNUP_POINTS), customers.signup_us[signed_up],
         np.full(n_cust, -1)),
        (orders.cust[idx][earned > 0], np.full(int((earned > 0).sum()), 0), earned[earned > 0],
         orders.ordered_us[idx][earned > 0], idx[earned > 0]),
        (orders.cust[idx][has_refund], np.full(int(has_refund.sum()), 2), -reversed_[has_refund],
         refund_us[has_refund], idx[has_refund]),
        (eligible[redeemer], np.full(int(redeemer.sum()), 3), -redeemed[redeemer], redeem_us[redeemer],
         np.full(int(redeemer.sum()), -1)),
    ]
    cat = [np.concatenate([np.asarray(p[k], dtype=np.int64) for p in parts]) for k in range(5)]
    inside = cat[3] < period.end_us
    programme = Programme(cust=cat[0][inside], reason=cat[1][inside], points=cat[2][inside],
                          occurred_us=cat[3][inside], order=cat[4][inside], eligible=eligible, redeemer=redeemer,
                          untreated_retained=y0, brought_back=brought, complete=complete)
    return programme, stubs
