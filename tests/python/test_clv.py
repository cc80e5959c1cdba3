"""Predicted CLV (metrics.md, "Predicted CLV"): BG/NBD and Gamma-Gamma fitted by maximum likelihood in the dbt
Python models fct_clv_parameters and fct_customer_clv.

* CDNOW: the 2,357-customer sample of the lifetimes package, as_of_date 1997-09-30 (the 39-week calibration period
  of Fader, Hardie and Lee 2005; later transactions are ignored by every model). The fit reproduces the published
  BG/NBD estimates and log-likelihood, and the Gamma-Gamma estimates of the lifetimes documentation, which are fitted
  on lifetimes' cdnow_customers_summary_with_transactions: that file is this very calibration summary (frequency,
  recency, T and the mean repeat-day spend at 1997-09-30, rounded to cents and hundredths of weeks), as
  test_published_summary_is_the_calibration_period shows. Per customer, frequency, recency, T, P(alive), expected
  purchases and expected spend equal what lifetimes computes on the same file with our parameters.
* Generated data (single_population: one BG/NBD population, no seasonality across days): the fit recovers the
  generating parameters within the fit's own sampling error (see test_generated_fit_recovers_generating_parameters).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import PROJECT_DIR, Warehouse, dbt_env
from retention_warehouse.cdnow import read_transactions, write_orders
from retention_warehouse.load import load_duckdb

CALIBRATION_END = "1997-09-30"
# Fader, Hardie and Lee (2005), 2,357 CDNOW customers, 39 weeks: r, alpha (per week), a, b and the log-likelihood
PUBLISHED_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BG_NBD_LL = -9582.4
# lifetimes documentation, GammaGammaFitter on cdnow_customers_summary_with_transactions (frequency > 0); lifetimes
# calls gamma "v"
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def load_model_module(name: str):
    """The functions of a dbt Python model (importable: it only needs numpy, scipy and pandas)."""
    path = PROJECT_DIR / "models" / "marts" / "value" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(work_dir: Path, raw: Path, *vars_: str) -> Warehouse:
    database = work_dir / "warehouse.duckdb"
    load_duckdb(raw, database=str(database))
    warehouse = Warehouse(data_dir=raw, database=database, work_dir=work_dir, env=dbt_env(database))
    args = ["build", "--select", "+fct_customer_clv", "--indirect-selection", "buildable"]
    if vars_:
        args += ["--vars", "{" + ", ".join(vars_) + "}"]
    warehouse.dbt(*args)
    return warehouse


def parameters(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.query("select * from marts.fct_clv_parameters").set_index(["model_name", "parameter"])


# --- CDNOW ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cdnow(tmp_path_factory) -> Warehouse:
    work_dir = tmp_path_factory.mktemp("clv_cdnow")
    raw = work_dir / "raw"
    write_orders(raw, "sample")
    return build(work_dir, raw, f"as_of_date: '{CALIBRATION_END}'")


@pytest.fixture(scope="module")
def lifetimes_summary() -> pd.DataFrame:
    """lifetimes' own calibration summary of the same file: purchase days (freq='D'), scaled to weeks."""
    from lifetimes.utils import summary_data_from_transaction_data

    transactions = read_transactions("sample")
    transactions["date"] = pd.to_datetime(transactions["purchase_date"])
    return summary_data_from_transaction_data(
        transactions, "customer_id", "date", monetary_value_col="dollar_value",
        observation_period_end=CALIBRATION_END, freq="D", freq_multiplier=7,
    )


@pytest.fixture(scope="module")
def cdnow_clv(cdnow) -> pd.DataFrame:
    return cdnow.query("select * from marts.fct_customer_clv").set_index("customer_id").sort_index()


def test_cdnow_bg_nbd_reproduces_the_published_fit(cdnow):
    params = parameters(cdnow)
    bg_nbd = params.loc["bg_nbd"]
    for name, published in PUBLISHED_BG_NBD.items():
        assert bg_nbd.loc[name, "value"] == pytest.approx(published, rel=0.01), name
    assert set(bg_nbd["log_likelihood"]) == {bg_nbd["log_likelihood"].iloc[0]}
    assert bg_nbd["log_likelihood"].iloc[0] == pytest.approx(PUBLISHED_BG_NBD_LL, abs=0.5)
    assert set(bg_nbd["time_unit"]) == {"week"}
    assert set(bg_nbd["customers_fitted"]) == {2357}
    assert bg_nbd["converged"].all()
    assert str(bg_nbd["as_of_date"].iloc[0])[:10] == CALIBRATION_END


