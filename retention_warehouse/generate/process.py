"""The latent purchase-and-dropout process (BG/NBD-like) and the experience of every purchase.

Per customer: purchase rate lambda ~ Gamma(r, alpha) per day and dropout probability p ~ Beta(a, b), by
acquisition channel; a share never purchases (prospects). Purchases arrive as a Poisson process with rate
lambda in seasonal ("warped") time; after each purchase the customer drops out with probability p.

* default: the first purchase happens in the signup session or after a lognormal delay; dropout may follow any
  purchase, the first included; early behaviours (params.EARLY_EFFECTS) multiply p.
* single_population: one (r, alpha, a, b) for all, first purchase minutes after signup, no seasonality across
  days, no early effects and, as in BG/NBD, no dropout at the first purchase: a BG/NBD fit recovers the
  parameters.

A customer who drops out stays around for a short wind-down (exponential, capped before the would-be next
purchase); ``dropout`` is the end of it, the moment the customer truly leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import columns, params
from .calendar import Period, US_PER_DAY, US_PER_SECOND, Warp
from .customers import Customers

WEB, APP = 0, 1


@dataclass
class Purchases:
    """One row per purchase of the latent process (a valid order), sorted by customer and time."""
    cust: np.ndarray
    t: np.ndarray               # days since start
    seq: np.ndarray             # 0 = first purchase of the customer
    immediate: np.ndarray       # first purchase inside the signup session
    device: np.ndarray          # WEB / APP
    coupon: np.ndarray
    n_items: np.ndarray
    ordered_us: np.ndarray
    paid_us: np.ndarray
    shipped_us: np.ndarray
    delivered_us: np.ndarray
    refund_kind: np.ndarray     # 0 none, 1 full, 2 partial
    refund_frac: np.ndarray
    refunded_us: np.ndarray
    review: np.ndarray
    review_us: np.ndarray
    rating: np.ndarray
    track: np.ndarray
    track_us: np.ndarray

    def __len__(self) -> int:
        return len(self.cust)


@dataclass
class Process:
    is_prospect: np.ndarray
    lam: np.ndarray
    p_base: np.ndarray
    p: np.ndarray               # effective dropout probability after the early-behaviour effects
    multiplier: np.ndarray
    first_t: np.ndarray         # days (inf: none in the period)
    last_t: np.ndarray
    n_purchases: np.ndarray
    dropout: np.ndarray         # days (inf: never); may lie beyond the period
    flags: dict = field(default_factory=dict)
    purchases: Purchases | None = None

    def alive_until(self, days: int) -> np.ndarray:
        return np.minimum(self.dropout, days)


def choose_device(customers: Customers, cust: np.ndarray, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Primary device, or the second one (once the customer has it) for a share of sessions."""
    primary = np.where(customers.primary_app[cust], APP, WEB)
    use_second = (t >= customers.secondary_from[cust]) & (rng.random(len(cust)) < params.SECONDARY_DEVICE_USE)
    return np.where(use_second, 1 - primary, primary).astype(np.int8)


