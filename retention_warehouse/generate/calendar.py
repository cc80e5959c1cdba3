"""The generated period and its seasonality.

Times inside the generator are float days since the period start; they become int64 microseconds only when
tables are written. Seasonal activity is a non-homogeneous Poisson process, simulated as a homogeneous one in
"warped" time: ``W_c(t)`` is the cumulative intensity of country ``c`` (local hour of day x weekday x yearly
season, normalised to mean 1 per day), so uniform draws in W map back to seasonal times through ``W_c^-1``.
With ``single_population`` only the hour of day is kept, so every day has the same intensity (a BG/NBD
process in calendar days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import params

US_PER_DAY = 86_400_000_000
US_PER_SECOND = 1_000_000


@dataclass(frozen=True)
class Period:
    start: dt.date
    days: int

    @property
    def start_us(self) -> int:
        return int((dt.datetime(self.start.year, self.start.month, self.start.day) - dt.datetime(1970, 1, 1))
                   // dt.timedelta(microseconds=1))

    @property
    def end_us(self) -> int:
        return self.start_us + self.days * US_PER_DAY

    def to_us(self, t_days: np.ndarray, resolution_us: int = US_PER_SECOND) -> np.ndarray:
        """Float days since start -> int64 microseconds since the epoch, floored to ``resolution_us``."""
        ticks = np.floor(np.asarray(t_days, dtype=np.float64) * (US_PER_DAY / resolution_us)).astype(np.int64)
        return self.start_us + ticks * resolution_us

    def day_of(self, us: np.ndarray) -> np.ndarray:
        """Day index (0 = first day of the period) of microsecond timestamps."""
        return np.floor_divide(np.asarray(us, dtype=np.int64) - self.start_us, US_PER_DAY)

    def calendar(self) -> tuple[np.ndarray, np.ndarray]:
        """(weekday 0=Monday, day of year 1..366) of every day of the period."""
        dates = np.datetime64(self.start.isoformat(), "D") + np.arange(self.days)
        weekday = (dates.astype(np.int64) - 4) % 7          # 1970-01-01 was a Thursday
        years = dates.astype("datetime64[Y]")
        doy = (dates - years.astype("datetime64[D]")).astype(np.int64) + 1
        return weekday, doy


def yearly_profile(doy: np.ndarray) -> np.ndarray:
    """Retail season: a January lull, a mid-July sale, Singles' Day, Black Friday and the Christmas peak."""
    d = np.asarray(doy, dtype=np.float64)
    return (1.0
            - 0.12 * np.exp(-(((d - 35) / 25) ** 2))
            + 0.15 * np.exp(-(((d - 196) / 2.5) ** 2))
            + 0.30 * np.exp(-(((d - 315) / 1.2) ** 2))
            + 0.55 * np.exp(-(((d - 331) / 4.0) ** 2))
            + 0.40 * np.exp(-(((d - 348) / 9.0) ** 2)))


class Warp:
    """Cumulative seasonal intensity per country on an hourly grid, with its inverse."""

    def __init__(self, period: Period, hour_only: bool):
        self.period = period
        days = period.days
        hours = np.arange(days * 24 + 24)                 # one extra day so local times wrap cleanly
        n_countries = len(params.COUNTRIES)
        self.x_offset = float(days + 10)
        self.y_offset = float(days + 10)
        hour_profile = np.asarray(params.HOUR_PROFILE)
        weekday_profile = np.asarray(params.WEEKDAY_PROFILE)
        weekday, doy = period.calendar()
        weekday = np.append(weekday, (weekday[-1] + 1) % 7)
        doy = np.append(doy, doy[-1] % 365 + 1)
        xs, ys = [], []
        grid = np.arange(days * 24 + 1, dtype=np.float64) / 24.0
        for c, country in enumerate(params.COUNTRIES):
            local = hours + int(round(country.utc_offset))
            local_day = np.clip(np.floor_divide(local, 24), 0, days)
            intensity = hour_profile[local % 24]
            if not hour_only:
                intensity = intensity * weekday_profile[weekday[local_day]] * yearly_profile(doy[local_day])
            intensity = intensity[: days * 24]
            cum = np.concatenate([[0.0], np.cumsum(intensity)])
            cum = cum / cum[-1] * days                        # mean intensity 1 per day
            xs.append(c * self.x_offset + grid)
            ys.append(c * self.y_offset + cum)
        self.x = np.concatenate(xs)
        self.y = np.concatenate(ys)
        assert n_countries * self.x_offset > 0

    def forward(self, t_days: np.ndarray, country: np.ndarray) -> np.ndarray:
        t = np.clip(np.asarray(t_days, dtype=np.float64), 0.0, self.period.days)
        c = np.asarray(country, dtype=np.float64)
        return np.interp(c * self.x_offset + t, self.x, self.y) - c * self.y_offset

    def inverse(self, u: np.ndarray, country: np.ndarray) -> np.ndarray:
        w = np.clip(np.asarray(u, dtype=np.float64), 0.0, self.period.days)
        c = np.asarray(country, dtype=np.float64)
        return np.interp(c * self.y_offset + w, self.y, self.x) - c * self.x_offset

    def poisson(self, start: np.ndarray, stop: np.ndarray, rate: np.ndarray, country: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Seasonal Poisson arrivals with ``rate`` per (warped) day in [start, stop) per owner.

        Returns (owner index, time in days), ordered by owner (times unsorted within an owner)."""
        w0 = self.forward(start, country)
        w1 = self.forward(np.maximum(stop, start), country)
        span = np.maximum(w1 - w0, 0.0)
        n = rng.poisson(np.asarray(rate, dtype=np.float64) * span)
        owner = np.repeat(np.arange(len(n)), n)
        u = w0[owner] + rng.random(len(owner)) * span[owner]
        t = self.inverse(u, country[owner])
        # interpolation may round to the interval edges; keep every arrival inside [start, stop)
        t = np.clip(t, start[owner], np.nextafter(np.maximum(stop, start)[owner], -np.inf))
        return owner, t
