"""Ground truth: who truly dropped out and why, the generating parameters, the experiments, the faults."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import columns, params
from .calendar import Period
from .customers import Customers
from .experiments import VARIANTS, Assignments, window
from .process import Process


NOTES = {
    "identity": "Each customer device (web, app) has one anonymous_id; every session event carries it. A session is "
                "persisted (every event has customer_id), login (events before the login or signup event have "
                "customer_id NULL, later ones have it) or anonymous (none: stitch through anonymous_id). Every device a "
                "customer uses is identified in at least one session, so stitching recovers all their events. "
                "Visitors who never sign up have anonymous ids that are never identified. System events carry "
                "customer_id and no anonymous_id or session_id.",
    "orders": "Status and timestamps are as seen at the end of the period (later steps are NULL). Cancelled orders "
              "are extra orders placed 1..36 hours before a purchase of the process, so valid orders are exactly the "
              "process's purchases; a cancelled order with NULL cancelled_at is cancelled from the start. list_price "
              "is USD; unit_price, subtotal, discount, shipping and tax are in the order currency (JPY in whole yen).",
    "true_dropout_at": "After the purchase at which the process drops the customer, a short wind-down (exponential, "
                       "capped before the would-be next purchase) ends at true_dropout_at; prospects leave after their "
                       "browsing period. NULL and is_alive_at_end when it falls after the period. Lambda and p of "
                       "prospects are drawn but unused.",
    "activity_after_dropout": "Only follow-ups of orders already placed (delivery tracking, reviews), the "
                              "onboarding experiment's return visits, and system messages.",
}


def _ts_days(period: Period, days: np.ndarray) -> pa.Array:
    finite = np.isfinite(days)
    return columns.timestamps(np.where(finite, period.to_us(np.where(finite, days, 0.0)), 0), ~finite)


def customers_truth(customers: Customers, process: Process, period: Period,
                    base: columns.IdBase = columns.IdBase()) -> pa.Table:
    dropout = np.where(process.dropout < period.days, process.dropout, np.inf)
    browse_rate = np.where(process.is_prospect, params.PROSPECT_BROWSE_RATE,
                           np.minimum(params.BROWSE_RATE_BASE + params.BROWSE_RATE_SLOPE * process.lam,
                                      params.BROWSE_RATE_CAP))
    th = params.HABIT_THRESHOLDS
    cols = {
        "customer_id": columns.ids("c", base.customers + np.arange(1, customers.n + 1)),
        "acquisition_channel": columns.pick(params.CHANNEL_NAMES, customers.channel),
        "lambda": columns.floats(process.lam),
        "p": columns.floats(process.p),
        "true_dropout_at": _ts_days(period, dropout),
        "is_alive_at_end": pa.array(~np.isfinite(dropout)),
        "favourite_category": columns.pick(params.CATEGORY_NAMES, customers.favourite),
        "country": columns.pick([c.code for c in params.COUNTRIES], customers.country),
        "signup_at": columns.timestamps(customers.signup_us),
        "is_prospect": pa.array(process.is_prospect),
        "p_base": columns.floats(process.p_base),
        "dropout_multiplier": columns.floats(process.multiplier),
        "first_purchase_at": _ts_days(period, process.first_t),
        "last_purchase_at": _ts_days(period, process.last_t),
        "purchases": pa.array(process.n_purchases),
        "browse_sessions_per_day": columns.floats(browse_rate),
        "price_band": columns.pick(params.PRICE_BANDS, customers.band),
        "prefers_app": pa.array(customers.primary_app),
        "coupon_propensity": columns.floats(customers.coupon_prop),
        "review_propensity": columns.floats(customers.review_prop),
        "search_propensity": columns.floats(customers.search_prop),
        "coupon_habit": pa.array(customers.coupon_prop > th["coupon_habit"]),
        "review_habit": pa.array(customers.review_prop > th["review_habit"]),
        "search_habit": pa.array(customers.search_prop > th["search_habit"]),
    }
    for name in params.EARLY_EFFECTS:
        cols[name] = pa.array(process.flags[name])
    for k, name in enumerate(params.CATEGORY_NAMES):
        cols[f"pref_{name}"] = columns.floats(customers.cat_weights[:, k])
    return pa.table(cols)


def experiments_truth(assignments: Assignments, period: Period, base: columns.IdBase = columns.IdBase()) -> pa.Table:
    names = [e["experiment_id"] for e in params.EXPERIMENTS]
    order = np.lexsort((assignments.cust, assignments.experiment))
    a = assignments
    return pa.table({
        "experiment_id": columns.pick(names, a.experiment[order]),
        "customer_id": columns.ids("c", base.customers + a.cust[order] + 1),
        "variant": columns.pick(VARIANTS, a.variant[order]),
        "assigned_at": columns.timestamps(a.assigned_us[order]),
        "untreated_active_within_30d": pa.array(a.untreated_active[order]),
        "treatment_brought_back": pa.array(a.brought_back[order]),
        "return_session_at": columns.timestamps(np.maximum(a.return_us[order], 0), a.return_us[order] < 0),
        "active_within_30d": pa.array(a.untreated_active[order] | a.brought_back[order]),
    })


def parameters(*, seed: int, period: Period, customers: int, fault_rate: float, single_population: bool,
               realised: list[dict], counts: dict[str, int], faults: dict[str, int]) -> dict:
    """The generating parameters; ``realised`` holds each experiment's ``experiments.realised_lift``."""
    experiments = []
    for k, e in enumerate(params.EXPERIMENTS):
        lo, hi = window(e, period.days)
        experiments.append({k_: v for k_, v in e.items() if k_ != "window_days"} | {
            "assignment": "all signups in the window, a few seconds after signup; pair-matched on the untreated "
                          "within-30 outcome and channel, coin flip within pairs",
            "signup_window_days": [lo, hi],
            "metric": "active on any day 1..30 after the assignment day (any non-system event or order)",
            "realised": realised[k],
        })
    if single_population:
        populations = {"single_population": dict(params.SINGLE_POPULATION) | {"prospect_share": 0.0}}
    else:
        populations = {c.name: {"r": c.r, "alpha": c.alpha, "a": c.a, "b": c.b, "prospect_share": c.prospect_share,
                                "signup_share_at_start": c.signup_share, "share_trend": c.trend}
                       for c in params.CHANNELS}
    return {
        "seed": seed,
        "start_date": period.start.isoformat(),
        "days": period.days,
        "end_exclusive": (np.datetime64(period.start.isoformat()) + np.timedelta64(period.days, "D")).astype(str),
        "customers": customers,
        "fault_rate": fault_rate,
        "single_population": single_population,
        "reporting_currency": params.REPORTING_CURRENCY,
        "time_unit": params.TIME_UNIT,
        "purchase_process": {
            "model": "lambda ~ Gamma(r, alpha) purchases per day; p ~ Beta(a, b) dropout after each purchase",
            "dropout_after_first_purchase": not single_population,
            "first_purchase": ("minutes after signup, in the signup session" if single_population else
                               f"{params.IMMEDIATE_FIRST_PURCHASE:.0%} in the signup session, the rest after a "
                               f"lognormal delay (log-median {params.FIRST_PURCHASE_DELAY[0]}, sigma "
                               f"{params.FIRST_PURCHASE_DELAY[1]}) in seasonal time"),
            "seasonality": "hour of day only" if single_population else "hour of day x weekday x yearly (local time)",
            "lambda_cap_per_day": params.LAMBDA_CAP,
            "wind_down_days_mean": params.WIND_DOWN_DAYS,
            "prospect_browse_days_mean": params.PROSPECT_BROWSE_DAYS,
            "populations": populations,
        },
        "early_behaviour_effects": ({} if single_population else
                                    {k: dict(v) for k, v in params.EARLY_EFFECTS.items()}) | {
            "applied_as": "p_effective = min(p * product of multipliers of the flags that hold, "
                          f"{params.P_MAX})" if not single_population else "disabled (single_population)"},
        "browsing": {"sessions_per_day_while_alive": f"{params.BROWSE_RATE_BASE} + {params.BROWSE_RATE_SLOPE} * lambda "
                                                     f"(cap {params.BROWSE_RATE_CAP}); prospects "
                                                     f"{params.PROSPECT_BROWSE_RATE}"},
        "experiments": experiments,
        "event_types": {"customer": list(params.CUSTOMER_EVENT_TYPES), "system": list(params.SYSTEM_EVENT_TYPES)},
        "notes": NOTES,
        "row_counts": counts,
        "faults_by_class": faults,
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=float) + "\n")
