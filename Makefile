# Two commands set everything up on a fresh machine:
#   make build   virtualenv + install + demo data + load + dbt build on the embedded DuckDB default
#   make test    the whole test suite (lint, dbt unit and data tests on generated data, pytest)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt
DEMO_DIR ?= data/demo
DEMO_CUSTOMERS ?= 5000
DEMO_SEED ?= 42

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_DUCKDB_PATH ?= $(CURDIR)/retention.duckdb

.PHONY: install install-test system-deps build demo-data load dbt-build test lint pytest docs clean dashboard report semantic screenshots

# `install` is what the warehouse needs (dbt, DuckDB, PostgreSQL adapter, MetricFlow, the dashboard);
# `install-test` adds the test tools and the Spark extra (pyspark is about 500 MB), for `make test` and the
# Spark target only
install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	@echo "==> installing into $(VENV) (dbt, DuckDB, the dashboard; about 2 minutes on a fresh machine)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	@echo "==> installing the test tools and the Spark extra into $(VENV)"
	$(PY) -m pip install --quiet -e '.[dev,spark]'
	touch $@

build: install demo-data load dbt-build
	@$(PY) -m retention_warehouse.next_steps --data $(DEMO_DIR)

demo-data: install
	@echo "==> generating $(DEMO_CUSTOMERS) demo customers into $(DEMO_DIR)"
	$(PY) -m retention_warehouse generate --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED) --out $(DEMO_DIR)

load: install
	@echo "==> loading $(DEMO_DIR) into $(DBT_DUCKDB_PATH)"
	$(PY) -m retention_warehouse load $(DEMO_DIR)

dbt-build: install
	@echo "==> dbt build on DuckDB ($(DBT_DUCKDB_PATH)): models, unit tests and data tests"
	$(DBT) build

test: install-test system-deps lint pytest

system-deps:
	bash scripts/install-system-deps.sh

lint: install-test
	$(VENV)/bin/sqlfluff lint models macros analyses tests/dbt snapshots --processes 2

pytest: install-test
	$(PY) -m pytest tests/python

docs: install
	$(DBT) docs generate

dashboard: install
	$(PY) -m streamlit run retention_warehouse/dashboard/app.py --server.headless true --browser.gatherUsageStats false

report: install
	$(PY) -m retention_warehouse report --period $(or $(PERIOD),month) $(if $(DATE),--date $(DATE)) --out $(or $(OUT),retention_report.html)

semantic: install
	$(DBT) parse && $(VENV)/bin/mf validate-configs

screenshots: install
	$(PY) -m retention_warehouse.dashboard.screenshot --out docs/screenshots --pages overview cohorts value

clean:
	rm -rf target logs data retention.duckdb
