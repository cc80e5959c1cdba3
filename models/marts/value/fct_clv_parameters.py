"""BG/NBD and Gamma-Gamma parameters fitted by maximum likelihood on the order history up to as_of_date
(metrics.md, "Predicted CLV").

* BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy way"): r, alpha (purchase rate
  lambda ~ Gamma(r, alpha), alpha in the time unit), a, b (dropout p ~ Beta(a, b)), fitted on every customer's
  (frequency, recency, t) from int_clv_customer_summary.
* Gamma-Gamma (Fader and Hardie 2005 / Fader, Hardie and Lee 2005, "RFM and CLV"): p, q, gamma, fitted on the
  customers with a repeat purchase day and a positive mean repeat-day net revenue (monetary_value).

Each log-likelihood is maximised with L-BFGS-B on the logs of the parameters with its analytic gradient, from a
fixed start, so a build is deterministic. numpy and scipy only: the model runs wherever dbt runs Python models.
"""

import datetime

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln

LOG_BOUNDS = (np.log(1e-6), np.log(1e6))


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


def compress(*columns):
    """Distinct rows of the given columns and how many customers share each (the likelihood only needs that)."""
    stacked = np.column_stack(columns)
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return [rows[:, k] for k in range(rows.shape[1])], counts.astype(float)


# --- BG/NBD --------------------------------------------------------------------------------------------------------

def bg_nbd_log_likelihood(params, x, t_x, t, weights=None, gradient=False):
    """Sum of the Fader-Hardie-Lee (2005) log-likelihood, eq. (6):
    L = B(a, b + x) / B(a, b) * Gamma(r + x) alpha^r / (Gamma(r) (alpha + T)^(r + x))
        + [x > 0] B(a + 1, b + x - 1) / B(a, b) * Gamma(r + x) alpha^r / (Gamma(r) (alpha + t_x)^(r + x)),
    summed in log space (log-sum-exp of the two terms); with gradient=True also d/d(r, alpha, a, b)."""
    r, alpha, a, b = params
    weights = np.ones_like(x) if weights is None else weights
    repeat = x > 0
    x1 = np.maximum(x, 1.0)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    log_u = betaln(a, b + x) - (r + x) * np.log(alpha + t)
    log_v = np.where(repeat, betaln(a + 1.0, b + x1 - 1.0) - (r + x) * np.log(alpha + t_x), -np.inf)
    log_sum = np.logaddexp(log_u, log_v)
    total = float(np.sum(weights * (common + log_sum)))
    if not gradient:
        return total
    w_u = np.exp(log_u - log_sum)
    w_v = np.where(repeat, np.exp(log_v - log_sum), 0.0)
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + x)
    d_r = (digamma(r + x) - digamma(r) + np.log(alpha)
           - w_u * np.log(alpha + t) - w_v * np.log(alpha + t_x))
    d_alpha = r / alpha - (r + x) * (w_u / (alpha + t) + w_v / (alpha + t_x))
    # d log B(a, b) = psi(a) - psi(a + b) (in a), psi(b) - psi(a + b) (in b); B(a, b) divides both terms
    d_a = (-(digamma(a) - psi_ab)
           + w_u * (digamma(a) - psi_abx)
           + w_v * (digamma(a + 1.0) - psi_abx))
    d_b = (-(digamma(b) - psi_ab)
           + w_u * (digamma(b + x) - psi_abx)
           + w_v * (digamma(b + x1 - 1.0) - psi_abx))
    grad = np.array([np.sum(weights * d) for d in (d_r, d_alpha, d_a, d_b)])
    return total, grad


def fit_bg_nbd(frequency, recency, t):
    (x, t_x, t), weights = compress(frequency, recency, t)
    rate = np.sum(weights * x) / max(np.sum(weights * t), 1e-12)
    start = np.log([1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0])

    def objective(log_params):
        params = np.exp(log_params)
        value, grad = bg_nbd_log_likelihood(params, x, t_x, t, weights, gradient=True)
        return -value, -grad * params

    return maximise(objective, start)


# --- Gamma-Gamma ---------------------------------------------------------------------------------------------------