def experience(customers: Customers, cust: np.ndarray, t: np.ndarray, period: Period,
               rng: np.random.Generator) -> dict[str, np.ndarray]:
    """What happens to each purchase: items, coupon, payment, shipping, delivery, refund, review, tracking."""
    n = len(cust)
    ordered_us = period.to_us(t)
    pending = rng.random(n) < params.PENDING_PAYMENT_SHARE
    pay = np.where(pending, 1.0 + 2.0 * rng.random(n), (0.5 + 9.5 * rng.random(n)) / 1440.0)
    handling = 0.3 + 1.7 * rng.random(n)
    slow = rng.random(n) < params.SLOW_DELIVERY_SHARE
    body = np.clip(np.exp(np.log(3.2) + 0.35 * rng.standard_normal(n)), 1.0, 5.9)
    total = np.where(slow, 7.0 + 7.0 * rng.random(n), body)
    total = np.maximum(total, pay + handling + 0.3)
    u = rng.random(n)
    damaged = u < params.DAMAGED_SHARE
    returned = (u >= params.DAMAGED_SHARE) & (u < params.DAMAGED_SHARE + params.RETURN_SHARE)
    refund_kind = np.where(damaged, np.where(rng.random(n) < 0.7, 1, 2), np.where(returned, 2, 0)).astype(np.int8)
    refund_frac = 0.2 + 0.6 * rng.random(n)
    refund_delay = 1.0 + 19.0 * rng.random(n)
    review_p = np.minimum(customers.review_prop[cust] * np.where(refund_kind > 0, 1.5, 1.0), 1.0)
    review = rng.random(n) < review_p
    review_delay = 0.05 + rng.exponential(3.0, n)
    good = rng.choice(5, size=n, p=(0.03, 0.04, 0.13, 0.35, 0.45)) + 1
    bad = rng.choice(2, size=n, p=(0.7, 0.3)) + 1
    middling = rng.choice(3, size=n, p=(0.3, 0.4, 0.3)) + 2
    rating = np.where(refund_kind > 0, bad, np.where(slow, middling, good)).astype(np.int8)
    track = rng.random(n) < params.APP_TRACKING_SESSION
    track_pos = rng.random(n)
    coupon = rng.random(n) < customers.coupon_prop[cust]
    n_items = rng.choice(len(params.ITEMS_PER_ORDER), size=n, p=params.ITEMS_PER_ORDER) + 1
    to_us = lambda days: ordered_us + np.floor(days * 86_400).astype(np.int64) * US_PER_SECOND  # noqa: E731
    paid_us = to_us(pay)
    shipped_us = to_us(pay + handling)
    delivered_us = to_us(total)
    return dict(
        ordered_us=ordered_us, paid_us=paid_us, shipped_us=shipped_us, delivered_us=delivered_us,
        refund_kind=refund_kind, refund_frac=refund_frac, refunded_us=to_us(total + refund_delay),
        review=review, review_us=to_us(total + review_delay), rating=rating, track=track,
        track_us=shipped_us + ((delivered_us - shipped_us) * track_pos).astype(np.int64) // US_PER_SECOND * US_PER_SECOND,
        coupon=coupon, n_items=n_items.astype(np.int64),
    )


def population(customers: Customers, single_population: bool) -> dict[str, np.ndarray]:
    if single_population:
        sp = params.SINGLE_POPULATION
        return {k: np.full(customers.n, v) for k, v in sp.items()} | {"prospect_share": np.zeros(customers.n)}
    ch = customers.channel
    get = lambda attr: np.array([getattr(c, attr) for c in params.CHANNELS])[ch]  # noqa: E731
    return {"r": get("r"), "alpha": get("alpha"), "a": get("a"), "b": get("b"), "prospect_share": get("prospect_share")}


