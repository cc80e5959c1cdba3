"""Orders and order items: the purchases of the latent process plus cancelled orders, priced in local currency.

Every purchase of the process becomes a valid order; a share of purchases is preceded by an extra order that the
customer cancels ("ordered, cancelled, re-ordered"), so cancellations never remove a purchase from the process.
Status and timestamps describe the order as seen at the end of the period: later steps are not there yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns, params
from .calendar import Period, US_PER_SECOND
from .catalog import Catalog
from .customers import Customers
from .fx import CURRENCY_CODES, FxRates, currency_index
from .process import Process, choose_device

STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "refunded", "partially_refunded")
CHANNELS = ("web", "app")
COUPON_CODES = tuple(code for code, _ in params.COUPONS)
COUPON_PCT = np.array([pct for _, pct in params.COUPONS])
NONE = -1


@dataclass
class Orders:
    cust: np.ndarray
    ordered_us: np.ndarray
    cancelled_extra: np.ndarray     # bool: an extra order that was cancelled (not a process purchase)
    purchase: np.ndarray            # index into process.purchases (-1 for cancelled extras)
    device: np.ndarray
    currency: np.ndarray
    subtotal: np.ndarray
    discount: np.ndarray
    shipping: np.ndarray
    tax: np.ndarray
    coupon: np.ndarray              # index into COUPON_CODES or -1
    status: np.ndarray
    refunded_amount: np.ndarray     # nan when no refund
    refunded_us: np.ndarray         # -1 = NULL
    cancelled_us: np.ndarray
    shipped_us: np.ndarray
    delivered_us: np.ndarray
    updated_us: np.ndarray
    n_items: np.ndarray
    item_start: np.ndarray
    item_product: np.ndarray        # per item
    item_quantity: np.ndarray
    item_price: np.ndarray
    rating: np.ndarray              # review rating of the order's purchase (-1: none)

    def __len__(self) -> int:
        return len(self.cust)

    @property
    def item_order(self) -> np.ndarray:
        return np.repeat(np.arange(len(self)), self.n_items)

    def to_tables(self, base: columns.IdBase = columns.IdBase()) -> tuple[pa.Table, pa.Table]:
        null = lambda a: a < 0  # noqa: E731
        n = len(self)
        orders = columns.table("orders", {
            "order_id": columns.ids("o", base.orders + np.arange(1, n + 1)),
            "customer_id": columns.ids("c", base.customers + self.cust + 1),
            "ordered_at": columns.timestamps(self.ordered_us),
            "subtotal": columns.floats(self.subtotal),
            "currency": columns.pick(CURRENCY_CODES, self.currency),
            "status": columns.pick(STATUSES, self.status),
            "discount": columns.floats(self.discount),
            "shipping": columns.floats(self.shipping),
            "tax": columns.floats(self.tax),
            "refunded_amount": columns.floats(self.refunded_amount, np.isnan(self.refunded_amount)),
            "refunded_at": columns.timestamps(self.refunded_us, null(self.refunded_us)),
            "cancelled_at": columns.timestamps(self.cancelled_us, null(self.cancelled_us)),
            "channel": columns.pick(CHANNELS, self.device),
            "coupon_code": columns.pick(COUPON_CODES, self.coupon),
            "shipped_at": columns.timestamps(self.shipped_us, null(self.shipped_us)),
            "delivered_at": columns.timestamps(self.delivered_us, null(self.delivered_us)),
            "is_test": pa.array(np.zeros(n, dtype=bool)),
            "updated_at": columns.timestamps(self.updated_us),
        })
        m = len(self.item_product)
        items = columns.table("order_items", {
            "order_item_id": columns.ids("oi", base.order_items + np.arange(1, m + 1)),
            "order_id": columns.ids("o", base.orders + self.item_order + 1),
            "product_id": columns.ids("p", self.item_product + 1),
            "quantity": pa.array(self.item_quantity.astype(np.int64)),
            "unit_price": columns.floats(self.item_price),
        })
        return orders, items


def money_round(values: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """Round to cents, or to whole units for zero-decimal currencies (JPY)."""
    zero = np.isin(currency, [currency_index(c) for c in params.ZERO_DECIMAL_CURRENCIES])
    return np.where(zero, np.round(values, 0), np.round(values, 2))


def sample_products(customers: Customers, catalog: Catalog, cust: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Products by the customer's category preferences and price band (anonymous visitors: cust = -1)."""
    n = len(cust)
    anon = cust < 0
    c = np.where(anon, 0, cust)
    u = rng.random(n)
    category = columns.cumulative_pick(customers.cat_cum, c, u)
    if anon.any():
        pop = np.array([k.popularity for k in params.CATEGORIES])
        category[anon] = np.minimum(np.searchsorted(np.cumsum(pop) / pop.sum(), u[anon], side="right"),
                                    len(pop) - 1)
    loyal = rng.random(n) < params.PRICE_BAND_LOYALTY
    any_band = rng.choice(len(params.PRICE_BANDS), size=n, p=params.PRICE_BAND_SHARES)
    band = np.where(loyal & ~anon, customers.band[c], any_band)
    return catalog.pick(category, band, rng)