def gamma_gamma_log_likelihood(params, x, m, weights=None, gradient=False):
    """Sum of the Gamma-Gamma log-likelihood of the mean spend m of x repeat purchases (Fader-Hardie 2005):
    f(m | p, q, gamma; x) = Gamma(p x + q) / (Gamma(p x) Gamma(q)) gamma^q m^(p x - 1) x^(p x)
                            / (gamma + m x)^(p x + q)."""
    p, q, gamma = params
    weights = np.ones_like(x) if weights is None else weights
    px = p * x
    log_gm = np.log(gamma + m * x)
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
          + (px - 1.0) * np.log(m) + px * np.log(x) - (px + q) * log_gm)
    total = float(np.sum(weights * ll))
    if not gradient:
        return total
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_gm)
    d_q = digamma(px + q) - digamma(q) + np.log(gamma) - log_gm
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    grad = np.array([np.sum(weights * d) for d in (d_p, d_q, d_gamma)])
    return total, grad


def fit_gamma_gamma(frequency, monetary_value):
    (x, m), weights = compress(frequency, monetary_value)
    mean_spend = np.sum(weights * m) / np.sum(weights)
    start = np.log([1.0, 2.0, mean_spend])

    def objective(log_params):
        params = np.exp(log_params)
        value, grad = gamma_gamma_log_likelihood(params, x, m, weights, gradient=True)
        return -value, -grad * params

    return maximise(objective, start)


def maximise(objective, start):
    result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=[LOG_BOUNDS] * len(start),
                      options={"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20})
    return np.exp(result.x), -float(result.fun), bool(result.success)


# --- the model -----------------------------------------------------------------------------------------------------

def model(dbt, session):
    dbt.config(materialized="table")
    unit_days = int(dbt.config.get("clv_time_unit_days", 7))
    summary = to_pandas(dbt.ref("int_clv_customer_summary"))
    units = set(summary["time_unit"])
    if units - {time_unit_name(unit_days)}:
        raise ValueError(f"int_clv_customer_summary is in {units}, not {time_unit_name(unit_days)}: rebuild it")
    as_of = to_pandas(dbt.ref("int_as_of_date"))
    as_of_date = as_date(as_of["as_of_date"].iloc[0]) if len(as_of) else None

    frequency = summary["frequency"].to_numpy(dtype=float)
    recency = summary["recency"].to_numpy(dtype=float)
    t = summary["t"].to_numpy(dtype=float)
    monetary = summary["monetary_value"].astype(float).to_numpy()

    fits = []
    # BG/NBD needs at least one repeat purchase day: without one the purchase rate has no finite estimate
    if np.any(frequency > 0):
        fits.append(("bg_nbd", ["r", "alpha", "a", "b"], *fit_bg_nbd(frequency, recency, t), len(frequency)))
    else:
        fits.append(("bg_nbd", ["r", "alpha", "a", "b"], [np.nan] * 4, np.nan, False, len(frequency)))
    # Gamma-Gamma: repeat buyers with a positive mean spend (a zero mean has zero density under the model)
    spenders = (frequency > 0) & (np.nan_to_num(monetary) > 0)
    if spenders.sum() >= 2:
        fits.append(("gamma_gamma", ["p", "q", "gamma"],
                     *fit_gamma_gamma(frequency[spenders], monetary[spenders]), int(spenders.sum())))
    else:
        fits.append(("gamma_gamma", ["p", "q", "gamma"], [np.nan] * 3, np.nan, False, int(spenders.sum())))

    rows = [(model_name, name, float(value), log_likelihood, customers, converged)
            for model_name, names, values, log_likelihood, converged, customers in fits
            for name, value in zip(names, values)]
    return pd.DataFrame({
        "model_name": pd.Series([row[0] for row in rows], dtype="string"),
        "parameter": pd.Series([row[1] for row in rows], dtype="string"),
        "value": pd.Series([row[2] for row in rows], dtype="float64"),
        "time_unit": pd.Series([time_unit_name(unit_days)] * len(rows), dtype="string"),
        "time_unit_days": pd.Series([unit_days] * len(rows), dtype="int64"),
        "log_likelihood": pd.Series([row[3] for row in rows], dtype="float64"),
        "customers_fitted": pd.Series([row[4] for row in rows], dtype="int64"),
        "converged": pd.Series([row[5] for row in rows], dtype="bool"),
        "as_of_date": date_column(as_of_date, len(rows)),
    })
