"""The Streamlit dashboard: every page renders on a real build (Streamlit's AppTest), filters change the figures,
marts that are not built yet show a note instead of failing, the big marts are only read aggregated, no
connection outlives a query; and in headless Chromium the page renders without an error box (screenshot checked).

CI needs the Debian packages `chromium` (and fonts it pulls in) for the browser test; without /usr/bin/chromium
that one test is skipped with the reason.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from conftest import PROJECT_DIR, Warehouse
from retention_warehouse.dashboard import data, screenshot, views

APP = PROJECT_DIR / "retention_warehouse" / "dashboard" / "app.py"
PAGES = list(views.PAGES)


def run_app(database: Path, monkeypatch, page: str | None = None) -> AppTest:
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(database))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    if page and page != PAGES[0]:
        at.sidebar.radio(key="page").set_value(page).run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.info] + [e.value for e in at.warning] + [e.value for e in at.markdown]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def database(faulty_warehouse: Warehouse) -> Path:
    return faulty_warehouse.database


@pytest.fixture(scope="module")
def bare_database(faulty_warehouse: Warehouse, tmp_path_factory) -> Path:
    """A copy of the build without the marts that land later or only on some targets."""
    path = tmp_path_factory.mktemp("bare") / "warehouse.duckdb"
    shutil.copyfile(faulty_warehouse.database, path)
    with duckdb.connect(str(path)) as con:
        existing = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        for table in data.OPTIONAL_MARTS + ("fct_funnel_daily_by_channel", "fct_first_purchase_experience"):
            if table in existing:
                con.execute(f"drop table marts.{table}")
    return path


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(database, monkeypatch, page):
    at = run_app(database, monkeypatch, page)
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    assert not at.error, f"{page}: {[e.value for e in at.error]}"
    assert at.title[0].value.startswith("Retention warehouse - ")
    assert views.PAGES[page][0] in at.title[0].value


def test_cohort_filters_change_the_figures(database, monkeypatch):
    at = run_app(database, monkeypatch, "cohorts")
    base = metrics(at)
    assert base["Cohorts shown"] != "0"
    at.selectbox(key="activity_basis").set_value("purchase").run()
    purchase = metrics(at)
    assert purchase["Period 1 (month), all cohorts pooled"] != base["Period 1 (month), all cohorts pooled"]
    at.selectbox(key="cohort_basis").set_value("first_order").run()
    first_order = metrics(at)
    assert first_order["Customers in them"] != purchase["Customers in them"]
    at.selectbox(key="grain").set_value("week").run()
    weekly = metrics(at)
    assert "Period 1 (week), all cohorts pooled" in weekly
    at.selectbox(key="split_week").set_value("acquisition_channel").run()
    assert not at.exception
    by_channel = metrics(at)
    assert by_channel["Customers in them"] != weekly["Customers in them"]
    at.selectbox(key="grain").set_value("day").run()
    assert not at.exception and "Period 1 (day), all cohorts pooled" in metrics(at)


def test_activity_date_range_changes_the_figures(database, monkeypatch):
    at = run_app(database, monkeypatch, "activity")
    before = metrics(at)["Average DAU"]
    start, end = at.date_input(key="activity_range").value
    at.date_input(key="activity_range").set_value((start, start + (end - start) / 6)).run()
    assert not at.exception
    assert metrics(at)["Average DAU"] != before


def test_lifecycle_and_value_pages_show_the_marts(database, monkeypatch):
    at = run_app(database, monkeypatch, "lifecycle")
    stages = metrics(at)
    assert set(stages) >= {"prospect", "new", "active", "churned"}
    at.selectbox(key="stage_grain").set_value("month").run()
    assert not at.exception
    at.sidebar.radio(key="page").set_value("value").run()
    assert not at.exception
    assert len(at.dataframe) >= 2  # RFM segments and tiers


def test_optional_marts_not_built_yet(bare_database, monkeypatch):
    for page in ("value", "experiments", "activation"):
        at = run_app(bare_database, monkeypatch, page)
        assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
        notes = " ".join(i.value for i in at.info)
        assert "not built yet" in notes, f"{page} shows no 'not built yet' note"
    assert "fct_audience_win_back" in notes and "fct_funnel_daily" in notes


def test_optional_marts_are_picked_up_when_built(database, monkeypatch):
    built = data.Warehouse(database).tables()
    at = run_app(database, monkeypatch, "activation")
    notes = " ".join(i.value for i in at.info)
    for table in views.AUDIENCES:
        if table in built:
            assert f"`{table}`" not in notes, f"{table} is built but shown as missing"
    downloads = at.get("download_button")
    assert len(downloads) == sum(t in built for t in views.AUDIENCES)
    if "fct_funnel_daily" in built:
        assert "View to cart" in metrics(at)
    if "fct_experiment_retention" in built:
        at.sidebar.radio(key="page").set_value("experiments").run()
        assert not at.exception and "`fct_experiment_retention`" not in " ".join(i.value for i in at.info)
        assert any("control" in label for label in metrics(at))
    if "fct_customer_clv" in built:
        at.sidebar.radio(key="page").set_value("value").run()
        assert "Customers scored" in metrics(at)


def test_audience_csv_is_the_whole_mart(database):
    wh = data.Warehouse(database)
    for table in [t for t in views.AUDIENCES if wh.has(t)] or pytest.skip("no audience mart built"):
        csv = data.table_csv(wh, table).decode()
        assert csv.count("\n") == data.table_count(wh, table) + 1
        assert csv.splitlines()[0].split(",")[:2] == wh.columns(table)[:2]


def test_reads_aggregate_and_release_the_file(bare_database, tmp_path, monkeypatch):
    """Every page aggregates the big marts in SQL (never `select *` of them) and no connection outlives its query,
    so `dbt build` can take the file between two queries."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(bare_database, database)
    issued: list[str] = []
    original = data.Warehouse.query

    def recording(self, sql, params=None):
        issued.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(data.Warehouse, "query", recording)
    at = run_app(database, monkeypatch)
    for page in PAGES[1:]:
        at.sidebar.radio(key="page").set_value(page).run()
        assert not at.exception
    big = ("fct_customer_activity_daily", "fct_orders", "dim_customers", "fct_customer_rfm")
    for sql in issued:
        for table in big:
            if re.search(rf"\b{table}\b", sql):
                assert re.search(r"count\(|sum\(|avg\(|group by|limit \d+", sql, re.I), \
                    f"{table} read without aggregation:\n{sql}"
    with duckdb.connect(str(database)) as con:  # read-write: fails if a read-only connection were still open
        con.execute("create table main.touched as select 1 as x")


