"""The retention marts built by dbt agree exactly with the independent pandas oracle (tests/python/oracle).

The oracle reads only the core marts (dim_customers, fct_customer_activity_daily, fct_orders) and the build's
as_of_date, and recomputes every retention mart from the metric contract. Rows are matched on each mart's grain:
no row may be missing or extra, counts and flags must be equal, rates equal within 1e-12 and money within 1e-9.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd
import pytest

from oracle import retention as oracle

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))

RATE_TOLERANCE = 1e-12
MONEY_TOLERANCE = Decimal("1e-9")
MONEY_COLUMNS = {"cumulative_net_revenue", "avg_cumulative_net_revenue"}
SHOW_ROWS = 10
_NULL_KEY = "<null>"

Query = Callable[[str], pd.DataFrame]


# ---------------------------------------------------------------------------------------------------------------
# reading the warehouse
# ---------------------------------------------------------------------------------------------------------------
def _duckdb_query(database: Path) -> Query:
    def query(sql: str) -> pd.DataFrame:
        with duckdb.connect(str(database), read_only=True) as con:
            return con.execute(sql).fetchdf()
    return query


def read_inputs(query: Query) -> dict:
    """The oracle's inputs: the core marts and the build's as_of_date (money read as text, so it stays exact)."""
    customers = query("select customer_id, signup_date, first_order_date, country_code, acquisition_channel "
                      "from marts.dim_customers")
    activity = query("select customer_id, activity_date, is_purchase_day from marts.fct_customer_activity_daily")
    orders = query("select customer_id, order_date, cast(net_revenue as varchar) as net_revenue from marts.fct_orders")
    as_of = query("select as_of_date from intermediate.int_as_of_date")
    assert len(as_of) == 1 and not pd.isna(as_of.iloc[0, 0]), "intermediate.int_as_of_date must hold one date"
    assert len(customers) and len(activity) and len(orders), "the core marts are empty"
    orders["net_revenue"] = [None if v is None else Decimal(v) for v in orders["net_revenue"]]
    return {"customers": customers, "activity": activity, "orders": orders,
            "as_of": pd.Timestamp(as_of.iloc[0, 0]).date()}


def read_mart(query: Query, name: str) -> pd.DataFrame:
    """marts.<name>, with decimal columns read as text (converted to Decimal) so that money stays exact."""
    columns = query(
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = 'marts' and table_name = '{name}' order by ordinal_position")
    if columns.empty:
        pytest.fail(f"marts.{name} does not exist in the warehouse")
    decimal_columns = [c for c, t in zip(columns.column_name, columns.data_type) if t.upper().startswith("DECIMAL")]
    select = ", ".join(f'cast("{c}" as varchar) as "{c}"' if c in decimal_columns else f'"{c}"'
                       for c in columns.column_name)
    frame = query(f"select {select} from marts.{name}")
    for column in decimal_columns:
        frame[column] = [None if v is None else Decimal(v) for v in frame[column]]
    return frame


# ---------------------------------------------------------------------------------------------------------------
# comparing a mart with the oracle
# ---------------------------------------------------------------------------------------------------------------
def _kind(expected: pd.Series, column: str) -> str:
    if column in MONEY_COLUMNS:
        return "money"
    if pd.api.types.is_datetime64_any_dtype(expected):
        return "date"
    if pd.api.types.is_bool_dtype(expected):
        return "bool"
    if pd.api.types.is_integer_dtype(expected):
        return "int"
    if pd.api.types.is_float_dtype(expected):
        return "rate"
    return "text"


def _normalise(values: pd.Series, kind: str, column: str, side: str) -> pd.Series:
    values = values.reset_index(drop=True)
    try:
        if kind == "date":
            out = pd.to_datetime(values)
            if getattr(out.dt, "tz", None) is not None:
                out = out.dt.tz_localize(None)
            return out.astype("datetime64[ns]")
        if kind == "bool":
            return values.astype(object).where(values.notna(), None).map(
                lambda v: None if v is None else bool(v)).astype("boolean")
        if kind == "int":
            numbers = pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="raise")
            if not np.all(np.isnan(numbers) | (numbers == np.round(numbers))):
                raise ValueError("non-integer values")
            return numbers.astype("Float64").astype("Int64")
        if kind == "rate":
            return pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="raise").astype(float)
        if kind == "money":
            return values.map(_money)
        return values.astype(object).where(values.notna(), None)
    except (TypeError, ValueError, InvalidOperation) as error:
        raise AssertionError(f"column {column!r} of the {side} cannot be read as {kind}: {error}; "
                             f"first values {values.head(5).tolist()}") from error


def _money(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (float, np.floating)):
        return Decimal(repr(float(value)))
    return Decimal(str(value))


def _differs(actual: pd.Series, expected: pd.Series, kind: str) -> np.ndarray:
    a_null = actual.isna().to_numpy() if kind != "money" else actual.map(lambda v: v is None).to_numpy()
    e_null = expected.isna().to_numpy() if kind != "money" else expected.map(lambda v: v is None).to_numpy()
    both = ~a_null & ~e_null
    differs = a_null != e_null
    if kind == "rate":
        a, e = actual.to_numpy(dtype=float), expected.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            differs |= both & ~(np.abs(a - e) <= RATE_TOLERANCE)
    elif kind == "money":
        a, e = actual.to_numpy(dtype=object), expected.to_numpy(dtype=object)
        differs |= np.array([bool(b) and abs(x - y) > MONEY_TOLERANCE for b, x, y in zip(both, a, e)], dtype=bool)
    else:
        a, e = actual.to_numpy(dtype=object), expected.to_numpy(dtype=object)
        differs |= np.array([bool(b) and x != y for b, x, y in zip(both, a, e)], dtype=bool)
    return differs


def _show(value) -> str:
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)


def assert_matches_oracle(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str], name: str) -> None:
    """Same rows on the grain `keys` (none missing, none extra), and equal values in every oracle column.

    Extra columns of the mart are ignored (the contract welcomes more columns). On failure, the message lists
    the missing, extra and differing rows (first ten of each), side by side.
    """
    missing_columns = [c for c in expected.columns if c not in actual.columns]
    assert not missing_columns, f"marts.{name} lacks the columns {missing_columns} (has {list(actual.columns)})"
    kinds = {c: _kind(expected[c], c) for c in expected.columns}
    sql = pd.DataFrame({c: _normalise(actual[c], kinds[c], c, f"mart {name}") for c in expected.columns})
    ref = pd.DataFrame({c: _normalise(expected[c], kinds[c], c, "oracle") for c in expected.columns})
    for frame in (sql, ref):
        for key in keys:
            if kinds[key] == "text":
                frame[key] = frame[key].where(frame[key].notna(), _NULL_KEY)

    problems = []
    null_keys = sql[keys].isna().any(axis=1)
    if null_keys.any():
        problems.append(f"{int(null_keys.sum())} rows with a null grain column:\n"
                        f"{sql[null_keys].head(SHOW_ROWS).to_string()}")
    duplicated = sql.duplicated(keys, keep=False)
    if duplicated.any():
        problems.append(f"{int(duplicated.sum())} rows share a grain key (the grain is {keys}):\n"
                        f"{sql[duplicated].sort_values(keys).head(SHOW_ROWS).to_string()}")
    sql = sql[~null_keys & ~sql.duplicated(keys, keep="first")]  # duplicates are reported once, above

    merged = sql.merge(ref, on=keys, how="outer", suffixes=("__sql", "__oracle"), indicator=True, sort=True)
    extra = merged[merged["_merge"] == "left_only"]
    missing = merged[merged["_merge"] == "right_only"]
    if len(missing):
        problems.append(f"{len(missing)} rows of the oracle are missing from the mart, e.g.:\n"
                        f"{missing[keys].head(SHOW_ROWS).to_string()}")
    if len(extra):
        problems.append(f"{len(extra)} rows of the mart are not in the oracle, e.g.:\n"
                        f"{extra[keys].head(SHOW_ROWS).to_string()}")

    both = merged[merged["_merge"] == "both"].reset_index(drop=True)
    value_columns = [c for c in expected.columns if c not in keys]
    masks = {c: _differs(both[f"{c}__sql"], both[f"{c}__oracle"], kinds[c]) for c in value_columns}
    any_diff = np.zeros(len(both), dtype=bool)
    for mask in masks.values():
        any_diff |= mask
    if any_diff.any():
        counts = {c: int(m.sum()) for c, m in masks.items() if m.any()}
        first = both[any_diff].head(SHOW_ROWS)
        lines = []
        for position, row in first.iterrows():
            key_text = ", ".join(f"{k}={_show(row[k])}" for k in keys)
            diffs = "; ".join(f"{c}: mart {row[f'{c}__sql']!r} vs oracle {row[f'{c}__oracle']!r}"
                              for c in value_columns if masks[c][position])
            lines.append(f"  [{key_text}] {diffs}")
        problems.append(f"{int(any_diff.sum())} of {len(both)} matched rows differ (rows per column: {counts}); "
                        f"first {len(first)}:\n" + "\n".join(lines))
    if problems:
        raise AssertionError(f"marts.{name} does not match the oracle "
                             f"({len(actual)} mart rows, {len(expected)} oracle rows):\n" + "\n".join(problems))


# ---------------------------------------------------------------------------------------------------------------
# the comparison itself (no warehouse needed)
# ---------------------------------------------------------------------------------------------------------------
def _small_case():
    import datetime as dt
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"],
                              "signup_date": [dt.date(2024, 1, 1), dt.date(2024, 1, 3), dt.date(2024, 2, 5)],
                              "first_order_date": [dt.date(2024, 1, 2), None, None]})
    activity = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
                             "activity_date": [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3),
                                               dt.date(2024, 2, 9), dt.date(2024, 2, 5)],
                             "is_purchase_day": [False, True, False, False, False]})
    orders = pd.DataFrame({"customer_id": ["a", "a"], "order_date": [dt.date(2024, 1, 2), dt.date(2024, 2, 3)],
                           "net_revenue": [Decimal("10.10"), Decimal("0.20")]})
    return customers, activity, orders, dt.date(2024, 2, 10)


def test_comparison_accepts_equal_marts_in_sql_types():
    customers, activity, orders, as_of = _small_case()
    for mart, (_function, keys, _inputs) in oracle.MARTS.items():
        if mart == "fct_cohort_retention_by_segment":
            continue
        expected = oracle.compute(mart, customers=customers, activity=activity, orders=orders, as_of=as_of)
        actual = expected.sample(frac=1, random_state=1).copy()  # row order does not matter
        for column in actual.columns:  # what DuckDB returns: datetime64[us] dates, float money, Int32 counts
            if pd.api.types.is_datetime64_any_dtype(actual[column]):
                actual[column] = actual[column].astype("datetime64[us]")
            elif column in MONEY_COLUMNS:
                actual[column] = actual[column].astype(float)
            elif str(actual[column].dtype) == "Int64":
                actual[column] = actual[column].astype("Int32")
        actual["extra_column"] = 1  # more columns are welcome
        assert_matches_oracle(actual, expected, keys, mart)


def test_comparison_reports_missing_extra_duplicate_and_differing_rows():
    customers, activity, orders, as_of = _small_case()
    keys = oracle.MARTS["fct_cohort_retention"][1]
    expected = oracle.cohort_retention(customers, activity, as_of)
    actual = expected.copy()
    actual.loc[0, "retained_customers"] += 1
    actual.loc[1, "retention_rate"] += 1e-11
    actual.loc[2, "is_complete"] = not actual.loc[2, "is_complete"]
    extra = actual.iloc[[3]].assign(period_number=99)
    actual = pd.concat([actual.drop(index=[4]), extra, actual.iloc[[5]]], ignore_index=True)
    with pytest.raises(AssertionError) as failure:
        assert_matches_oracle(actual, expected, keys, "fct_cohort_retention")
    message = str(failure.value)
    assert "1 rows of the oracle are missing" in message and "1 rows of the mart are not in the oracle" in message
    assert "2 rows share a grain key" in message
    assert "3 of" in message and "retained_customers: mart" in message and "is_complete: mart" in message
    # rates within 1e-12 and money within 1e-9 are equal; a null where the oracle has a value is not
    assert_matches_oracle(expected.assign(retention_rate=expected.retention_rate + 1e-13), expected, keys, "x")
    ltv = oracle.cohort_ltv(customers, orders, as_of)
    ltv_keys = oracle.MARTS["fct_cohort_ltv"][1]
    assert_matches_oracle(ltv.assign(cumulative_net_revenue=[v + Decimal("1e-10") for v in
                                                             ltv.cumulative_net_revenue]), ltv, ltv_keys, "x")
    with pytest.raises(AssertionError, match="cumulative_net_revenue"):
        assert_matches_oracle(ltv.assign(cumulative_net_revenue=[v + Decimal("2e-9") for v in
                                                                 ltv.cumulative_net_revenue]), ltv, ltv_keys, "x")
    headline = oracle.retention_headline(customers, activity, as_of)
    assert headline.d30_retention.isna().any()
    with pytest.raises(AssertionError, match="d30_retention"):
        assert_matches_oracle(headline.assign(d30_retention=headline.d30_retention.fillna(0.0)), headline,
                              oracle.MARTS["fct_retention_headline"][1], "x")
    with pytest.raises(AssertionError, match="lacks the columns"):
        assert_matches_oracle(headline.drop(columns="d7_retention"), headline,
                              oracle.MARTS["fct_retention_headline"][1], "x")


# ---------------------------------------------------------------------------------------------------------------
# the marts of the generated warehouse
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def oracle_inputs(faulty_warehouse) -> dict:
    return read_inputs(faulty_warehouse.query)


@pytest.mark.parametrize("mart", list(oracle.MARTS))
def test_mart_matches_oracle(faulty_warehouse, oracle_inputs, mart):
    """Every retention mart of the default build (week_start monday) equals the oracle row for row."""
    actual = read_mart(faulty_warehouse.query, mart)
    expected = oracle.compute(mart, week_start="monday", **oracle_inputs)
    assert len(expected), f"the oracle computed no rows for {mart}: the generated dataset is degenerate"
    assert_matches_oracle(actual, expected, oracle.MARTS[mart][1], mart)


WEEK_MARTS = ["fct_cohort_retention", "fct_period_lifecycle", "fct_stickiness"]


def test_week_start_sunday_matches_oracle(faulty_warehouse, tmp_path):
    """Rebuilding the week-based marts with week_start sunday (on a copy of the warehouse) gives the oracle's
    sunday weeks."""
    copy = tmp_path / faulty_warehouse.database.name  # same file name: DuckDB names the catalog after it
    shutil.copy(faulty_warehouse.database, copy)
    wal = faulty_warehouse.database.with_name(faulty_warehouse.database.name + ".wal")
    if wal.exists():
        shutil.copy(wal, copy.with_name(copy.name + ".wal"))
    env = dict(faulty_warehouse.env, DBT_DUCKDB_PATH=str(copy))
    # a var change needs every model upstream rebuilt too (week starts are compiled into the SQL)
    command = [DBT, "run", "--select", *("+" + mart for mart in WEEK_MARTS), "--vars", "{week_start: sunday}",
               "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"dbt run with week_start sunday failed:\n{result.stdout[-6000:]}\n" \
                                   f"{result.stderr[-3000:]}"

    query = _duckdb_query(copy)
    inputs = read_inputs(query)
    failures = []
    for mart in WEEK_MARTS:
        keys = oracle.MARTS[mart][1]
        actual = read_mart(query, mart)
        actual = actual[actual["period_grain"] == "week"]
        expected = oracle.compute(mart, week_start="sunday", **inputs)
        expected = expected[expected["period_grain"] == "week"].reset_index(drop=True)
        assert len(expected)
        sundays = pd.to_datetime(expected["period_start"]).dt.dayofweek == 6
        assert sundays.all(), "the oracle's sunday weeks must start on Sundays"
        try:
            assert_matches_oracle(actual, expected, keys, mart)
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n\n".join(failures)