def test_cdnow_gamma_gamma_reproduces_the_published_fit(cdnow, lifetimes_summary):
    gamma_gamma = parameters(cdnow).loc["gamma_gamma"]
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert gamma_gamma.loc[name, "value"] == pytest.approx(published, rel=0.01), name
    repeat = lifetimes_summary[lifetimes_summary["frequency"] > 0]
    assert set(gamma_gamma["customers_fitted"]) == {len(repeat)} == {946}
    # our optimum is at least as good as lifetimes' own fit of the same data
    from lifetimes import GammaGammaFitter

    fitted = load_model_module("fct_clv_parameters")
    theirs = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"]).params_
    x, m = repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)
    ll_theirs = fitted.gamma_gamma_log_likelihood((theirs["p"], theirs["q"], theirs["v"]), x, m)
    assert gamma_gamma["log_likelihood"].iloc[0] >= ll_theirs - 1e-6
    assert gamma_gamma["log_likelihood"].iloc[0] == pytest.approx(
        fitted.gamma_gamma_log_likelihood(tuple(gamma_gamma.loc[["p", "q", "gamma"], "value"]), x, m), abs=1e-6)


def test_published_summary_is_the_calibration_period(cdnow):
    """lifetimes' cdnow_customers_summary_with_transactions (ID = the sample's own customer number, x, t_x, T, zbar),
    the data the published Gamma-Gamma figures are fitted on, is our summary at 1997-09-30 rounded to 2 decimals."""
    from lifetimes.datasets import load_dataset

    published = load_dataset("cdnow_customers_summary_with_transactions.csv")
    raw = pd.read_csv(Path(importlib.util.find_spec("lifetimes").origin).parent / "datasets" / "CDNOW_sample.txt",
                      sep=r"\s+", header=None, dtype=str, names=["customer", "ID", "date", "cds", "dollars"])
    ids = raw.drop_duplicates("customer").assign(customer_id=lambda f: "cd" + f["customer"].str.zfill(5),
                                                 ID=lambda f: f["ID"].astype(int))[["customer_id", "ID"]]
    ours = cdnow.query("select * from intermediate.int_clv_customer_summary").merge(ids, on="customer_id")
    both = ours.merge(published, on="ID", validate="one_to_one")
    assert len(both) == len(published) == 2357
    assert (both["frequency"] == both["x"]).all()
    assert np.allclose(both["recency"], both["t_x"], atol=0.005 + 1e-9)
    assert np.allclose(both["t"], both["T"], atol=0.005 + 1e-9)
    assert np.allclose(both["monetary_value"].astype(float).fillna(0.0), both["zbar"], atol=0.005 + 1e-9)


