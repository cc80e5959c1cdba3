"""Predicted CLV per customer with a purchase day up to as_of_date (metrics.md, "Predicted CLV"): P(alive) and
expected purchase days over the next clv_horizon_days from BG/NBD, the expected net revenue per purchase day from
Gamma-Gamma, both with the parameters of fct_clv_parameters. predicted_clv = expected_orders *
expected_avg_order_value, undiscounted. numpy and scipy only.
"""

import datetime

import numpy as np
import pandas as pd
from scipy.special import expit, hyp2f1


def to_pandas(relation):
    """A dbt.ref() result as a pandas DataFrame on any adapter (DuckDB, Snowpark, PySpark, BigFrames)."""
    for method in ("df", "to_pandas", "toPandas"):
        if hasattr(relation, method):
            return getattr(relation, method)()
    return relation


def time_unit_name(unit_days):
    return {1: "day", 7: "week"}.get(unit_days, f"{unit_days}_days")


def as_date(value):
    """A date from what the adapter hands back for a DATE (datetime.date, pandas Timestamp or text)."""
    if value is None or isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if hasattr(value, "date"):
        return value.date()
    return datetime.date.fromisoformat(str(value)[:10])


def date_column(value, rows):
    """A date column that DuckDB reads as DATE even when empty (Arrow date32 when pyarrow is there)."""
    try:
        import pyarrow as pa
    except ImportError:
        return pd.Series([value] * rows, dtype=object)
    return pd.Series([value] * rows, dtype=pd.ArrowDtype(pa.date32()))


def p_alive(params, x, t_x, t):
    """P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))
    (Fader, Hardie and Lee 2005, eq. 11), as a logistic of the log odds of having dropped out."""
    r, alpha, a, b = params
    log_odds_dead = np.log(a / (b + np.maximum(x, 1.0) - 1.0)) + (r + x) * (np.log(alpha + t) - np.log(alpha + t_x))
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def expected_purchases(params, horizon, x, t_x, t):
    """E[Y(horizon) | x, t_x, T] (Fader, Hardie and Lee 2005, eq. 10):
    P(alive) (a + b + x - 1) / (a - 1) [1 - ((alpha + T) / (alpha + T + h))^(r + x) 2F1(r + x, b + x; a + b + x - 1; z)]
    with z = h / (alpha + T + h). Euler's transformation turns the bracket into
    1 - (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z). Each form is evaluated where its series
    converges at z = 1 (c - a - b >= 0), so the hypergeometric stays bounded and finite: the direct form while
    x <= a - 1 - r, Euler's beyond (for large x, and for every x when a < 1 + r). A large a (a poorly identified
    or unconverged fit of few customers) overflows Euler's form at small x, and a large x the direct one."""
    r, alpha, a, b = params
    if abs(a - 1.0) < 1e-9:  # removable singularity at a = 1: step just beside it
        a = 1.0 + 1e-9
    z = horizon / (alpha + t + horizon)
    bracket = np.where(
        a - 1.0 - r - x >= 0,
        1.0 - (1.0 - z) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1.0, z),
        1.0 - (1.0 - z) ** (a - 1.0) * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z),
    )
    return p_alive(params, x, t_x, t) * (a + b + x - 1.0) / (a - 1.0) * bracket


def expected_average_value(params, x, m):
    """E[mean spend | x, m] = p (gamma + x m) / (p x + q - 1) (Fader, Hardie and Lee 2005, "RFM and CLV"): a
    weighted mean of the population mean p gamma / (q - 1) and the customer's own mean m; undefined when q <= 1
    and the customer has no repeat purchase."""
    p, q, gamma = params
    m = np.where(x > 0, np.nan_to_num(m), 0.0)
    denominator = p * x + q - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, p * (gamma + x * m) / denominator, np.nan)


def model(dbt, session):
    dbt.config(materialized="table")
    unit_days = int(dbt.config.get("clv_time_unit_days", 7))
    horizon_days = int(dbt.config.get("clv_horizon_days", 365))
    summary = to_pandas(dbt.ref("int_clv_customer_summary"))
    units = set(summary["time_unit"])
    if units - {time_unit_name(unit_days)}:
        raise ValueError(f"int_clv_customer_summary is in {units}, not {time_unit_name(unit_days)}: rebuild it")
    parameters = to_pandas(dbt.ref("fct_clv_parameters"))

    values = {(row.model_name, row.parameter): row.value for row in parameters.itertuples()}
    bg_nbd = tuple(values.get(("bg_nbd", name), np.nan) for name in ("r", "alpha", "a", "b"))
    gamma_gamma = tuple(values.get(("gamma_gamma", name), np.nan) for name in ("p", "q", "gamma"))
    as_of_date = as_date(parameters["as_of_date"].iloc[0]) if len(parameters) else None

    x = summary["frequency"].to_numpy(dtype=float)
    t_x = summary["recency"].to_numpy(dtype=float)
    t = summary["t"].to_numpy(dtype=float)
    m = summary["monetary_value"].astype(float).to_numpy()
    horizon = horizon_days / unit_days

    with np.errstate(all="ignore"):
        alive = p_alive(bg_nbd, x, t_x, t)
        orders = expected_purchases(bg_nbd, horizon, x, t_x, t)
        value = expected_average_value(gamma_gamma, x, m)

    rows = len(summary)
    return pd.DataFrame({
        "customer_id": summary["customer_id"].astype("string"),
        "frequency": summary["frequency"].astype("int32"),
        "recency": t_x,
        "t": t,
        "recency_days": summary["recency_days"].astype("int32"),
        "t_days": summary["t_days"].astype("int32"),
        "monetary_value": m,
        "p_alive": alive,
        "expected_orders": orders,
        "expected_avg_order_value": value,
        "predicted_clv": orders * value,
        "horizon_days": pd.Series([horizon_days] * rows, dtype="int64", index=summary.index),
        "time_unit": pd.Series([time_unit_name(unit_days)] * rows, dtype="string", index=summary.index),
        "as_of_date": date_column(as_of_date, rows).set_axis(summary.index),
    })
