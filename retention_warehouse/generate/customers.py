"""Customer acquisition (when, where, through which channel) and each customer's habits and preferences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns, params
from .calendar import Period, US_PER_SECOND, yearly_profile

FIRST_NAMES = ("anna", "ben", "chloe", "daniel", "emma", "felix", "grace", "hugo", "isla", "jack", "kai", "lena",
               "mia", "noah", "olivia", "paul", "quinn", "rosa", "sam", "tara", "umar", "vera", "wei", "xin", "yuki",
               "zoe", "lucas", "maria", "jose", "li", "haruto", "sofia", "liam", "ava", "mateo", "aiko", "chen",
               "priya", "arjun", "camille")
LAST_NAMES = ("smith", "jones", "mueller", "martin", "garcia", "rossi", "wang", "li", "zhang", "tanaka", "sato",
              "silva", "santos", "brown", "wilson", "taylor", "dubois", "schmidt", "lopez", "kim", "park", "singh",
              "patel", "nguyen", "fischer", "moreau", "costa", "ito", "chen", "walker")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
SIGNUP_METHODS = ("email", "google", "apple")
WEB_PLATFORMS = ("desktop", "mobile_web")
APP_PLATFORMS = ("ios", "android")


@dataclass
class Customers:
    n: int
    signup: np.ndarray          # days since period start
    signup_us: np.ndarray
    updated_us: np.ndarray
    country: np.ndarray         # index into params.COUNTRIES
    channel: np.ndarray         # index into params.CHANNELS
    primary_app: np.ndarray     # bool: primary device is the app
    secondary_from: np.ndarray  # days: when the second device comes into use (inf: never)
    early_app_adopter: np.ndarray
    platform_app: np.ndarray    # 0 ios, 1 android
    platform_web: np.ndarray    # 0 desktop, 1 mobile_web
    coupon_prop: np.ndarray
    review_prop: np.ndarray
    search_prop: np.ndarray
    band: np.ndarray            # price band index
    cat_weights: np.ndarray     # (n, categories) Dirichlet preferences
    cat_cum: np.ndarray
    newsletter: np.ndarray
    unsubscribe: np.ndarray     # days (inf: never)
    sms: np.ndarray
    signup_method: np.ndarray
    email_parts: tuple          # (first, last, number, domain, style, capitalised)

    @property
    def favourite(self) -> np.ndarray:
        return np.argmax(self.cat_weights, axis=1)

    @property
    def early_app(self) -> np.ndarray:
        """Used the app within 7 days of signup (app first, or installed it within the week)."""
        return self.primary_app | self.early_app_adopter

    def emails(self, number_base: int = 0) -> pa.Array:
        """E-mail addresses; their numbers are unique within the run and start after ``number_base``."""
        first, last, number, domain, style, capital = self.email_parts
        firsts = list(FIRST_NAMES) + [f.capitalize() for f in FIRST_NAMES]
        lasts = list(LAST_NAMES) + [s.capitalize() for s in LAST_NAMES]
        domains = list(EMAIL_DOMAINS) + [d.capitalize() for d in EMAIL_DOMAINS]
        cap = capital.astype(np.int64)
        f = columns.pick(firsts, first + cap * len(FIRST_NAMES))
        s = columns.pick(lasts, last + cap * len(LAST_NAMES))
        d = columns.pick(domains, domain + cap * len(EMAIL_DOMAINS))
        sep = columns.pick((".", "_", ""), style)
        num = pa.array(number.astype(np.int64) + number_base).cast(pa.string())
        return columns.concat_strings(f, sep, s, num, "@", d)

    def to_table(self, base: columns.IdBase = columns.IdBase()) -> pa.Table:
        countries = [c.code for c in params.COUNTRIES]
        return columns.table("customers", {
            "customer_id": columns.ids("c", base.customers + np.arange(1, self.n + 1)),
            "signup_at": columns.timestamps(self.signup_us),
            "email": self.emails(base.customers),
            "country": columns.pick(countries, self.country),
            "acquisition_channel": columns.pick(params.CHANNEL_NAMES, self.channel),
            "is_test": pa.array(np.zeros(self.n, dtype=bool)),
            "updated_at": columns.timestamps(self.updated_us),
        })


def signup_times(n: int, period: Period, country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Signup times (days): growth, weekday and yearly seasonality, daily noise, local hour of day."""
    weekday, doy = period.calendar()
    day = np.arange(period.days)
    weight = (np.exp(params.SIGNUP_GROWTH_PER_YEAR * day / 365.0)
              * np.asarray(params.SIGNUP_WEEKDAY_PROFILE)[weekday]
              * yearly_profile(doy) ** 0.8
              * np.exp(params.SIGNUP_DAILY_NOISE * rng.standard_normal(period.days)))
    cdf = np.cumsum(weight)
    cdf /= cdf[-1]
    signup_day = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), period.days - 1)
    hour_cdf = np.cumsum(params.HOUR_PROFILE) / np.sum(params.HOUR_PROFILE)
    local_hour = np.searchsorted(hour_cdf, rng.random(n), side="right") + rng.random(n)
    offset = np.array([c.utc_offset for c in params.COUNTRIES])[country]
    utc_hour = np.mod(local_hour - offset, 24.0)
    return signup_day + utc_hour / 24.0