def test_cdnow_per_customer_values_equal_lifetimes(cdnow, cdnow_clv, lifetimes_summary):
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    expected = lifetimes_summary.sort_index()
    assert list(cdnow_clv.index) == list(expected.index)
    assert (cdnow_clv["frequency"].to_numpy() == expected["frequency"].to_numpy()).all()
    assert np.allclose(cdnow_clv["recency"], expected["recency"], rtol=0, atol=1e-6)
    assert np.allclose(cdnow_clv["t"], expected["T"], rtol=0, atol=1e-6)
    assert set(cdnow_clv["time_unit"]) == {"week"}

    params = parameters(cdnow)["value"]
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series({name: params["bg_nbd", name] for name in ("r", "alpha", "a", "b")})
    x, t_x, t = (expected[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    p_alive = bgf.conditional_probability_alive(x, t_x, t)
    assert np.allclose(cdnow_clv["p_alive"], p_alive, rtol=0, atol=1e-6)
    assert (cdnow_clv.loc[cdnow_clv["frequency"] == 0, "p_alive"] == 1.0).all()

    horizon = 365 / 7
    orders = bgf.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, t)
    assert np.allclose(cdnow_clv["expected_orders"], orders, rtol=1e-6, atol=1e-9)

    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series({"p": params["gamma_gamma", "p"], "q": params["gamma_gamma", "q"],
                             "v": params["gamma_gamma", "gamma"]})
    spend = ggf.conditional_expected_average_profit(expected["frequency"], expected["monetary_value"])
    assert np.allclose(cdnow_clv["expected_avg_order_value"], spend, rtol=1e-9, atol=1e-6)
    assert np.allclose(cdnow_clv["predicted_clv"], orders * spend.to_numpy(), rtol=1e-6, atol=1e-6)
    assert set(cdnow_clv["horizon_days"]) == {365}


# --- CDNOW: the predictive customer fields (fct_customer_predictions) -------------------------------------------------

# the 39 weeks after the calibration period (1997-10-01 .. 1998-06-30): the horizon of Fader, Hardie and Lee (2005)
HOLDOUT_WEEKS = 39


@pytest.fixture(scope="module")
def cdnow_predictions(cdnow, tmp_path_factory) -> Warehouse:
    """A copy of the CDNOW warehouse with the predictions over the 39-week holdout: only fct_customer_clv (which
    reads the horizon) and fct_customer_predictions are rebuilt, on the same fit, and the purchase rhythm the
    next-order scorer's baseline reads is built."""
    work_dir = tmp_path_factory.mktemp("clv_cdnow_predictions")
    database = work_dir / cdnow.database.name
    shutil.copy(cdnow.database, database)
    warehouse = Warehouse(data_dir=cdnow.data_dir, database=database, work_dir=work_dir, env=dbt_env(database))
    warehouse.dbt("run", "--select", "fct_customer_clv", "fct_customer_predictions", "int_customer_purchase_rhythm",
                  "--vars",
                  f"{{as_of_date: '{CALIBRATION_END}', clv_horizon_days: {HOLDOUT_WEEKS * 7}}}")
    return warehouse


def test_cdnow_predicted_orders_by_frequency_equal_lifetimes(cdnow_predictions, lifetimes_summary):
    """Predicted orders over the next 39 weeks, averaged per number of calibration repeat purchase days, equal the
    conditional expectations of lifetimes' BetaGeoFitter with lifetimes' own fit of the same summary, to 1%."""
    from lifetimes import BetaGeoFitter

    predictions = cdnow_predictions.query("select * from marts.fct_customer_predictions").set_index("customer_id")
    assert len(predictions) == 2357
    assert set(predictions["prediction_status"]) == {"ok"}  # 2,357 buyers, 272 days, repeat buyers: Klaviyo's ok
    assert set(predictions["horizon_days"]) == {HOLDOUT_WEEKS * 7}

    summary = lifetimes_summary
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    theirs = bgf.conditional_expected_number_of_purchases_up_to_time(
        HOLDOUT_WEEKS, summary["frequency"], summary["recency"], summary["T"])
    both = pd.DataFrame({"frequency": summary["frequency"], "theirs": theirs}).join(predictions["predicted_orders"])
    assert both["predicted_orders"].notna().all()
    by_frequency = both.groupby("frequency")[["predicted_orders", "theirs"]].mean()
    assert len(by_frequency) > 10
    relative = (by_frequency["predicted_orders"] / by_frequency["theirs"] - 1).abs()
    assert (relative < 0.01).all(), relative[relative >= 0.01]


def test_cdnow_next_order_date_scores_on_the_holdout(cdnow_predictions):
    """The scorer on real holdout truth: CDNOW's transactions after the calibration period (orders.csv of the
    fixture's raw folder), horizon = holdout = 39 weeks. The expected date of next order beats the baseline
    'last order + median gap' on the repeat buyers who bought again."""
    from retention_warehouse.score_next_order import score

    result = score(cdnow_predictions.database, cdnow_predictions.data_dir)
    print(result)
    assert result["as_of_date"] == CALIBRATION_END
    assert result["holdout_days"] == result["horizon_days"] == result["scored_window_days"] == HOLDOUT_WEEKS * 7
    assert result["prediction_status"] == "ok"
    assert result["scored_customers"] > 200
    assert result["customers_with_next_order"] > result["scored_customers"]
    assert 0 < result["model_mae_days"] < result["baseline_mae_days"]
    assert result["mae_ratio_model_to_baseline"] == pytest.approx(
        result["model_mae_days"] / result["baseline_mae_days"])


# --- generated data ------------------------------------------------------------------------------------------------

GENERATED = {"customers": 4000, "days": 500, "seed": 1}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Warehouse, dict]:
    """One BG/NBD population (single_population), fitted in days (clv_time_unit_days 1)."""
    from retention_warehouse.generate import generate

    work_dir = tmp_path_factory.mktemp("clv_generated")
    raw = work_dir / "raw"
    generate(raw, customers=GENERATED["customers"], seed=GENERATED["seed"], start_date="2024-01-01",
             days=GENERATED["days"], single_population=True)
    truth = json.loads((raw / "_truth" / "parameters.json").read_text())
    population = truth["purchase_process"]["populations"]["single_population"]
    assert truth["time_unit"] == "day"
    return build(work_dir, raw, "clv_time_unit_days: 1"), population


