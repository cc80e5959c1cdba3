"""Daily FX rates: USD per unit of each currency, a mean-reverting random walk around a realistic level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns, params
from .calendar import Period

CURRENCY_CODES = tuple(params.CURRENCIES)


@dataclass
class FxRates:
    rates: np.ndarray          # (currency, day) USD per unit

    def rate(self, currency: np.ndarray, day: np.ndarray) -> np.ndarray:
        return self.rates[currency, np.clip(day, 0, self.rates.shape[1] - 1)]

    def to_table(self, period: Period) -> pa.Table:
        n_cur, n_days = self.rates.shape
        start = (np.datetime64(period.start.isoformat(), "D") - np.datetime64("1970-01-01", "D")).astype(np.int32)
        day = np.tile(np.arange(n_days, dtype=np.int32), n_cur)
        cur = np.repeat(np.arange(n_cur), n_days)
        order = np.lexsort((cur, day))                      # by date, then currency
        return columns.table("fx_rates", {
            "rate_date": pa.array((start + day[order]).astype(np.int32), type=pa.int32()).cast(pa.date32()),
            "currency": columns.pick(CURRENCY_CODES, cur[order]),
            "rate_to_reporting": columns.floats(self.rates.ravel()[cur[order] * n_days + day[order]]),
        })


def build_fx(period: Period, rng: np.random.Generator) -> FxRates:
    n_days = period.days
    rates = np.empty((len(CURRENCY_CODES), n_days))
    for k, (code, level) in enumerate(params.CURRENCIES.items()):
        shocks = rng.standard_normal(n_days) * params.FX_DAILY_VOL
        if code == params.REPORTING_CURRENCY:
            rates[k] = 1.0
            continue
        x = np.empty(n_days)
        x[0] = shocks[0]
        for d in range(1, n_days):                             # a few hundred steps per currency
            x[d] = (1.0 - params.FX_MEAN_REVERSION) * x[d - 1] + shocks[d]
        digits = 8 - int(np.floor(np.log10(level)))             # eight significant digits
        rates[k] = np.round(level * np.exp(x), digits)
    return FxRates(rates=rates)


def currency_index(code: str) -> int:
    return CURRENCY_CODES.index(code)