def test_cache_key_follows_the_file(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts;"
                    " create table marts.fct_active_customers_daily as select date '2024-01-01' as activity_date")
    wh = data.Warehouse(path)
    first = wh.version()
    os.utime(path, ns=(first + 5_000_000_000, first + 5_000_000_000))
    assert wh.version() != first
    assert str(data.as_of_date(wh).date()) == "2024-01-01"
    with pytest.raises(data.WarehouseMissing):
        data.Warehouse(tmp_path / "absent.duckdb").query("select 1")


@pytest.mark.skipif(screenshot.find_chromium() is None,
                    reason="headless Chromium is not installed (apt-get install chromium); the browser check needs it")
def test_dashboard_in_headless_chromium(database, tmp_path):
    from PIL import Image

    shots = {}
    with screenshot.serve(database) as url, screenshot.Browser() as browser:
        for page in ("overview", "cohorts"):
            capture = browser.capture(f"{url}/?page={page}", height=screenshot.PAGE_HEIGHTS[page])
            assert "Retention warehouse" in capture.text, "title missing from the rendered page"
            assert f"Retention warehouse - {views.PAGES[page][0]}" in capture.html
            assert capture.exceptions == 0 and capture.error_alerts == 0, f"{page} shows an error"
            for phrase in ("Traceback", "Error:", "Exception"):
                assert phrase not in capture.text, f"{page} shows {phrase!r}"
            assert capture.charts >= 2, f"{page} rendered {capture.charts} charts"
            png = screenshot.compact_png(capture.png)
            assert len(png) < 500_000
            (tmp_path / f"{page}.png").write_bytes(png)
            image = Image.open(io.BytesIO(png)).convert("RGB")
            assert image.size[0] == 1400
            colours = image.getcolors(maxcolors=1 << 16) or []
            assert len(colours) > 20, f"{page} screenshot looks blank"
            shots[page] = image
    if os.environ.get("UPDATE_SCREENSHOTS"):  # refresh the committed screenshots from this build
        target = PROJECT_DIR / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for page in shots:
            shutil.copyfile(tmp_path / f"{page}.png", target / f"dashboard_{page}.png")


def test_busy_warehouse_shows_a_note(bare_database, tmp_path, monkeypatch):
    """While a build holds the write lock the dashboard says so (after brief retries) instead of failing."""
    import subprocess
    import sys
    import time

    database = tmp_path / "locked.duckdb"
    shutil.copyfile(bare_database, database)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
                               " print('locked', flush=True); time.sleep(60)", str(database)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(data.WarehouseBusy):
            data.Warehouse(database, retries=1, retry_wait=0.05).query("select 1")
        started = time.monotonic()
        at = run_app(database, monkeypatch)
        assert not at.exception
        assert any("being rebuilt" in w.value for w in at.warning)
        assert time.monotonic() - started < 30  # six retries, half a second apart
    finally:
        holder.kill()
        holder.wait()