def test_generated_fit_recovers_generating_parameters(generated):
    """The tolerance is the fit's own sampling error. Standard errors of log(r), log(alpha), log(a), log(b) come from
    the observed information (the Hessian of the log-likelihood at the optimum); with 4,000 customers they are about
    0.045, 0.07, 0.18 and 0.24 - a and b are weakly identified at this size, so fixed relative tolerances would
    have to be loose or flaky. Two checks:
    * jointly, the generating parameters lie inside the 99.9% likelihood-ratio confidence region of the fit:
      2 (LL(fit) - LL(truth)) < chi-square(4) 0.999 quantile = 18.47. Over 20 generator seeds at this size the
      statistic ranged 0.1-10.8 (mean 3.9, close to chi-square(4)'s mean of 4).
    * each parameter within 3.5 standard errors (|z| at most 2.3 over those 20 seeds).
    Whole purchase days bias the data slightly: two purchases on one day count once and times are whole days, so
    the mean purchase rate r / alpha comes out a few percent low, mostly through alpha (+3% to +6% on 40,000
    customers, where sampling error is small); at 4,000 customers that is under one standard error and inside
    both checks. The fit is in days, so alpha compares directly with the generator's per-day alpha."""
    warehouse, population = generated
    params = parameters(warehouse)
    bg_nbd = params.loc["bg_nbd"]
    assert set(bg_nbd["time_unit"]) == {"day"}
    assert bg_nbd["converged"].all()
    names = ["r", "alpha", "a", "b"]
    fit = np.array([bg_nbd.loc[name, "value"] for name in names])
    truth = np.array([population[name] for name in names])

    fitted = load_model_module("fct_clv_parameters")
    summary = warehouse.query("select frequency, recency, t from intermediate.int_clv_customer_summary")
    assert len(summary) == bg_nbd["customers_fitted"].iloc[0] > 0.99 * GENERATED["customers"]
    x, t_x, t = (summary[c].to_numpy(float) for c in ("frequency", "recency", "t"))
    log_likelihood = bg_nbd["log_likelihood"].iloc[0]
    assert log_likelihood == pytest.approx(fitted.bg_nbd_log_likelihood(fit, x, t_x, t), abs=1e-6)

    likelihood_ratio = 2.0 * (log_likelihood - fitted.bg_nbd_log_likelihood(truth, x, t_x, t))
    assert 0.0 <= likelihood_ratio < 18.47, (fit, truth, likelihood_ratio)

    def score(log_params):  # gradient of the log-likelihood in the log parameters
        params_ = np.exp(log_params)
        return fitted.bg_nbd_log_likelihood(params_, x, t_x, t, gradient=True)[1] * params_

    step, hessian = 1e-5, np.zeros((4, 4))
    for k in range(4):
        shift = np.zeros(4)
        shift[k] = step
        hessian[:, k] = (score(np.log(fit) + shift) - score(np.log(fit) - shift)) / (2 * step)
    standard_errors = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    z = (np.log(fit) - np.log(truth)) / standard_errors
    assert (np.abs(z) < 3.5).all(), dict(zip(names, zip(fit, truth, z)))


