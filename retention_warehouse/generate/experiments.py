"""Experiment assignments at signup, and the treatment effect of the retention experiment.

Design: every customer who signs up inside an experiment's window is assigned a few seconds after signup.
Assignment is pair-matched: customers are sorted by their simulated *untreated* within-30 outcome (active on
a day 1..30 after the assignment day, exactly as the warehouse measures it) and channel, consecutive pairs are
formed and a coin decides who gets the treatment. Arms are therefore balanced on the outcome the experiment
measures, so the realised lift equals the declared lift up to one customer per arm (sampling noise between arms
is designed out; the variant each customer gets is still a fair coin).

Effect of ``exp_onboarding_coupon``: among treated customers who would not have come back on days 1..30,
exactly round(lift * treated) come back for one "return" session on a day 1..28 after the assignment day.
``exp_aa_check`` has no effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns, params
from .calendar import Period, US_PER_DAY, US_PER_SECOND
from .customers import Customers
from .process import APP, WEB
from .sessions import RETURN, SessionEvents, Stubs

WINDOW = 30
VARIANTS = ("control", "treatment")


@dataclass
class Assignments:
    experiment: np.ndarray      # index into params.EXPERIMENTS
    cust: np.ndarray
    variant: np.ndarray         # 0 control, 1 treatment
    assigned_us: np.ndarray
    untreated_active: np.ndarray  # active on a day 1..30 after assignment without the treatment
    brought_back: np.ndarray      # the treatment added a return session
    return_us: np.ndarray         # time of that session (-1 none)

    @staticmethod
    def concat(parts: list["Assignments"]) -> "Assignments":
        return Assignments(*[np.concatenate([getattr(p, f) for p in parts]) for f in Assignments.__dataclass_fields__])

    def to_table(self, base: columns.IdBase = columns.IdBase()) -> pa.Table:
        order = np.lexsort((self.cust, self.experiment))
        names = [e["experiment_id"] for e in params.EXPERIMENTS]
        return columns.table("experiment_assignments", {
            "customer_id": columns.ids("c", base.customers + self.cust[order] + 1),
            "experiment_id": columns.pick(names, self.experiment[order]),
            "variant": columns.pick(VARIANTS, self.variant[order]),
            "assigned_at": columns.timestamps(self.assigned_us[order]),
        })

    def outcomes(self) -> np.ndarray:
        """Customers assigned and customers active within 30 days, per experiment and variant (experiments x
        variants x 2); summed over chunks they give the realised lifts of the whole dataset."""
        counts = np.zeros((len(params.EXPERIMENTS), len(VARIANTS), 2), dtype=np.int64)
        np.add.at(counts, (self.experiment, self.variant, 0), 1)
        active = (self.untreated_active | self.brought_back).astype(np.int64)
        np.add.at(counts, (self.experiment, self.variant, 1), active)
        return counts


def realised_lift(outcomes: np.ndarray) -> dict:
    """Realised within-30 rates and lift of one experiment from its (variants x 2) ``Assignments.outcomes``."""
    assigned, active = outcomes[:, 0], outcomes[:, 1]
    rates = [float(active[j] / assigned[j]) if assigned[j] else float("nan") for j in range(len(VARIANTS))]
    return {"assigned": int(assigned.sum()), "control_rate": rates[0], "treatment_rate": rates[1],
            "within_30d_lift": rates[1] - rates[0]}


def window(experiment: dict, days: int) -> tuple[float, float]:
    lo, hi = experiment["window_days"]
    lo = lo * days if 0 < lo < 1 else lo
    hi = days + hi if hi <= 0 else hi
    return float(lo), float(min(hi, days - WINDOW - 1))


def active_in_window(events: list[SessionEvents], n_customers: int, cust: np.ndarray, day0: np.ndarray,
                     period: Period) -> np.ndarray:
    """Whether each (customer, assignment day) has activity on a day 1..30 after day0, as the warehouse sees it:
    any customer event (identified, or on a device identified somewhere) -- every order has one."""
    slot = np.full(n_customers, -1, dtype=np.int64)
    slot[cust] = np.arange(len(cust))
    hit = np.zeros(len(cust), dtype=bool)
    known = np.zeros(n_customers * 2, dtype=bool)
    for ev in events:
        m = ev.identified
        known[ev.cust[m] * 2 + ev.device[m]] = True
    for ev in events:
        c = ev.cust
        s = np.where(c >= 0, slot[np.maximum(c, 0)], -1)
        m = s >= 0
        m[m] = known[c[m] * 2 + ev.device[m]]
        rel = period.day_of(ev.t_us[m]) - day0[s[m]]
        inside = (rel >= 1) & (rel <= WINDOW)
        hit[s[m][inside]] = True
    return hit


def assign(k: int, customers: Customers, events: list[SessionEvents], period: Period,
           rng: np.random.Generator) -> tuple[Assignments, Stubs]:
    """Assign experiment k and return the treatment's return sessions (empty for an A/A test)."""
    exp = params.EXPERIMENTS[k]
    lo, hi = window(exp, period.days)
    cust = np.flatnonzero((customers.signup >= lo) & (customers.signup < hi))
    n = len(cust)
    assigned_us = customers.signup_us[cust] + (1 + rng.integers(0, 30, n)) * US_PER_SECOND
    day0 = period.day_of(assigned_us)
    y0 = active_in_window(events, customers.n, cust, day0, period)
    order = np.lexsort((rng.random(n), customers.channel[cust], y0))
    coin = rng.random((n + 1) // 2) < 0.5
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    pair, second = rank // 2, rank % 2
    variant = np.where(coin[pair], second, 1 - second).astype(np.int8)
    lift = exp["declared_lift"]["within_30d_retention"]
    brought = np.zeros(n, dtype=bool)
    return_us = np.full(n, -1, dtype=np.int64)
    if lift > 0:
        treated = variant == 1
        target = int(round(lift * treated.sum()))
        pool = np.flatnonzero(treated & ~y0)
        chosen = rng.permutation(pool)[: min(target, len(pool))]
        brought[chosen] = True
        day = day0[chosen] + 1 + (rng.random(len(chosen)) * 28).astype(np.int64)
        return_us[chosen] = (period.start_us + day * US_PER_DAY
                             + (rng.random(len(chosen)) * 22 * 3600).astype(np.int64) * US_PER_SECOND)
    c = cust[brought]
    stubs = Stubs.make(RETURN, c, np.where(customers.primary_app[c], APP, WEB), return_us[brought])
    result = Assignments(experiment=np.full(n, k, dtype=np.int64), cust=cust, variant=variant,
                         assigned_us=assigned_us, untreated_active=y0, brought_back=brought, return_us=return_us)
    return result, stubs