def simulate(customers: Customers, period: Period, warp: Warp, single_population: bool,
             rng: np.random.Generator) -> Process:
    n, days = customers.n, period.days
    signup, country = customers.signup, customers.country
    pop = population(customers, single_population)
    is_prospect = rng.random(n) < pop["prospect_share"]
    lam = np.minimum(rng.gamma(pop["r"], 1.0 / pop["alpha"]), params.LAMBDA_CAP)
    p_base = rng.beta(pop["a"], pop["b"])

    # --- first purchase ---------------------------------------------------------------------------------------
    buyer = ~is_prospect
    immediate = buyer & ((rng.random(n) < params.IMMEDIATE_FIRST_PURCHASE) | single_population)
    minutes = (3.0 + 22.0 * rng.random(n)) / 1440.0
    w_delay = np.exp(params.FIRST_PURCHASE_DELAY[0] + params.FIRST_PURCHASE_DELAY[1] * rng.standard_normal(n))
    w1 = warp.forward(signup, country) + w_delay
    t_delayed = np.maximum(warp.inverse(w1, country), signup + 2.0 / 1440.0)
    t1 = np.where(immediate, signup + minutes, np.where(w1 < days, t_delayed, np.inf))
    has_first = buyer & (t1 < days)
    t1 = np.where(has_first, t1, np.inf)
    first = np.flatnonzero(has_first)
    exp1 = experience(customers, first, t1[first], period, rng)

    # --- early behaviours and the effective dropout probability -------------------------------------------------
    end_us = period.end_us
    flags = {name: np.zeros(n, dtype=bool) for name in params.EARLY_EFFECTS}
    flags["early_app"] = customers.early_app.copy()
    flags["early_coupon"][first] = exp1["coupon"] & (t1[first] - signup[first] <= 7.0)
    flags["early_review"][first] = (exp1["review"] & (exp1["review_us"] < end_us)
                                    & (exp1["review_us"] - exp1["delivered_us"] <= 7 * US_PER_DAY))
    flags["slow_first_delivery"][first] = ((exp1["delivered_us"] < end_us)
                                           & (period.day_of(exp1["delivered_us"]) - period.day_of(exp1["ordered_us"]) >= 7))
    flags["first_order_refunded"][first] = (exp1["refund_kind"] > 0) & (exp1["refunded_us"] < end_us)
    multiplier = np.ones(n)
    if not single_population:
        for name, effect in params.EARLY_EFFECTS.items():
            multiplier = np.where(flags[name], multiplier * effect["dropout_multiplier"], multiplier)
    p = np.minimum(p_base * multiplier, params.P_MAX) if not single_population else p_base.copy()

    # --- repeat purchases: Poisson arrivals in warped time, kept until the dropout purchase ----------------------
    w_start = warp.forward(t1[first], country[first])
    span = np.maximum(days - w_start, 0.0)
    n_arrivals = rng.poisson(lam[first] * span)
    owner, rank = columns.expand(n_arrivals)
    u = w_start[owner] + rng.random(len(owner)) * span[owner]
    order = np.lexsort((u, owner))
    u = u[order]                                          # owner is already sorted; ranks follow u
    if single_population:
        allowed = rng.geometric(p[first])                 # dropout after the J-th repeat purchase (BG/NBD)
    else:
        allowed = rng.geometric(p[first]) - 1             # dropout after the K-th purchase, the first included
    t_arrival = warp.inverse(u, country[first][owner])
    t_arrival = np.maximum(t_arrival, t1[first][owner] + 1.0 / 86_400)
    keep = rank < allowed[owner]
    dropped = allowed <= n_arrivals
    # last purchase and the would-be next one
    n_repeats = np.minimum(allowed, n_arrivals)
    last_pos = np.cumsum(n_arrivals) - n_arrivals + n_repeats - 1
    last_t = np.where(n_repeats > 0, t_arrival[np.maximum(last_pos, 0)] if len(t_arrival) else 0.0, t1[first])
    has_next = allowed < n_arrivals
    next_t = np.full(len(first), np.inf)
    if len(t_arrival):
        next_t[has_next] = t_arrival[(np.cumsum(n_arrivals) - n_arrivals + allowed)[has_next]]
    wind_down = np.minimum(rng.exponential(params.WIND_DOWN_DAYS, len(first)), 0.9 * (next_t - last_t))
    dropout = np.full(n, np.inf)
    dropout[first] = np.where(dropped, last_t + wind_down, np.inf)
    prospect_stay = rng.exponential(params.PROSPECT_BROWSE_DAYS, n)
    dropout = np.where(is_prospect, signup + prospect_stay, dropout)
    adopter = customers.early_app_adopter & np.isfinite(dropout)
    dropout[adopter] = np.maximum(dropout[adopter], customers.secondary_from[adopter] + 0.05)

    rep_cust = first[owner[keep]]
    rep_t = t_arrival[keep]
    exp2 = experience(customers, rep_cust, rep_t, period, rng)

    cust = np.concatenate([first, rep_cust])
    t = np.concatenate([t1[first], rep_t])
    seq = np.concatenate([np.zeros(len(first), dtype=np.int64), rank[keep] + 1])
    imm = np.concatenate([immediate[first], np.zeros(len(rep_cust), dtype=bool)])
    device = choose_device(customers, cust, t, rng)
    device[: len(first)] = np.where(imm[: len(first)], np.where(customers.primary_app[first], APP, WEB),
                                    device[: len(first)])
    order = np.lexsort((seq, cust))
    merged = {k: np.concatenate([exp1[k], exp2[k]])[order] for k in exp1}
    purchases = Purchases(cust=cust[order], t=t[order], seq=seq[order], immediate=imm[order], device=device[order],
                          **merged)

    first_t = np.where(has_first, t1, np.inf)
    last_all = np.full(n, np.inf)
    last_all[first] = last_t if len(first) else last_all[first]
    n_purchases = np.zeros(n, dtype=np.int64)
    n_purchases[first] = 1 + n_repeats
    return Process(is_prospect=is_prospect, lam=lam, p_base=p_base, p=p, multiplier=multiplier, first_t=first_t,
                   last_t=last_all, n_purchases=n_purchases, dropout=dropout, flags=flags, purchases=purchases)
