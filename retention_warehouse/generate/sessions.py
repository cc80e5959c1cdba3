"""Sessions of customer and visitor activity, expanded into events.

A session is a stub (kind, who, device, anchor time, order, ...) plus the number of events in each segment of a
fixed template; flattening the count matrix with ``np.repeat`` gives every event its session, type and position.
Times come from exponential gaps laid out around one or two anchor events whose times are known (the signup, the
order, the review), so ``order_completed`` happens exactly at ``ordered_at`` and ``signup`` exactly at
``signup_at``.

Identity: each customer device has one anonymous id. A session is *persisted* (every event carries the customer
id), *login* (events before the login or signup event are anonymous, later ones carry the customer id) or
*anonymous* (no customer id at all; stitching through the anonymous id recovers it). The first session of each
customer device is never anonymous, so every device of a customer is identified somewhere. Visitors who never
sign up have anonymous sessions only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import columns, params
from .calendar import Period, US_PER_DAY, Warp
from .catalog import Catalog
from .customers import Customers, signup_times
from .orders import COUPON_CODES, Orders, sample_products
from .process import APP, WEB, Process, choose_device

# event template: one segment per position, in session order
SEGMENTS = ("app_open", "page_view", "search", "product_view", "signup", "login", "product_view", "add_to_cart",
            "checkout_started", "coupon_applied", "order_completed", "review_submitted", "page_view")
(S_APP_OPEN, S_LANDING, S_SEARCH, S_VIEW_PRE, S_SIGNUP, S_LOGIN, S_VIEW, S_CART, S_CHECKOUT, S_COUPON, S_ORDER,
 S_REVIEW, S_PAGE) = range(len(SEGMENTS))
N_SEG = len(SEGMENTS)
EXTRA_GAP = np.zeros(N_SEG)
EXTRA_GAP[[S_CHECKOUT, S_ORDER, S_REVIEW]] = (30.0, 60.0, 90.0)

KINDS = ("signup", "purchase", "browse", "track", "review", "pre_signup", "adoption", "return", "visitor", "research")
SIGNUP, PURCHASE, BROWSE, TRACK, REVIEW, PRE_SIGNUP, ADOPTION, RETURN, VISITOR, RESEARCH = range(len(KINDS))
BROWSING = (BROWSE, RESEARCH)
PERSISTED, LOGIN, ANONYMOUS = 0, 1, 2

PLATFORMS = ("desktop", "mobile_web", "ios", "android")
LANDING_PAGES = ("home", "category", "deals", "product", "promo", "order_status")
P_HOME, P_CATEGORY, P_DEALS, P_PRODUCT, P_PROMO, P_ORDER_STATUS = range(len(LANDING_PAGES))
QUERIES = tuple(q for c in params.CATEGORIES for q in c.queries)
QUERY_START = np.cumsum([0] + [len(c.queries) for c in params.CATEGORIES])[:-1]
QUERY_COUNT = np.array([len(c.queries) for c in params.CATEGORIES])


@dataclass
class Stubs:
    kind: np.ndarray
    cust: np.ndarray          # -1: anonymous visitor
    visitor: np.ndarray       # visitor number (-1: a customer)
    device: np.ndarray
    t_us: np.ndarray          # anchor time
    t2_us: np.ndarray         # second anchor (signup sessions with an order), -1 if none
    order: np.ndarray         # order index, -1 if none
    review_item: np.ndarray   # item index reviewed, -1 if none

    def __len__(self) -> int:
        return len(self.kind)

    @staticmethod
    def make(kind, cust, device, t_us, visitor=None, t2_us=None, order=None, review_item=None) -> "Stubs":
        n = len(cust)
        minus = lambda: np.full(n, -1, dtype=np.int64)  # noqa: E731
        return Stubs(kind=np.full(n, kind, dtype=np.int8), cust=np.asarray(cust, dtype=np.int64),
                     visitor=minus() if visitor is None else np.asarray(visitor, dtype=np.int64),
                     device=np.asarray(device, dtype=np.int8), t_us=np.asarray(t_us, dtype=np.int64),
                     t2_us=minus() if t2_us is None else np.asarray(t2_us, dtype=np.int64),
                     order=minus() if order is None else np.asarray(order, dtype=np.int64),
                     review_item=minus() if review_item is None else np.asarray(review_item, dtype=np.int64))

    @staticmethod
    def concat(parts: list["Stubs"]) -> "Stubs":
        return Stubs(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Stubs)})


@dataclass
class SessionEvents:
    """Flattened session events (one row per event)."""
    session: np.ndarray       # index into the stubs realised together (globally offset by the caller)
    kind: np.ndarray
    seg: np.ndarray
    t_us: np.ndarray
    cust: np.ndarray          # the session's customer (-1 visitor), whether or not the event is identified
    identified: np.ndarray
    device: np.ndarray
    platform: np.ndarray
    anon: np.ndarray          # anonymous id number
    product: np.ndarray       # product index, -1 none
    x1: np.ndarray            # type-specific detail: query, page, order, coupon, signup method, rating
    x2: np.ndarray            # order of a review

    def __len__(self) -> int:
        return len(self.seg)

    def select(self, keep: np.ndarray) -> "SessionEvents":
        return SessionEvents(**{f.name: getattr(self, f.name)[keep] for f in fields(SessionEvents)})

    @staticmethod
    def concat(parts: list["SessionEvents"]) -> "SessionEvents":
        return SessionEvents(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                                for f in fields(SessionEvents)})


def customer_stubs(customers: Customers, process: Process, orders: Orders, period: Period, warp: Warp,
                   rng: np.random.Generator) -> Stubs:
    end, days = period.end_us, period.days
    pur = process.purchases
    primary = np.where(customers.primary_app, APP, WEB)
    parts: list[Stubs] = []

    # signup session, with the first order when it happens right away
    valid = np.flatnonzero(orders.purchase >= 0)
    immediate_orders = valid[pur.immediate[orders.purchase[valid]]]
    signup_order = np.full(customers.n, -1, dtype=np.int64)
    signup_order[orders.cust[immediate_orders]] = immediate_orders
    t2 = columns.gather(orders.ordered_us, signup_order)
    parts.append(Stubs.make(SIGNUP, np.arange(customers.n), primary, customers.signup_us, t2_us=t2,
                            order=signup_order))

    # one purchase session per other order (cancelled extras included)
    rest = np.setdiff1d(np.arange(len(orders)), immediate_orders, assume_unique=True)
    parts.append(Stubs.make(PURCHASE, orders.cust[rest], orders.device[rest], orders.ordered_us[rest], order=rest))

    # browsing while alive: seasonal Poisson sessions from signup to dropout
    rate = np.where(process.is_prospect, params.PROSPECT_BROWSE_RATE,
                    np.minimum(params.BROWSE_RATE_BASE + params.BROWSE_RATE_SLOPE * process.lam,
                               params.BROWSE_RATE_CAP))
    owner, t = warp.poisson(customers.signup, process.alive_until(days), rate, customers.country, rng)
    parts.append(Stubs.make(BROWSE, owner, choose_device(customers, owner, t, rng), period.to_us(t)))

    # research: browsing about the product a customer is about to buy, in the days before the order
    n_research = np.where(pur.immediate, 0, rng.poisson(params.RESEARCH_SESSIONS, len(pur)))
    owner, _ = columns.expand(n_research)
    t = pur.t[owner] - rng.exponential(params.RESEARCH_DAYS, len(owner))
    ok = t > customers.signup[pur.cust[owner]]
    order_of_purchase = np.full(len(pur), -1, dtype=np.int64)
    order_of_purchase[orders.purchase[valid]] = valid
    rc = pur.cust[owner[ok]]
    parts.append(Stubs.make(RESEARCH, rc, choose_device(customers, rc, t[ok], rng), period.to_us(t[ok]),
                            order=order_of_purchase[owner[ok]]))

    # order follow-ups: delivery tracking and reviews (they may come after the customer's dropout)
    vp = orders.purchase[valid]
    tr = valid[pur.track[vp] & (pur.track_us[vp] < end)]
    tr_t = pur.track_us[orders.purchase[tr]]
    parts.append(Stubs.make(TRACK, orders.cust[tr], choose_device(customers, orders.cust[tr],
                            (tr_t - period.start_us) / US_PER_DAY, rng), tr_t, order=tr))
    rv = valid[pur.review[vp] & (pur.review_us[vp] < end)]
    rv_t = pur.review_us[orders.purchase[rv]]
    item = orders.item_start[rv] + (rng.random(len(rv)) * orders.n_items[rv]).astype(np.int64)
    parts.append(Stubs.make(REVIEW, orders.cust[rv], choose_device(customers, orders.cust[rv],
                            (rv_t - period.start_us) / US_PER_DAY, rng), rv_t, order=rv, review_item=item))

    # anonymous visits in the three weeks before signup, on the device used to sign up
    n_pre = np.where(rng.random(customers.n) < params.PRE_SIGNUP_SHARE, 1 + rng.binomial(2, 0.3, customers.n), 0)
    owner, _ = columns.expand(n_pre)
    t_pre = customers.signup[owner] - 0.02 - rng.random(len(owner)) * 21.0
    ok = t_pre >= 0
    parts.append(Stubs.make(PRE_SIGNUP, owner[ok], primary[owner[ok]], period.to_us(t_pre[ok])))

    # the first app session of web-first customers who install the app
    adopt = np.flatnonzero(~customers.primary_app & (customers.secondary_from < process.alive_until(days)))
    parts.append(Stubs.make(ADOPTION, adopt, np.full(len(adopt), APP), period.to_us(customers.secondary_from[adopt])))
    return Stubs.concat(parts)


def visitor_stubs(n_visitors: int, period: Period, rng: np.random.Generator) -> Stubs:
    """Visitors who never sign up: 1+ anonymous sessions within a month of their first visit."""
    country_w = np.array([c.weight for c in params.COUNTRIES])
    country = rng.choice(len(country_w), size=n_visitors, p=country_w / country_w.sum())
    first = signup_times(n_visitors, period, country, rng)
    n = 1 + rng.poisson(0.7, n_visitors)
    owner, rank = columns.expand(n)
    t = first[owner] + np.where(rank == 0, 0.0, rng.random(len(owner)) * 30.0)
    ok = t < period.days
    device = (rng.random(len(owner)) < 0.35).astype(np.int8)
    return Stubs.make(VISITOR, np.full(ok.sum(), -1), device[ok], period.to_us(t[ok]), visitor=owner[ok])


def _modes(stubs: Stubs, rng: np.random.Generator) -> np.ndarray:
    n = len(stubs)
    u = rng.random(n)
    app = stubs.device == APP
    kind = stubs.kind
    mode = np.full(n, LOGIN, dtype=np.int8)
    persisted_share = np.where(app, 0.7, 0.3)
    follow_up = np.isin(kind, [PURCHASE, TRACK, REVIEW])
    mode[follow_up & (u < persisted_share)] = PERSISTED
    browse = np.isin(kind, BROWSING)
    mode[browse] = np.where(u[browse] < np.where(app[browse], 0.6, 0.2), PERSISTED,
                            np.where(u[browse] < np.where(app[browse], 0.8, 0.5), LOGIN, ANONYMOUS))
    mode[np.isin(kind, [PRE_SIGNUP, VISITOR])] = ANONYMOUS
    # the first session of every customer device (after signup) identifies it
    cand = np.flatnonzero((stubs.cust >= 0) & (kind != PRE_SIGNUP))
    order = cand[np.lexsort((stubs.t_us[cand], stubs.device[cand], stubs.cust[cand]))]
    key = stubs.cust[order] * 2 + stubs.device[order]
    first = order[np.r_[True, key[1:] != key[:-1]]] if len(order) else order
    mode[first[mode[first] == ANONYMOUS]] = LOGIN
    return mode


def _counts(stubs: Stubs, mode: np.ndarray, customers: Customers, orders: Orders,
            rng: np.random.Generator) -> np.ndarray:
    n = len(stubs)
    kind = stubs.kind
    k = np.zeros((n, N_SEG), dtype=np.int64)
    k[:, S_APP_OPEN] = stubs.device == APP
    k[:, S_LANDING] = stubs.device == WEB
    cust = np.maximum(stubs.cust, 0)
    search_p = np.where(stubs.cust >= 0, customers.search_prop[cust], 0.3)
    searches = (rng.random(n) < search_p) * (1 + rng.poisson(0.6, n))
    has_order = stubs.order >= 0
    items = columns.gather(orders.n_items, stubs.order, 0)
    coupon = has_order & (columns.gather(orders.coupon, stubs.order) >= 0)

    def put(mask, seg, values):
        k[mask, seg] = values[mask] if isinstance(values, np.ndarray) else values

    login = mode == LOGIN
    is_ = lambda *kinds: np.isin(kind, kinds)  # noqa: E731
    # signup sessions
    m = is_(SIGNUP)
    put(m, S_VIEW_PRE, rng.poisson(1.0, n))
    put(m, S_SIGNUP, 1)
    put(m & ~has_order, S_VIEW, rng.poisson(0.8, n))
    # sessions with an order (signup sessions with the first order, purchase sessions)
    m_order = is_(SIGNUP, PURCHASE) & has_order
    put(m_order, S_VIEW, items)
    put(m_order, S_CART, items)
    put(m_order, S_CHECKOUT, 1)
    put(m_order, S_COUPON, coupon.astype(np.int64))
    put(m_order, S_ORDER, 1)
    m = is_(PURCHASE)
    put(m, S_SEARCH, searches)
    put(m, S_VIEW_PRE, rng.poisson(2.5, n))
    # browsing (and the visits before signup, and visitors)
    m = is_(BROWSE, RESEARCH, PRE_SIGNUP, VISITOR)
    put(m, S_SEARCH, searches)
    put(m, S_VIEW_PRE, 1 + rng.poisson(np.where(kind == VISITOR, 1.5, 3.0), n))
    cart = rng.random(n) < np.select([kind == VISITOR, kind == BROWSE, kind == RESEARCH], [0.06, 0.15, 0.25], 0.05)
    checkout = cart & (rng.random(n) < 0.3) & np.isin(kind, BROWSING)
    m = is_(BROWSE, RESEARCH)
    put(m, S_VIEW, rng.poisson(2.0, n))
    put(is_(BROWSE, RESEARCH, PRE_SIGNUP, VISITOR), S_CART, cart.astype(np.int64))
    put(m, S_CHECKOUT, checkout.astype(np.int64))
    put(m, S_COUPON, (checkout & (rng.random(n) < 0.3)).astype(np.int64))
    # follow-ups and others
    put(is_(TRACK), S_PAGE, 1)
    put(is_(REVIEW), S_REVIEW, 1)
    put(is_(ADOPTION), S_VIEW, rng.poisson(1.5, n))
    put(is_(RETURN), S_VIEW, 1 + rng.poisson(1.0, n))
    put(is_(RETURN), S_CART, (rng.random(n) < 0.25).astype(np.int64))
    k[:, S_LOGIN] = login & (kind != SIGNUP)
    return k


def realize(stubs: Stubs, customers: Customers, orders: Orders, catalog: Catalog, anon_of_customer: np.ndarray,
            anon_of_visitor: np.ndarray, period: Period, rng: np.random.Generator) -> SessionEvents:
    """Expand stubs into events: counts, times, identity, products and details. Events outside the period are
    dropped (a session cut by the end of the extract)."""
    n = len(stubs)
    mode = _modes(stubs, rng)
    k = _counts(stubs, mode, customers, orders, rng)
    n_ev = k.sum(axis=1)
    seg = np.repeat(np.tile(np.arange(N_SEG, dtype=np.int8), n), k.ravel())
    sess, within = columns.expand(n_ev)
    start = np.cumsum(n_ev) - n_ev
    offset = np.cumsum(k, axis=1) - k                      # index of the first event of each segment

    # times: gaps in seconds, laid out around the anchors
    gaps = 3.0 + rng.exponential(35.0, len(seg)) + rng.random(len(seg)) * EXTRA_GAP[seg] * 2
    gaps[within == 0] = 0.0
    cg = np.cumsum(gaps)
    cg -= np.repeat(cg[start], n_ev)
    kind = stubs.kind
    landing = np.where(stubs.device == APP, S_APP_OPEN, S_LANDING)
    anchor = np.select([kind == SIGNUP, kind == PURCHASE, kind == REVIEW], [S_SIGNUP, S_ORDER, S_REVIEW], landing)
    a1 = start + offset[np.arange(n), anchor]
    has2 = stubs.t2_us >= 0
    a2 = np.where(has2, start + offset[np.arange(n), S_ORDER], a1)
    cg1, cg2 = cg[a1], cg[a2]
    e_cg1, e_cg2 = np.repeat(cg1, n_ev), np.repeat(cg2, n_ev)
    T1, T2 = np.repeat(stubs.t_us, n_ev), np.repeat(np.where(has2, stubs.t2_us, stubs.t_us), n_ev)
    e_a1, e_a2 = np.repeat(a1, n_ev), np.repeat(a2, n_ev)
    idx = np.arange(len(seg))
    t = T1 + (cg - e_cg1) * 1e6
    between = (idx > e_a1) & (idx <= e_a2)
    span = np.where(e_cg2 > e_cg1, e_cg2 - e_cg1, 1.0)
    t = np.where(between, T1 + (T2 - T1) * ((cg - e_cg1) / span), t)
    t = np.where(idx > e_a2, T2 + (cg - e_cg2) * 1e6, t)
    t_us = (np.floor(t / 1000.0) * 1000.0).astype(np.int64)
    t_us[idx == e_a1] = T1[idx == e_a1]
    t_us[idx == e_a2] = T2[idx == e_a2]

    # identity
    e_mode = np.repeat(mode, n_ev)
    id_from = np.repeat(offset[:, S_SIGNUP], n_ev)        # = offset of the login segment when there is no signup
    identified = (e_mode == PERSISTED) | ((e_mode == LOGIN) & (within >= id_from))
    cust = np.repeat(stubs.cust, n_ev)
    identified &= cust >= 0
    device = np.repeat(stubs.device, n_ev)
    c0 = np.maximum(cust, 0)
    plat_of_cust = np.where(device == APP, 2 + customers.platform_app[c0], customers.platform_web[c0])
    visitor_plat = np.where(device == APP, 2 + (rng.random(len(seg)) < 0.5), (rng.random(len(seg)) < 0.5))
    platform = np.where(cust >= 0, plat_of_cust, visitor_plat).astype(np.int8)
    visitor = np.repeat(stubs.visitor, n_ev)
    anon = np.where(cust >= 0, anon_of_customer[c0 * 2 + device], columns.gather(anon_of_visitor, visitor))

    # products: the order's items, a session focus product, or a draw from the customer's preferences
    e_kind = np.repeat(kind, n_ev)
    e_order = np.repeat(stubs.order, n_ev)
    has_order = (e_order >= 0) & np.isin(e_kind, [SIGNUP, PURCHASE])
    focus = sample_products(customers, catalog, stubs.cust, rng)
    research = (kind == RESEARCH) & (stubs.order >= 0)
    focus[research] = orders.item_product[orders.item_start[stubs.order[research]]]
    product = np.full(len(seg), -1, dtype=np.int64)
    views = (seg == S_VIEW_PRE) | (seg == S_VIEW) | (seg == S_CART)
    product[views] = sample_products(customers, catalog, cust[views], rng)
    e_focus = np.repeat(focus, n_ev)
    use_focus = (((seg == S_VIEW_PRE) & (rng.random(len(seg)) < 0.5)) | ((seg == S_VIEW) & (rng.random(len(seg)) < 0.3))
                 | (seg == S_CART)) & np.isin(e_kind, [BROWSE, RESEARCH, VISITOR, PRE_SIGNUP, RETURN])
    product[use_focus] = e_focus[use_focus]
    for s in (S_VIEW, S_CART):
        m = has_order & (seg == s)
        item = orders.item_start[e_order[m]] + (within[m] - np.repeat(offset[:, s], n_ev)[m])
        product[m] = orders.item_product[item]
    m = seg == S_REVIEW
    product[m] = orders.item_product[np.repeat(stubs.review_item, n_ev)[m]]

    # details for the properties
    x1 = np.full(len(seg), -1, dtype=np.int64)
    x2 = np.full(len(seg), -1, dtype=np.int64)
    m = seg == S_SEARCH
    qcat = catalog.category[np.where(rng.random(m.sum()) < 0.6, e_focus[m],
                                     sample_products(customers, catalog, cust[m], rng))]
    x1[m] = QUERY_START[qcat] + (rng.random(m.sum()) * QUERY_COUNT[qcat]).astype(np.int64)
    m = seg == S_LANDING
    page = rng.choice(4, size=m.sum(), p=(0.5, 0.25, 0.1, 0.15))
    page = np.where(e_kind[m] == RETURN, P_PROMO, np.where(e_kind[m] == TRACK, P_ORDER_STATUS, page))
    x1[m] = page
    x1[seg == S_PAGE] = P_ORDER_STATUS
    m = seg == S_ORDER
    x1[m] = e_order[m]
    m = seg == S_COUPON
    code = np.where(has_order[m], columns.gather(orders.coupon, e_order[m]), -1)
    x1[m] = np.where(code >= 0, code, COUPON_CODES.index("SAVE15"))         # a coupon tried on an abandoned cart
    m = seg == S_SIGNUP
    x1[m] = customers.signup_method[cust[m]]
    m = seg == S_REVIEW
    x1[m] = orders.rating[e_order[m]]
    x2[m] = e_order[m]

    events = SessionEvents(session=sess, kind=e_kind, seg=seg, t_us=t_us, cust=cust, identified=identified,
                           device=device, platform=platform, anon=anon, product=product, x1=x1, x2=x2)
    keep = (t_us >= period.start_us) & (t_us < period.end_us)
    return events if keep.all() else events.select(keep)
