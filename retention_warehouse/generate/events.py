"""The events table: session events and system events merged, numbered in time order, with JSON properties."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns, params
from .calendar import Period
from .customers import SIGNUP_METHODS
from .orders import COUPON_CODES
from .sessions import (LANDING_PAGES, PLATFORMS, QUERIES, S_COUPON, S_LANDING, S_ORDER, S_PAGE, S_REVIEW, S_SEARCH,
                       S_SIGNUP, SEGMENTS, SessionEvents)
from .system import CAMPAIGNS, SystemEvents

SEGMENT_TYPE = np.array([params.EVENT_TYPES.index(s) for s in SEGMENTS], dtype=np.int8)


@dataclass
class EventTable:
    table: pa.Table
    occurred_us: np.ndarray     # in table order
    received_us: np.ndarray
    event_type: np.ndarray
    cust: np.ndarray            # customer of the event when identified, else -1
    n_sessions: int


def _properties(prefix: np.ndarray, detail: np.ndarray, rating: np.ndarray, order_ref: np.ndarray,
                order_base: int) -> pa.Array:
    """JSON text per event. Everything but the order id has few values, so every (prefix, detail, rating)
    combination is written once and taken per event; events with an order get their own strings."""
    prefixes = [f'{{"device": "{"app" if p in ("ios", "android") else "web"}", "platform": "{p}"' for p in PLATFORMS]
    prefixes += [f'{{"campaign": "{c}"' for c in CAMPAIGNS]
    details = [""] + ([f', "query": "{q}"' for q in QUERIES] + [f', "page": "{p}"' for p in LANDING_PAGES]
                      + [f', "coupon_code": "{c}"' for c in COUPON_CODES] + [f', "method": "{m}"' for m in SIGNUP_METHODS])
    ratings = [""] + [f', "rating": {r}' for r in range(6)]
    n_d, n_r = len(details), len(ratings)
    combos = [(p, d, r) for p in prefixes for d in details for r in ratings]
    code = (prefix * n_d + detail + 1) * n_r + rating + 1
    has_order = order_ref >= 0
    # strings of the events with an order: prefix + detail + order id + rating + "}"
    o_code = code[has_order]
    o_ids = columns.ids("o", order_base + order_ref[has_order] + 1)
    heads = pa.array([p + d for p, d, _ in combos], type=pa.string())
    tails = pa.array([r + "}" for _, _, r in combos], type=pa.string())
    with_order = columns.concat_strings(heads.take(pa.array(o_code)), ', "order_id": "', o_ids, '"',
                                        tails.take(pa.array(o_code)))
    closed = pa.array([p + d + r + "}" for p, d, r in combos], type=pa.string())
    index = np.where(has_order, len(combos) + np.cumsum(has_order) - 1, code)
    return pa.concat_arrays([closed, with_order]).take(pa.array(index))


def build_events(session_events: SessionEvents, system: SystemEvents, period: Period, rng: np.random.Generator,
                 base: columns.IdBase = columns.IdBase()) -> EventTable:
    """The events table, its ids numbered on from ``base``."""
    se, sy = session_events, system
    n_se, n_sy = len(se), len(sy)
    occurred = np.concatenate([se.t_us, sy.t_us])
    order = np.argsort(occurred, kind="stable")
    occurred = occurred[order]
    n = len(order)
    is_sys = order >= n_se

    def merged(session_values, system_values=None, fill=-1):
        """One column over both kinds of events, in time order."""
        other = np.full(n_sy, fill, dtype=session_values.dtype) if system_values is None else system_values
        return np.concatenate([session_values, other.astype(session_values.dtype, copy=False)])[order]

    # session ids by the time of each session's first event
    first_idx = np.unique(se.session, return_index=True)[1]       # events of a session are contiguous, in time order
    sess_ids = se.session[first_idx]
    sess_order = np.lexsort((sess_ids, se.t_us[first_idx]))
    sess_number = np.zeros(se.session.max() + 1 if n_se else 1, dtype=np.int64)
    sess_number[sess_ids[sess_order]] = np.arange(1, len(sess_ids) + 1)

    event_type = merged(SEGMENT_TYPE[se.seg], sy.event_type)
    cust = merged(np.where(se.identified, se.cust, -1), sy.cust)
    anon = merged(se.anon)
    session = merged(sess_number[se.session])
    product = merged(se.product)

    # received_at: a second or so later; some app events arrive in offline batches up to an hour later
    delay_ms = np.where(is_sys, 100 + rng.integers(0, 800, n),
                        200 + np.exp(np.log(1200.0) + 0.8 * rng.standard_normal(n)).astype(np.int64))
    batch = merged(se.device == 1, fill=False) & (rng.random(n) < 0.03)
    delay_ms = np.where(batch, delay_ms + rng.integers(60, 3600, n) * 1000, delay_ms)
    received = np.minimum(occurred + delay_ms * 1000, period.end_us - 1000)
    received = np.maximum(received, occurred)
    del delay_ms, batch

    # properties (JSON text): a prefix by device/platform or campaign, a detail, the order, the rating
    prefix = merged(se.platform.astype(np.int64), len(PLATFORMS) + sy.campaign.astype(np.int64))
    base_page, base_coupon = len(QUERIES), len(QUERIES) + len(LANDING_PAGES)
    base_method = base_coupon + len(COUPON_CODES)
    x1, x2 = se.x1, se.x2
    d = np.select([se.seg == S_SEARCH, (se.seg == S_LANDING) | (se.seg == S_PAGE), se.seg == S_COUPON,
                   se.seg == S_SIGNUP], [x1, base_page + x1, base_coupon + x1, base_method + x1], -1)
    detail = merged(d)
    order_ref = merged(np.select([se.seg == S_ORDER, se.seg == S_REVIEW], [x1, x2], -1), sy.order)
    rating = merged(np.where(se.seg == S_REVIEW, x1, -1))
    properties = _properties(prefix, detail, rating, order_ref, base.orders)
    del prefix, detail, order_ref, rating, d

    table = columns.table("events", {
        "event_id": columns.ids("e", base.events + np.arange(1, n + 1)),
        "occurred_at": columns.timestamps(occurred),
        "event_type": columns.pick(params.EVENT_TYPES, event_type),
        "customer_id": columns.ids_via_dictionary("c", base.customers + cust + 1, cust < 0),
        "anonymous_id": columns.ids_via_dictionary("a", base.anonymous + anon, anon < 0),
        "session_id": columns.ids_via_dictionary("s", base.sessions + session, session < 0),
        "product_id": columns.ids_via_dictionary("p", product + 1, product < 0),
        "received_at": columns.timestamps(received),
        "properties": properties,
    })
    return EventTable(table=table, occurred_us=occurred, received_us=received, event_type=event_type, cust=cust,
                      n_sessions=len(sess_ids))
