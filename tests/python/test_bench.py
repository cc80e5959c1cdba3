"""The benchmark's report: its ratios from phase timings worked out by hand (the large runs stay out of CI; these
check the arithmetic and the labels the recorded figures are read by)."""

from __future__ import annotations

import json
import re

from retention_warehouse.bench import (DAILY_PHASES, DATA_TESTS_PHASE, FLOOR_PHASES, JOB_PHASES, Phase,
                                       model_thread_seconds, report)


def phases(floor: bool = True, pandas_failed: bool = False, floor_failed: bool = False) -> list[Phase]:
    timed = [
        Phase("generate", 10.0, 100.0, 1_000),
        Phase("dbt build (full, with tests)", 200.0, 100.0, 1_000, model_seconds=(40.0, 160.0)),
        Phase(DAILY_PHASES[0], 50.0, 100.0, 10),
        Phase(DAILY_PHASES[1], 40.0, 100.0, 10),
        Phase(DAILY_PHASES[2], 30.0, 100.0, 10, model_seconds=(4.0, 150.0)),
        Phase(JOB_PHASES[0], 36.0, 100.0),
        Phase(JOB_PHASES[1], 70.0, 100.0),
        Phase(DATA_TESTS_PHASE, 24.0, 100.0),
        Phase("dbt run: retention marts", 20.0, 100.0),
        Phase("dbt run: fct_cohort_retention", 5.0, 100.0),
        Phase("sql only: fct_cohort_retention", 3.0, 100.0),
        Phase("scan: cohort activity (floor)", 2.0, 100.0),
        Phase("pipeline: load + build to cohort", 100.0, 100.0),
        Phase("pandas: raw files to cohort (FAILED)" if pandas_failed else "pandas: raw files to cohort", 50.0,
              100.0),
    ]
    if floor:
        timed += [Phase(name, seconds, 100.0, 1) for name, seconds in zip(FLOOR_PHASES, (16.0, 10.0, 6.0))]
    if floor_failed:
        timed.append(Phase(f"{FLOOR_PHASES[0]} (FAILED)", 0.0, 0.0))
    return timed


def ratio_lines(text: str) -> dict[str, str]:
    """Each summary line's label mapped to its figure (a number with its unit: s, % or x); the phase table's lines
    carry no unit and are left out."""
    lines = {}
    for line in text.splitlines():
        match = re.match(r"(\S.*?)\s+(\d+\.\d(?: s|%|x))(?:\s|$)", line)
        if match:
            lines[match.group(1)] = match.group(2)
    return lines


def test_ratios_against_the_full_build_and_the_references():
    lines = ratio_lines(report(1_000, phases()))
    assert lines == {
        "full dbt build": "200.0 s",
        "ratio one new day / full build": "25.0%",   # 50 / 200
        "ratio one new day / full build, prod.": "20.0%",   # 40 / 200
        "ratio one new day / full build, run": "15.0%",   # 30 / 200
        "ratio cohort mart SQL / its scan": "1.5x",   # 3 / 2
        "ratio cohort mart dbt run / scan": "2.5x",   # 5 / 2
        "ratio retention marts / scan": "10.0x",   # 20 / 2
        "ratio pandas / our pipeline from files": "0.5x",   # 50 / 100
        "ratio daily job / full build": "18.0%",   # 36 / 200
        "ratio weekly job / full build": "35.0%",   # 70 / 200
        "ratio data tests alone / full build": "12.0%",   # 24 / 200
        "floor one new day / full build": "8.0%",   # 16 / 200
        "floor one new day, prod. / full build": "5.0%",   # 10 / 200
        "floor one new day, run / full build": "3.0%",   # 6 / 200
        "ratio incremental models, day / full": "10.0%",   # 4 / 40 thread s
        "ratio other models, day / full": "93.8%",   # 150 / 160 thread s
    }


def test_no_floor_lines_without_the_floor_run_and_a_failed_pandas_reference_is_named():
    text = report(1_000, phases(floor=False, pandas_failed=True))
    assert not [label for label in ratio_lines(text) if label.startswith("floor")]
    assert "ratio pandas / our pipeline from files      n/a" in text
    assert "floor 1k" not in text and "floor one new day" not in text


def test_a_failed_floor_is_reported_and_the_other_ratios_stay():
    text = report(1_000, phases(floor=False, floor_failed=True))
    assert "floor one new day / full build              n/a   (the 1,000-customer warehouse failed" in text
    assert ratio_lines(text)["ratio one new day / full build"] == "25.0%"


def test_model_thread_seconds_split_incremental_models_from_the_rest(tmp_path):
    nodes = {
        "model.p.base": {"resource_type": "model", "config": {"materialized": "incremental"}},
        "model.p.days": {"resource_type": "model", "config": {"materialized": "incremental"}},
        "model.p.mart": {"resource_type": "model", "config": {"materialized": "table"}},
        "model.p.view": {"resource_type": "model", "config": {"materialized": "view"}},
        "test.p.unique": {"resource_type": "test", "config": {"materialized": "test"}},
    }
    results = [{"unique_id": unique_id, "execution_time": seconds} for unique_id, seconds in (
        ("model.p.base", 1.5), ("model.p.days", 2.0), ("model.p.mart", 7.0), ("model.p.view", 0.25),
        ("test.p.unique", 100.0), ("operation.p.hook", 100.0))]
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    # tests and hooks are not models: left out of both sums
    assert model_thread_seconds(tmp_path) == (3.5, 7.25)