def build_customers(n: int, period: Period, rng: np.random.Generator) -> Customers:
    country_w = np.array([c.weight for c in params.COUNTRIES])
    country = rng.choice(len(country_w), size=n, p=country_w / country_w.sum())
    t = signup_times(n, period, country, rng)
    order = np.argsort(t, kind="stable")
    t, country = t[order], country[order]
    signup_us = period.to_us(t)
    t = (signup_us - period.start_us) / 86_400_000_000          # exactly the written timestamp

    # acquisition channel: shares drift over the period, paid channels peak in the holiday season
    _, doy_all = period.calendar()
    season = yearly_profile(doy_all[np.minimum(t.astype(np.int64), period.days - 1)]) - 1.0
    share = np.log(np.array([c.signup_share for c in params.CHANNELS]))
    trend = np.array([c.trend for c in params.CHANNELS])
    holiday = np.array([0.0, 0.5, 0.4, 0.0, 0.2, 0.3])
    logits = share[None, :] + trend[None, :] * (t / period.days)[:, None] + holiday[None, :] * season[:, None]
    prob = np.exp(logits)
    cum = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    channel = columns.cumulative_pick(cum, np.arange(n), rng.random(n))

    app_share = np.array([c.app_share for c in params.COUNTRIES])[country]
    primary_app = rng.random(n) < app_share
    u = rng.random(n)
    secondary_from = np.full(n, np.inf)
    web_second = primary_app & (u < params.SECOND_DEVICE_SHARE)
    secondary_from[web_second] = t[web_second]
    early = ~primary_app & (u < params.APP_EARLY_ADOPTION)
    late = ~primary_app & (u >= params.APP_EARLY_ADOPTION) & (u < params.APP_EARLY_ADOPTION + params.APP_LATE_ADOPTION)
    secondary_from[early] = t[early] + 0.02 + rng.random(n)[early] * 6.9
    secondary_from[late] = t[late] + 7.0 + rng.exponential(60.0, n)[late]
    early_adopter = early & (secondary_from < period.days)

    ios_share = np.array([c.ios_share for c in params.COUNTRIES])[country]
    platform_app = (rng.random(n) >= ios_share).astype(np.int8)
    platform_web = (rng.random(n) < 0.45).astype(np.int8)

    coupon_prop = rng.beta(*params.COUPON_PROPENSITY, n)
    review_prop = rng.beta(*params.REVIEW_PROPENSITY, n)
    search_prop = rng.beta(*params.SEARCH_PROPENSITY, n)
    band = rng.choice(len(params.PRICE_BANDS), size=n, p=params.PRICE_BAND_SHARES)
    popularity = np.array([c.popularity for c in params.CATEGORIES])
    cat_weights = rng.dirichlet(params.CATEGORY_CONCENTRATION * popularity / popularity.sum(), n)
    cat_cum = np.cumsum(cat_weights, axis=1)
    cat_cum[:, -1] = 1.0

    newsletter = rng.random(n) < params.NEWSLETTER_OPT_IN
    unsubscribe = np.where(newsletter, t + rng.exponential(params.NEWSLETTER_UNSUBSCRIBE_MEAN_DAYS, n), np.inf)
    sms = rng.random(n) < params.SMS_OPT_IN
    signup_method = rng.choice(len(SIGNUP_METHODS), size=n, p=(0.6, 0.25, 0.15))

    # updated_at: e-mail verification seconds after signup, or a later profile edit; always after signup_at
    edit = rng.random(n) < 0.25
    delta_days = np.where(edit, rng.exponential(60.0, n), (1.0 + rng.random(n) * 119.0) / 86_400)
    updated_us = np.minimum(period.to_us(t + delta_days), period.end_us - US_PER_SECOND)
    updated_us = np.maximum(updated_us, signup_us + US_PER_SECOND)

    email_parts = (rng.integers(0, len(FIRST_NAMES), n), rng.integers(0, len(LAST_NAMES), n),
                   rng.permutation(n) + 1,
                   rng.choice(len(EMAIL_DOMAINS), size=n, p=(0.55, 0.2, 0.15, 0.1)),
                   rng.choice(3, size=n, p=(0.6, 0.2, 0.2)), rng.random(n) < 0.03)
    return Customers(n=n, signup=t, signup_us=signup_us, updated_us=updated_us, country=country, channel=channel,
                     primary_app=primary_app, secondary_from=secondary_from, early_app_adopter=early_adopter,
                     platform_app=platform_app, platform_web=platform_web, coupon_prop=coupon_prop,
                     review_prop=review_prop, search_prop=search_prop, band=band, cat_weights=cat_weights,
                     cat_cum=cat_cum, newsletter=newsletter, unsubscribe=unsubscribe, sms=sms,
                     signup_method=signup_method, email_parts=email_parts)