def test_generated_customer_clv_is_consistent(generated):
    warehouse, _ = generated
    clv = warehouse.query("select * from marts.fct_customer_clv")
    gamma_gamma = parameters(warehouse).loc["gamma_gamma"]
    assert gamma_gamma["converged"].all() and (gamma_gamma["value"] > 0).all()
    assert set(clv["time_unit"]) == {"day"}
    assert clv["customer_id"].is_unique
    assert clv["p_alive"].between(0, 1).all()
    assert (clv["recency"] == clv["recency_days"]).all() and (clv["t"] == clv["t_days"]).all()
    assert np.allclose(clv["predicted_clv"], clv["expected_orders"] * clv["expected_avg_order_value"])
    # customers with the same history but a longer silence are less likely alive and expected to buy less
    repeat = clv[clv["frequency"] > 0]
    assert repeat["p_alive"].min() < 0.5 < repeat["p_alive"].max()


# --- the models' functions and configuration -------------------------------------------------------------------------

def test_log_likelihood_gradients_match_finite_differences():
    fitted = load_model_module("fct_clv_parameters")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, 200).astype(float)
    t = rng.uniform(5, 40, 200)
    t_x = np.where(x > 0, rng.uniform(0, 1, 200) * t, 0.0)
    m = rng.uniform(5, 50, 200)
    for function, params, args in [
        (fitted.bg_nbd_log_likelihood, np.array([0.3, 5.0, 0.8, 2.5]), (x, t_x, t)),
        (fitted.gamma_gamma_log_likelihood, np.array([6.0, 3.5, 15.0]), (np.maximum(x, 1.0), m)),
    ]:
        _, grad = function(params, *args, gradient=True)
        for k in range(len(params)):
            step = np.zeros(len(params))
            step[k] = 1e-6 * params[k]
            numeric = (function(params + step, *args) - function(params - step, *args)) / (2 * step[k])
            assert grad[k] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def hypergeometric_series(a: float, b: float, c: float, z: float) -> float:
    """2F1(a, b; c; z) summed term by term (|z| < 1): an independent reference for scipy's hyp2f1."""
    term = total = 1.0
    for n in range(200_000):
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        total += term
        if abs(term) < 1e-17 * abs(total):
            return total
    raise AssertionError("the series did not converge")


# the BG/NBD parameters a 1,000-customer benchmark warehouse fitted (540 days, seed 42; the fit did not converge):
# a large a made Euler's form of E[Y] overflow to -inf or NaN at small x, failing the mart's range test
UNCONVERGED_FIT = (0.321851, 3.998602, 340.456595, 2649.679397)


@pytest.mark.parametrize("params, x, t_x, t", [
    (UNCONVERGED_FIT, 0.0, 0.0, 1.0 / 7),  # a - 1 - r - x >= 0: the direct form
    (UNCONVERGED_FIT, 2.0, 15.0 / 7, 23.0 / 7),
    (UNCONVERGED_FIT, 30.0, 70.0, 75.0),
    (UNCONVERGED_FIT, 400.0, 75.0, 75.0),  # x > a - 1 - r: Euler's form
    ((0.243, 4.414, 0.793, 2.426), 0.0, 0.0, 38.86),  # CDNOW's published fit: Euler's form for every x
    ((0.243, 4.414, 0.793, 2.426), 5.0, 30.0, 38.86),
    ((0.243, 4.414, 0.793, 2.426), 2000.0, 38.0, 38.86),  # the direct form's series would overflow here
    ((0.5, 10.0, 3.0, 5.0), 1.0, 5.0, 20.0),  # a moderate a: the direct form up to x = 1
    ((0.5, 10.0, 3.0, 5.0), 2.0, 5.0, 20.0),
])
def test_expected_purchases_equal_the_series_on_either_side_of_the_switch(params, x, t_x, t):
    """E[Y(h) | x, t_x, T] against its definition summed independently: P(alive) (a + b + x - 1) / (a - 1)
    [1 - (1 - z)^(r + x) 2F1(r + x, b + x; a + b + x - 1; z)], z = h / (alpha + T + h), the 2F1 as a plain series
    (from the second term on its terms share one sign, so the sum is accurate) or, where that series would
    overflow, Euler's equal form."""
    clv = load_model_module("fct_customer_clv")
    r, alpha, a, b = params
    horizon = 365 / 7
    z = horizon / (alpha + t + horizon)
    with np.errstate(all="ignore"):
        ours = float(clv.expected_purchases(params, horizon, np.array([x]), np.array([t_x]), np.array([t]))[0])
        alive = float(clv.p_alive(params, np.array([x]), np.array([t_x]), np.array([t]))[0])
    if x <= a - 1 - r:
        bracket = 1 - (1 - z) ** (r + x) * hypergeometric_series(r + x, b + x, a + b + x - 1, z)
    else:
        bracket = 1 - (1 - z) ** (a - 1) * hypergeometric_series(a + b - 1 - r, a - 1, a + b + x - 1, z)
    assert np.isfinite(ours) and ours >= 0
    assert ours == pytest.approx(alive * (a + b + x - 1) / (a - 1) * bracket, rel=1e-9)


