"""Every public mart built from data with faults injected in every class equals the mart built from the same data
without faults: quarantine, dedupe and correction leave the metrics exactly as if the feed had been clean."""

from __future__ import annotations

import json

import pytest

from conftest import build_warehouse
from test_engines import assert_same_rows, fetch_duckdb


@pytest.fixture(scope="module")
def clean_warehouse(tmp_path_factory):
    # the same seed, size and period as faulty_warehouse, with no fault injected
    return build_warehouse(tmp_path_factory.mktemp("clean"), customers=1500, days=300, seed=7, fault_rate=0.0)


def test_faulty_feed_gives_the_marts_of_the_clean_feed(faulty_warehouse, clean_warehouse):
    manifest = json.loads((clean_warehouse.work_dir / "target" / "manifest.json").read_text())
    marts = sorted((node["name"], list(node["columns"])) for node in manifest["nodes"].values()
                   if node["resource_type"] == "model" and node.get("access") == "public")
    assert len(marts) >= 20
    raw_faulty = fetch_duckdb(faulty_warehouse, "select count(*) from raw.events")[0][0]
    raw_clean = fetch_duckdb(clean_warehouse, "select count(*) from raw.events")[0][0]
    assert raw_faulty > raw_clean, "the faulty feed must really hold more rows"
    for name, columns in marts:
        sql = f"select {', '.join(columns)} from marts.{name}"
        clean = fetch_duckdb(clean_warehouse, sql)
        assert clean, f"{name} is empty"
        assert_same_rows(name, columns, clean, fetch_duckdb(faulty_warehouse, sql))