def _coupon_codes(ordered_us: np.ndarray, first_order: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    dates = ordered_us.astype("datetime64[us]").astype("datetime64[D]")
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    code = np.where(rng.random(len(dates)) < 0.7, COUPON_CODES.index("SAVE15"), COUPON_CODES.index("VIP20"))
    spring = (month >= 3) & (month <= 5) & (rng.random(len(dates)) < 0.5)
    code = np.where(spring, COUPON_CODES.index("SPRING10"), code)
    code = np.where(((month == 11) & (day >= 20)) | ((month == 12) & (day <= 2)), COUPON_CODES.index("BLACKFRIDAY25"), code)
    code = np.where((month == 12) & (day > 2) & (day <= 24), COUPON_CODES.index("XMAS20"), code)
    return np.where(first_order, COUPON_CODES.index("WELCOME10"), code)


def build_orders(customers: Customers, process: Process, catalog: Catalog, fx: FxRates, period: Period,
                 rng: np.random.Generator) -> Orders:
    pur = process.purchases
    end = period.end_us
    # --- extra cancelled orders, placed 1..36 hours before a (non signup-session) purchase ------------------------
    prev_t = np.where(pur.seq > 0, np.concatenate([[0.0], pur.t[:-1]]), customers.signup[pur.cust])
    lead = (1.0 + 35.0 * rng.random(len(pur))) / 24.0
    t_c = pur.t - lead
    extra = (~pur.immediate) & (rng.random(len(pur)) < params.CANCELLED_EXTRA_SHARE) & (t_c > prev_t + 1.0 / 24.0)
    x_cust, x_t = pur.cust[extra], t_c[extra]
    nx = len(x_cust)
    x_ordered = period.to_us(x_t)
    x_pay = x_ordered + np.floor((0.5 + 9.5 * rng.random(nx)) * 60).astype(np.int64) * US_PER_SECOND
    x_cancel = x_ordered + np.floor((5.0 + 715.0 * rng.random(nx)) * 60).astype(np.int64) * US_PER_SECOND
    x_no_ts = rng.random(nx) < params.CANCELLED_WITHOUT_TIMESTAMP
    x_device = choose_device(customers, x_cust, x_t, rng)
    x_items = rng.choice(len(params.ITEMS_PER_ORDER), size=nx, p=params.ITEMS_PER_ORDER) + 1
    x_coupon = rng.random(nx) < customers.coupon_prop[x_cust]

    # --- all orders, numbered by time ----------------------------------------------------------------------------
    n_valid = len(pur)
    cust = np.concatenate([pur.cust, x_cust])
    ordered_us = np.concatenate([pur.ordered_us, x_ordered])
    is_extra = np.concatenate([np.zeros(n_valid, bool), np.ones(nx, bool)])
    order = np.lexsort((is_extra, cust, ordered_us))
    cust, ordered_us, is_extra = cust[order], ordered_us[order], is_extra[order]
    purchase = np.where(is_extra, NONE, order)
    xi = np.where(is_extra, order - n_valid, 0)
    pick_ = lambda valid_values, extra_values: np.where(is_extra, extra_values[xi] if nx else 0,  # noqa: E731
                                                       valid_values[np.where(is_extra, 0, order)])
    device = pick_(pur.device, x_device).astype(np.int8)
    n_items = pick_(pur.n_items, x_items).astype(np.int64)
    uses_coupon = pick_(pur.coupon, x_coupon).astype(bool)
    first_order = np.where(is_extra, False, pur.seq[np.where(is_extra, 0, order)] == 0)
    n = len(cust)

    # --- items and money -----------------------------------------------------------------------------------------
    currency_of_country = np.array([currency_index(c.currency) for c in params.COUNTRIES])
    currency = currency_of_country[customers.country[cust]]
    day = period.day_of(ordered_us)
    rate = fx.rate(currency, day)
    item_order = np.repeat(np.arange(n), n_items)
    item_start = np.cumsum(n_items) - n_items
    product = sample_products(customers, catalog, cust[item_order], rng)
    quantity = rng.choice(len(params.QUANTITY), size=len(product), p=params.QUANTITY) + 1
    noise = 1.0 + params.UNIT_PRICE_NOISE * rng.standard_normal(len(product))
    unit = money_round(catalog.list_price[product] / rate[item_order] * noise, currency[item_order])
    minimum = np.where(np.isin(currency[item_order], [currency_index(c) for c in params.ZERO_DECIMAL_CURRENCIES]), 1.0, 0.01)
    unit = np.maximum(unit, minimum)
    subtotal = np.round(np.bincount(item_order, weights=quantity * unit, minlength=n), 2)
    coupon = np.where(uses_coupon, _coupon_codes(ordered_us, first_order, rng), NONE)
    discount = np.where(coupon >= 0, money_round(COUPON_PCT[np.maximum(coupon, 0)] * subtotal, currency), 0.0)
    shipping = np.where(subtotal * rate < params.FREE_SHIPPING_OVER_USD,
                        money_round(params.SHIPPING_FEE_USD / rate, currency), 0.0)
    tax_rate = np.array([c.tax_rate for c in params.COUNTRIES])[customers.country[cust]]
    net = np.round(subtotal - discount, 2)
    tax = money_round(tax_rate * net, currency)

    # --- timeline and status at the end of the period ---------------------------------------------------------------
    vi = np.where(is_extra, 0, order)
    never = np.full(n, NONE, dtype=np.int64)
    paid = np.where(is_extra, x_pay[xi] if nx else 0, pur.paid_us[vi])
    shipped = np.where(is_extra, never, pur.shipped_us[vi])
    delivered = np.where(is_extra, never, pur.delivered_us[vi])
    refund_kind = np.where(is_extra, 0, pur.refund_kind[vi])
    refunded = np.where(refund_kind > 0, pur.refunded_us[vi], NONE)
    cancel = np.where(is_extra, x_cancel[xi] if nx else 0, NONE)
    no_ts = np.where(is_extra, x_no_ts[xi] if nx else False, False)

    status = np.where(paid < end, STATUSES.index("paid"), STATUSES.index("placed"))
    status = np.where((shipped >= 0) & (shipped < end), STATUSES.index("shipped"), status)
    status = np.where((delivered >= 0) & (delivered < end), STATUSES.index("delivered"), status)
    is_refunded = (refunded >= 0) & (refunded < end)
    status = np.where(is_refunded & (refund_kind == 1), STATUSES.index("refunded"), status)
    status = np.where(is_refunded & (refund_kind == 2), STATUSES.index("partially_refunded"), status)
    is_cancelled = is_extra & ((cancel < end) | no_ts)
    status = np.where(is_cancelled, STATUSES.index("cancelled"), status)

    unit_min = np.where(np.isin(currency, [currency_index(c) for c in params.ZERO_DECIMAL_CURRENCIES]), 1.0, 0.01)
    frac = np.where(is_extra, 0.5, pur.refund_frac[vi])
    partial = np.clip(money_round(frac * net, currency), unit_min, net - unit_min)
    full_instead = is_refunded & (refund_kind == 2) & (net < 2 * unit_min)
    status = np.where(full_instead, STATUSES.index("refunded"), status)
    refunded_amount = np.where(status == STATUSES.index("refunded"), net,
                               np.where(status == STATUSES.index("partially_refunded"), partial, np.nan))
    refunded_us = np.where(is_refunded, refunded, NONE)
    cancelled_us = np.where(is_cancelled & ~no_ts, cancel, NONE)
    shipped_us = np.where((shipped >= 0) & (shipped < end), shipped, NONE)
    delivered_us = np.where((delivered >= 0) & (delivered < end), delivered, NONE)
    updated_us = np.max(np.stack([ordered_us, refunded_us, cancelled_us, shipped_us, delivered_us]), axis=0)

    return Orders(cust=cust, ordered_us=ordered_us, cancelled_extra=is_extra, purchase=purchase, device=device,
                  currency=currency, subtotal=subtotal, discount=discount, shipping=shipping, tax=tax, coupon=coupon,
                  status=status, refunded_amount=refunded_amount, refunded_us=refunded_us, cancelled_us=cancelled_us,
                  shipped_us=shipped_us, delivered_us=delivered_us, updated_us=updated_us, n_items=n_items,
                  item_start=item_start, item_product=product, item_quantity=quantity, item_price=unit,
                  rating=np.where(is_extra, -1, pur.rating[vi]).astype(np.int64))
