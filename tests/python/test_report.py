"""The periodic HTML retention report: every section is there with a non-empty chart, nothing is loaded from the
network, the headline figures equal the marts, and the report of a past period only uses what was known then."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pandas as pd
import pytest

from conftest import PROJECT_DIR, Warehouse
from retention_warehouse.dashboard import data
from retention_warehouse.report import ReportError, build_report, resolve_period
from retention_warehouse.report.content import build_content

SECTIONS = ["headline", "movements", "heatmap", "curves", "activity", "lifecycle", "segments"]


@pytest.fixture(scope="module")
def wh(faulty_warehouse: Warehouse) -> data.Warehouse:
    return data.Warehouse(faulty_warehouse.database)


@pytest.fixture(scope="module")
def monthly(wh):
    return build_content(wh, "month", None)


@pytest.fixture(scope="module")
def monthly_html(faulty_warehouse):
    return build_report(faulty_warehouse.database, "month", None, generated_at=dt.datetime(2025, 1, 1))


def section(html: str, key: str) -> str:
    match = re.search(rf'<section id="{key}">(.*?)</section>', html, re.S)
    assert match, f"section {key} is missing"
    return match.group(1)


def assert_charts_have_data(fragment: str, key: str) -> None:
    assert 'class="chart empty"' not in fragment, f"{key}: an empty chart"
    for svg in re.findall(r'<svg class="chart".*?</svg>', fragment, re.S):
        polylines = re.findall(r'<polyline class="series" points="([^"]*)"', svg)
        bars = re.findall(r'<rect class="bar"', svg)
        assert bars or any(len(p.split()) >= 2 for p in polylines), f"{key}: a chart without data"


@pytest.mark.parametrize("grain", ["month", "week"])
def test_report_has_every_section_and_no_empty_chart(faulty_warehouse, grain):
    html = build_report(faulty_warehouse.database, grain, None)
    for key in SECTIONS:
        fragment = section(html, key)
        assert_charts_have_data(fragment, key)
    assert len(re.findall(r'<svg class="chart"', html)) >= 6
    heatmap = section(html, "heatmap")
    assert len(re.findall(r'<td class="cell', heatmap)) >= 30, "the heatmap has too few cells"
    assert section(html, "movements").count("<li>") >= 1
    assert len(re.findall(r'<tr><td class="name">', section(html, "headline"))) >= 15


def test_report_is_self_contained(monthly_html):
    lowered = monthly_html.lower()
    for pattern in ("<script", "<link", "<img", "<iframe", "src=", "url(", "@import", "http://", "https://"):
        assert pattern not in lowered, f"the report loads {pattern!r}: it must be self-contained"
    assert lowered.startswith("<!doctype html>") and lowered.rstrip().endswith("</html>")


def test_headline_figures_equal_the_marts(wh, monthly):
    period, previous = monthly.period, monthly.previous
    assert period.end <= monthly.as_of and period.start.day == 1  # default: the latest complete month
    figures = {f.name: f for f in monthly.figures}
    actives = wh.query("select month_start, active_customers from {marts}.fct_active_customers_monthly")
    actives = {pd.Timestamp(r.month_start).date(): r.active_customers for r in actives.itertuples()}
    active = figures["Active customers (distinct, in the month)"]
    assert (active.current, active.previous) == (actives[period.start], actives[previous.start])
    revenue = wh.query("""select date_trunc('month', order_date) as m, sum(net_revenue) as revenue, count(*) as orders
                          from {marts}.fct_orders group by 1""")
    revenue = {pd.Timestamp(r.m).date(): r for r in revenue.itertuples()}
    assert figures["Net revenue"].current == pytest.approx(float(revenue[period.start].revenue), rel=1e-12)
    assert figures["Orders"].previous == revenue[previous.start].orders
    churn = wh.query("select month_start, churn_rate from {marts}.fct_churn_monthly")
    churn = {pd.Timestamp(r.month_start).date(): r.churn_rate for r in churn.itertuples()}
    assert figures["Monthly churn rate"].current == pytest.approx(churn[period.start])
    assert figures["Monthly churn rate"].change == pytest.approx(churn[period.start] - churn[previous.start])
    signups = wh.query("select count(*) as n from {marts}.dim_customers where signup_date between ? and ?",
                       (str(period.start), str(period.end)))["n"].iloc[0]
    assert figures["New signups"].current == signups
    # day-7 retention of the cohorts whose day 7 fell in the month, from the headline mart
    d7 = wh.query("""select sum(d7_retained_customers) / sum(cohort_size) as rate from {marts}.fct_retention_headline
                     where cohort_basis = 'signup' and cohort_date + 7 between cast(? as date) and cast(? as date)""",
                  (str(period.start), str(period.end)))["rate"].iloc[0]
    assert {f.name: f for f in monthly.retention_figures}["Day-7 retention"].current == pytest.approx(d7)
    stages = wh.query("select lifecycle_stage, customers from {marts}.fct_lifecycle_stage_daily where stage_date = ?",
                      (str(period.end),)).set_index("lifecycle_stage")["customers"]
    reported = monthly.stages.set_index("lifecycle_stage")["end"].to_dict()
    assert reported == {stage: int(stages.get(stage, 0)) for stage in reported}


def test_past_period_uses_only_what_was_known(wh):
    first_complete = resolve_period("month", None, data.as_of_date(wh).date())
    earlier = first_complete.shift(-2)
    content = build_content(wh, "month", earlier.start.strftime("%Y-%m"))
    assert content.known_at == earlier.end
    assert (content.heatmap["period_start"] <= pd.Timestamp(earlier.end)).all()
    assert content.heatmap["cohort_start"].max() <= pd.Timestamp(earlier.start)
    assert content.activity["activity_date"].max() <= pd.Timestamp(earlier.end)
    # the same cell reads the same from the later build: complete cells are final
    later = build_content(wh, "month", first_complete.start.strftime("%Y-%m"))
    key = ["cohort_start", "period_number"]
    merged = content.heatmap[content.heatmap["known_complete"]].merge(later.heatmap, on=key, suffixes=("", "_later"))
    assert len(merged) > 0 and (merged["retention_rate"] == merged["retention_rate_later"]).all()


def test_period_in_progress_is_flagged(wh):
    as_of = data.as_of_date(wh).date()
    content = build_content(wh, "month", as_of.strftime("%Y-%m"))
    assert content.known_at == as_of
    assert any("still in progress" in note for note in content.notes)


def test_period_parsing_and_errors(wh):
    as_of = dt.date(2024, 10, 26)
    assert resolve_period("month", "2024-06", as_of).start == dt.date(2024, 6, 1)
    assert resolve_period("month", "2024-06-17", as_of).end == dt.date(2024, 6, 30)
    assert resolve_period("week", "2024-06-13", as_of).start == dt.date(2024, 6, 10)  # Monday weeks
    assert resolve_period("week", "2024-06-13", as_of, week_start=6).start == dt.date(2024, 6, 9)  # Sunday weeks
    assert resolve_period("week", "2024-W24", as_of).start == dt.date(2024, 6, 10)
    assert resolve_period("month", None, as_of).start == dt.date(2024, 9, 1)  # latest complete month
    with pytest.raises(ReportError):
        resolve_period("month", "2024-11", as_of)
    with pytest.raises(ReportError):
        resolve_period("month", "June", as_of)
    with pytest.raises(ReportError):
        build_content(wh, "month", "1999-01")


def test_cli_writes_the_report(faulty_warehouse, tmp_path):
    out = tmp_path / "report.html"
    result = subprocess.run([sys.executable, "-m", "retention_warehouse.report", "--period", "week",
                             "--database", str(faulty_warehouse.database), "--out", str(out)],
                            cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.read_text().count("<section id=") == len(SECTIONS)
    bad = subprocess.run([sys.executable, "-m", "retention_warehouse.report", "--date", "2099-01",
                          "--database", str(faulty_warehouse.database), "--out", str(tmp_path / "x.html")],
                         cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "after as_of_date" in bad.stderr