def test_expected_purchases_of_the_unconverged_fit_equal_lifetimes():
    """lifetimes evaluates the direct form, which is the stable one for this fit's large a."""
    from lifetimes import BetaGeoFitter

    clv = load_model_module("fct_customer_clv")
    x = np.array([0.0, 0.0, 1.0, 2.0, 5.0, 30.0])
    t_x = np.array([0.0, 0.0, 1.0, 15.0 / 7, 60.0, 70.0])
    t = np.array([1.0 / 7, 2.0, 10.0 / 7, 23.0 / 7, 75.0, 75.0])
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series(dict(zip(("r", "alpha", "a", "b"), UNCONVERGED_FIT)))
    with np.errstate(all="ignore"):
        ours = clv.expected_purchases(UNCONVERGED_FIT, 365 / 7, x, t_x, t)
    theirs = bgf.conditional_expected_number_of_purchases_up_to_time(365 / 7, x, t_x, t)
    assert np.isfinite(ours).all()
    assert np.allclose(ours, np.asarray(theirs, dtype=float), rtol=1e-9, atol=0)


def enabled_expression(model_name: str) -> str:
    spec = yaml.safe_load((PROJECT_DIR / "models" / "marts" / "value" / "_clv.yml").read_text())
    return next(m for m in spec["models"] if m["name"] == model_name)["config"]["enabled"]


@pytest.mark.parametrize("model_name", ["fct_clv_parameters", "fct_customer_clv"])
@pytest.mark.parametrize("target_type, clv_enabled, expected", [
    ("duckdb", None, True),
    ("postgres", None, False),
    ("spark", None, False),
    ("snowflake", None, True),
    ("duckdb", False, False),
    ("postgres", True, True),
])
def test_clv_models_are_disabled_where_python_models_do_not_run(model_name, target_type, clv_enabled, expected):
    """The enabled config of the Python models: off on PostgreSQL and Spark-session, the var clv_enabled wins."""
    messages = []

    def var(name, default=None):
        assert name == "clv_enabled"
        return default if clv_enabled is None else clv_enabled

    def log(message, info=False):
        messages.append(message)
        return ""

    template = jinja2.Environment().from_string(enabled_expression(model_name))
    rendered = template.render(var=var, log=log, target={"type": target_type})
    assert rendered == str(expected)
    if not expected and model_name == "fct_clv_parameters":
        assert messages and re.search(r"Predicted CLV is disabled \(target type " + target_type, messages[0])


@pytest.mark.parametrize("args", [("--vars", "{clv_enabled: false}"), ("--target", "postgres")],
                         ids=["clv_enabled_false", "postgres"])
def test_dbt_ls_drops_clv_models_when_disabled(tmp_path, args):
    """Enabled on DuckDB (every build above); disabled, the Python models are gone from the project (the SQL
    summary stays) and a full parse says so. dbt ls needs no connection, so the postgres target needs no server."""
    if args[0] == "--target" and importlib.util.find_spec("dbt.adapters.postgres") is None:
        pytest.skip("dbt-postgres is not installed")
    warehouse = Warehouse(data_dir=tmp_path, database=tmp_path / "unused.duckdb", work_dir=tmp_path,
                          env=dbt_env(tmp_path / "unused.duckdb"))
    result = warehouse.dbt("ls", "--resource-type", "model", "--output", "name", *args, "--select",
                           "fct_clv_parameters fct_customer_clv int_clv_customer_summary")
    listed = {line.strip() for line in result.stdout.splitlines() if re.fullmatch(r"\w+", line.strip())}
    clv_models = {"fct_clv_parameters", "fct_customer_clv", "int_clv_customer_summary"}
    assert clv_models & listed == {"int_clv_customer_summary"}
    assert "Predicted CLV is disabled" in result.stdout
