"""System events: messages the shop sends (e-mail, push, SMS) and e-mail opens/clicks. They are not customer
activity (the warehouse's ``system_event_types``) and continue after a customer drops out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import columns, params
from .calendar import Period, US_PER_DAY, US_PER_SECOND, Warp
from .customers import Customers
from .experiments import Assignments
from .orders import Orders
from .process import Process

CAMPAIGNS = ("welcome", "weekly_newsletter", "order_confirmation", "shipping_update", "delivery_update",
             "promo_push", "onboarding_coupon", "review_request")
(WELCOME, NEWSLETTER, ORDER_CONFIRMATION, SHIPPING_UPDATE, DELIVERY_UPDATE, PROMO_PUSH,
 ONBOARDING_COUPON, REVIEW_REQUEST) = range(len(CAMPAIGNS))
EMAIL_SENT, EMAIL_OPENED, EMAIL_CLICKED, PUSH_SENT, SMS_SENT = params.SYSTEM_EVENT_TYPES


@dataclass
class SystemEvents:
    t_us: np.ndarray
    event_type: np.ndarray      # index into params.EVENT_TYPES
    cust: np.ndarray
    campaign: np.ndarray
    order: np.ndarray           # -1 none

    def __len__(self) -> int:
        return len(self.t_us)


def _seconds(rng: np.random.Generator, n: int, lo: float, hi: float) -> np.ndarray:
    return np.floor(lo + (hi - lo) * rng.random(n)).astype(np.int64) * US_PER_SECOND


def build_system_events(customers: Customers, process: Process, orders: Orders, assignments: Assignments,
                        period: Period, warp: Warp, rng: np.random.Generator) -> SystemEvents:
    end = period.end_us
    t, typ, cust, camp, order = [], [], [], [], []

    def add(t_us, event_type, c, campaign, o=None):
        t.append(np.asarray(t_us, dtype=np.int64))
        typ.append(np.full(len(t_us), params.EVENT_TYPES.index(event_type), dtype=np.int8))
        cust.append(np.asarray(c, dtype=np.int64))
        camp.append(np.full(len(t_us), campaign, dtype=np.int8) if np.isscalar(campaign) else campaign.astype(np.int8))
        order.append(np.full(len(t_us), -1, dtype=np.int64) if o is None else np.asarray(o, dtype=np.int64))

    n = customers.n
    alive_until_us = period.to_us(np.minimum(process.dropout, period.days + 1))
    sends_t, sends_c, sends_camp = [], [], []

    # welcome e-mail
    sends_t.append(customers.signup_us + _seconds(rng, n, 60, 300))
    sends_c.append(np.arange(n))
    sends_camp.append(np.full(n, WELCOME))
    # weekly newsletter to subscribers, Thursdays 15:00 UTC (+ batch sending time)
    weekday, _ = period.calendar()
    first = int(np.argmax(weekday == params.NEWSLETTER_WEEKDAY))
    send_days = np.arange(first, period.days, 7)
    send_us = period.start_us + send_days * US_PER_DAY + params.NEWSLETTER_HOUR * 3600 * US_PER_SECOND
    stop_us = period.to_us(np.minimum(customers.unsubscribe, period.days))
    lo = np.searchsorted(send_us, customers.signup_us, side="left")
    hi = np.where(customers.newsletter, np.searchsorted(send_us, stop_us, side="left"), lo)
    owner, rank = columns.expand(np.maximum(hi - lo, 0))
    sends_t.append(send_us[lo[owner] + rank] + _seconds(rng, len(owner), 0, 1800))
    sends_c.append(owner)
    sends_camp.append(np.full(len(owner), NEWSLETTER))
    # onboarding coupon e-mail of the retention experiment's treatment group
    k = [e["kind"] for e in params.EXPERIMENTS].index("retention")
    m = (assignments.experiment == k) & (assignments.variant == 1)
    sends_t.append(assignments.assigned_us[m] + _seconds(rng, int(m.sum()), 3600, 3 * 3600))
    sends_c.append(assignments.cust[m])
    sends_camp.append(np.full(int(m.sum()), ONBOARDING_COUPON))

    st, sc, scamp = np.concatenate(sends_t), np.concatenate(sends_c), np.concatenate(sends_camp)
    ok = st < end
    st, sc, scamp = st[ok], sc[ok], scamp[ok]
    add(st, EMAIL_SENT, sc, scamp)
    alive = st < alive_until_us[sc]
    opened = rng.random(len(st)) < np.where(scamp == ONBOARDING_COUPON, 0.45, np.where(alive, 0.30, 0.06))
    open_t = st + _seconds(rng, len(st), 30, 30) + (rng.exponential(0.25, len(st)) * US_PER_DAY).astype(np.int64) // 1000 * 1000
    opened &= open_t < end
    add(open_t[opened], EMAIL_OPENED, sc[opened], scamp[opened])
    clicked = opened & (rng.random(len(st)) < np.where(alive, 0.20, 0.05))
    click_t = open_t + _seconds(rng, len(st), 10, 300)
    clicked &= click_t < end
    add(click_t[clicked], EMAIL_CLICKED, sc[clicked], scamp[clicked])

    # transactional messages
    idx = np.arange(len(orders))
    ct = orders.ordered_us + _seconds(rng, len(orders), 20, 90)
    ok = ct < end
    add(ct[ok], EMAIL_SENT, orders.cust[ok], ORDER_CONFIRMATION, idx[ok])
    shipped = orders.shipped_us >= 0
    stt = orders.shipped_us + _seconds(rng, len(orders), 5, 60)
    ok = shipped & (stt < end)
    add(stt[ok], EMAIL_SENT, orders.cust[ok], SHIPPING_UPDATE, idx[ok])
    has_app = customers.primary_app[orders.cust] | (customers.secondary_from[orders.cust] * US_PER_DAY + period.start_us
                                                    <= orders.shipped_us)
    ok = ok & has_app
    add(stt[ok] + US_PER_SECOND, PUSH_SENT, orders.cust[ok], SHIPPING_UPDATE, idx[ok])
    dt_ = orders.delivered_us + _seconds(rng, len(orders), 5, 60)
    ok = (orders.delivered_us >= 0) & customers.sms[orders.cust] & (dt_ < end)
    add(dt_[ok], SMS_SENT, orders.cust[ok], DELIVERY_UPDATE, idx[ok])
    rr = orders.delivered_us + 3 * US_PER_DAY + _seconds(rng, len(orders), 0, 3600)
    ok = (orders.delivered_us >= 0) & (rr < end)
    add(rr[ok], EMAIL_SENT, orders.cust[ok], REVIEW_REQUEST, idx[ok])

    # promotional pushes to app users, from app install to the end (after dropout too)
    app_from = np.where(customers.primary_app, customers.signup, customers.secondary_from)
    has = app_from < period.days
    c = np.flatnonzero(has)
    owner, tp = warp.poisson(app_from[c], np.full(len(c), float(period.days)), np.full(len(c), params.PUSH_RATE),
                             customers.country[c], rng)
    tp_us = period.to_us(tp)
    ok = tp_us < end
    add(tp_us[ok], PUSH_SENT, c[owner[ok]], PROMO_PUSH)

    return SystemEvents(t_us=np.concatenate(t), event_type=np.concatenate(typ), cust=np.concatenate(cust),
                        campaign=np.concatenate(camp), order=np.concatenate(order))
