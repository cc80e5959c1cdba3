"""The Explore page's retention insight: the project's `retention_insight` macro (macros/insights/retention_insight.sql,
documented in models/docs/insights.md) rendered to SQL by dbt for one set of arguments, then run read-only by the
dashboard's data layer.

dbt renders the macro in this process through its programmatic interface (`dbtRunner`): the project is parsed once
(`dbt parse`, warm from dbt's partial-parse file after the first time) and the manifest kept in memory; each new
argument set is then one `dbt compile --inline` against that manifest (`--no-populate-cache --no-introspect`, so dbt
never opens the DuckDB file: the dashboard stays a reader and never blocks `dbt build`). Compiled SQL is cached per
argument set; the cache is dropped when a file of the project (macros, models, dbt_project.yml, profiles.yml)
changes or the warehouse's catalog differs from the one the manifest was parsed for.

Configuration (environment, all optional):
  RETENTION_DBT_PROJECT_DIR    the dbt project (default: this checkout's root)
  DBT_PROFILES_DIR             where profiles.yml is (default: the project directory, which ships one)
  RETENTION_DBT_VARS           vars as YAML, passed as `--vars` (use the same as for `dbt build`, e.g. week_start)
  RETENTION_DASHBOARD_DBT_DIR  dbt's target and log directory for these compilations (default: a directory in the
                               system temp dir, one per project); keeps the partial-parse file between restarts
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]
PACKAGE = "retention_warehouse"
PERIODS = ("day", "week", "month")
RETENTION_TYPES = ("recurring", "first_time", "first_ever")
ORDER = "order"  # the macro's name for a valid order (fct_orders)
# customer attributes a breakdown can name (macros/insights/insight_breakdown.sql, insight_customer_attributes)
CUSTOMER_ATTRIBUTES = ("acquisition_channel", "country_code", "membership_tier", "lifecycle_stage", "rfm_segment",
                       "is_inferred")
PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # what the macro accepts as a filter or breakdown name
FINGERPRINT_PATHS = ("macros", "models", "dbt_project.yml", "packages.yml", "dependencies.yml")
COMPILED_CACHE_SIZE = 256

Filters = tuple[tuple[str, tuple[str, ...]], ...]  # ((property, (value, ...)), ...): equal to any of the values


class InsightUnavailable(RuntimeError):
    """dbt cannot render insights for this warehouse (not installed, no project or profile, another engine)."""


class InsightCompileError(ValueError):
    """The macro refused the arguments; the message is dbt's (the macro's one-line explanation)."""


# --- the macro call ------------------------------------------------------------------------------------------------

def jinja_literal(value: Any) -> str:
    """A Python value as a Jinja literal: none, true/false, numbers, strings (JSON-escaped, which Jinja reads back
    exactly), dates as 'YYYY-MM-DD', lists and dicts of these."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(jinja_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{jinja_literal(str(k))}: {jinja_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Jinja literal for {type(value).__name__}")


def _filters_argument(filters: Filters) -> dict[str, str | list[str]] | None:
    if not filters:
        return None
    return {prop: values[0] if len(values) == 1 else list(values) for prop, values in filters}


@dataclass(frozen=True)
class InsightArgs:
    """One choice of the Explore page: the arguments of retention_insight (models/docs/insights.md). None for an
    event means any activity; filters are property equalities on event types."""

    date_to: dt.date
    period: str = "week"
    total_intervals: int = 8
    date_from: dt.date | None = None
    retention_type: str = "first_time"
    target_event: str | None = None
    returning_event: str | None = None
    target_filters: Filters = ()
    returning_filters: Filters = ()
    minimum_occurrences: int = 1
    cumulative: bool = False
    breakdown: str | None = None
    breakdown_type: str | None = None

    def macro_call(self) -> str:
        """`retention_warehouse.retention_insight(...)` with every argument that differs from the macro's default
        omitted, so equal choices give equal text (the cache key)."""
        arguments: dict[str, Any] = {
            "period": self.period,
            "total_intervals": self.total_intervals,
            "date_to": self.date_to,
            "date_from": self.date_from,
            "retention_type": self.retention_type,
            "target_event": self.target_event,
            "returning_event": self.returning_event,
            "target_filters": _filters_argument(self.target_filters),
            "returning_filters": _filters_argument(self.returning_filters),
            "minimum_occurrences": self.minimum_occurrences,
            "cumulative": self.cumulative,
            "breakdown": self.breakdown,
            "breakdown_type": self.breakdown_type,
        }
        defaults = {"date_from": None, "target_event": None, "returning_event": None, "target_filters": None,
                    "returning_filters": None, "minimum_occurrences": 1, "cumulative": False, "breakdown": None,
                    "breakdown_type": None}
        shown = {k: v for k, v in arguments.items() if k not in defaults or v != defaults[k]}
        return f"{PACKAGE}.retention_insight(" + ", ".join(f"{k}={jinja_literal(v)}" for k, v in shown.items()) + ")"

    def inline_sql(self) -> str:
        """The query dbt compiles: the insight as a subquery, ordered like the examples in analyses/insights."""
        order = "breakdown_value, cohort_start, period_number" if self.breakdown else "cohort_start, period_number"
        return f"select * from ({{{{ {self.macro_call()} }}}}) as insight order by {order}"


# --- dbt ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Compiled:
    """Compiled SQL of one argument set and what it cost."""

    sql: str
    seconds: float        # dbt compile for this argument set (0 when served from the cache)
    parse_seconds: float  # dbt parse done for this call (0 when the manifest was already in memory)
    cached: bool


_DBT_LOCK = threading.Lock()  # dbt's flags and event manager are process-global: one invocation at a time


def _clean(message: str) -> str:
    message = re.sub(r"\x1b\[[0-9;]*m", "", message)
    message = message.removeprefix("Encountered an error:\n")
    message = re.sub(r"^Error while parsing node: inline_query\n", "", message)
    return message.strip()


def _fingerprint(project_dir: Path, profiles_dir: Path) -> int:
    """Latest modification time of the files whose change can change the compiled SQL."""
    latest = 0
    for name in FINGERPRINT_PATHS:
        path = project_dir / name
        if path.is_file():
            latest = max(latest, path.stat().st_mtime_ns)
        elif path.is_dir():
            for root, _, files in os.walk(path):
                for file in files:
                    if file.endswith((".sql", ".yml", ".yaml")):
                        latest = max(latest, os.stat(os.path.join(root, file)).st_mtime_ns)
    profile = profiles_dir / "profiles.yml"
    if profile.is_file():
        latest = max(latest, profile.stat().st_mtime_ns)
    return latest


class InsightCompiler:
    """Renders retention_insight calls to SQL with dbt, in this process; thread-safe."""

    def __init__(self, project_dir: Path, profiles_dir: Path, work_dir: Path, vars_yaml: str | None = None):
        self.project_dir = project_dir
        self.profiles_dir = profiles_dir
        self.work_dir = work_dir
        self.vars_yaml = vars_yaml
        self._manifest: Any = None
        self._manifest_key: tuple | None = None
        self._manifest_database: str | None = None
        self._compiled: OrderedDict[tuple, str] = OrderedDict()

    @classmethod
    def from_env(cls) -> InsightCompiler:
        project_dir = Path(os.environ.get("RETENTION_DBT_PROJECT_DIR") or PROJECT_DIR).resolve()
        profiles_dir = Path(os.environ.get("DBT_PROFILES_DIR") or project_dir).resolve()
        default_work = Path(tempfile.gettempdir()) / (
            "retention-dashboard-dbt-" + hashlib.sha1(str(project_dir).encode()).hexdigest()[:10])
        work_dir = Path(os.environ.get("RETENTION_DASHBOARD_DBT_DIR") or default_work)
        return cls(project_dir, profiles_dir, work_dir, os.environ.get("RETENTION_DBT_VARS") or None)

    def config_key(self) -> tuple:
        return (str(self.project_dir), str(self.profiles_dir), str(self.work_dir), self.vars_yaml,
                os.environ.get("RETENTION_TARGET"))

    # -- dbt invocations --

    def _common_args(self) -> list[str]:
        args = ["--project-dir", str(self.project_dir), "--profiles-dir", str(self.profiles_dir),
                "--target-path", str(self.work_dir / "target"), "--log-path", str(self.work_dir / "logs"),
                "--log-level", "none", "--log-level-file", "none", "--no-write-json"]
        if self.vars_yaml:
            args += ["--vars", self.vars_yaml]
        return args

    def _invoke(self, command: list[str], manifest: Any = None) -> tuple[Any, list[str]]:
        from dbt.cli.main import dbtRunner

        errors: list[str] = []

        def collect(event: Any) -> None:
            if event.info.level == "error" and event.info.name != "MainStackTrace":
                errors.append(_clean(event.info.msg))

        result = dbtRunner(manifest=manifest, callbacks=[collect]).invoke([*command, *self._common_args()])
        return result, [e for e in errors if e and e != "Error parsing inline query"]

    def _parse(self) -> float:
        if not (self.project_dir / "dbt_project.yml").is_file():
            raise InsightUnavailable(f"no dbt project at {self.project_dir} (set RETENTION_DBT_PROJECT_DIR to the "
                                     "directory of dbt_project.yml)")
        if not (self.profiles_dir / "profiles.yml").is_file():
            raise InsightUnavailable(f"no profiles.yml in {self.profiles_dir} (set DBT_PROFILES_DIR)")
        try:
            import dbt.cli.main  # noqa: F401
        except ImportError as error:
            raise InsightUnavailable(f"dbt-core is not installed in this environment ({error})") from error
        self.work_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        result, errors = self._invoke(["parse"])
        seconds = time.perf_counter() - started
        if not result.success or result.result is None:
            detail = "; ".join(errors) or str(result.exception or "dbt parse failed")
            raise InsightUnavailable(f"dbt could not parse the project: {detail}")
        manifest = result.result
        if manifest.metadata.adapter_type != "duckdb":
            raise InsightUnavailable(f"the dbt target is {manifest.metadata.adapter_type}; the dashboard reads "
                                     "DuckDB (set RETENTION_TARGET=duckdb)")
        if f"macro.{PACKAGE}.retention_insight" not in manifest.macros:
            raise InsightUnavailable(f"the dbt project at {self.project_dir} has no retention_insight macro")
        databases = {node.database for node in manifest.nodes.values()
                     if node.resource_type == "model" and node.package_name == PACKAGE}
        self._manifest = manifest
        self._manifest_database = databases.pop() if len(databases) == 1 else None
        self._compiled.clear()
        return seconds

    def _drop_inline_nodes(self) -> None:
        """dbt adds the inline query to the manifest and removes it after a run; a run that stops early (an error
        before the nodes run) leaves it, and the next compile would then see two nodes of that name."""
        for unique_id in [uid for uid, node in self._manifest.nodes.items()
                          if node.resource_type == "sql_operation" and node.name == "inline_query"]:
            del self._manifest.nodes[unique_id]

    def compile(self, inline_sql: str, database: str) -> Compiled:
        """Compile `inline_sql` (Jinja calling the project's macros) for the DuckDB catalog `database` (the name the
        warehouse file has when opened: `current_database()`)."""
        with _DBT_LOCK:
            parse_seconds = 0.0
            key = (self.config_key(), _fingerprint(self.project_dir, self.profiles_dir))
            if self._manifest is None or key != self._manifest_key or database != self._manifest_database:
                parse_seconds = self._parse()
                self._manifest_key = key
                if self._manifest_database != database:
                    raise InsightUnavailable(
                        f"dbt's profile builds the catalog '{self._manifest_database}', the dashboard reads "
                        f"'{database}': point DBT_DUCKDB_PATH at the warehouse file for both")
            cache_key = (key, database, inline_sql)
            if cache_key in self._compiled:
                self._compiled.move_to_end(cache_key)
                return Compiled(self._compiled[cache_key], 0.0, parse_seconds, True)
            started = time.perf_counter()
            try:
                result, errors = self._invoke(["compile", "--inline", inline_sql, "--no-populate-cache",
                                               "--no-introspect"], self._manifest)
            finally:
                self._drop_inline_nodes()
            seconds = time.perf_counter() - started
            if not result.success:
                raise InsightCompileError("; ".join(errors) or str(result.exception or "dbt compile failed"))
            sql = result.result.results[0].node.compiled_code
            self._compiled[cache_key] = sql
            while len(self._compiled) > COMPILED_CACHE_SIZE:
                self._compiled.popitem(last=False)
            return Compiled(sql, seconds, parse_seconds, False)


_COMPILERS: dict[tuple, InsightCompiler] = {}


def compiler_from_env() -> InsightCompiler:
    """The process's compiler for the current environment (one manifest in memory per configuration)."""
    fresh = InsightCompiler.from_env()
    return _COMPILERS.setdefault(fresh.config_key(), fresh)


# --- project settings the dashboard shows ----------------------------------------------------------------------

def project_var(name: str, default: Any = None) -> Any:
    """A plain var of the project: RETENTION_DBT_VARS (the overrides the dashboard passes to dbt) over
    dbt_project.yml. Only literal values; a var written as Jinja is returned as written."""
    import yaml

    compiler = InsightCompiler.from_env()
    value = default
    project = compiler.project_dir / "dbt_project.yml"
    if project.is_file():
        config = yaml.safe_load(project.read_text()) or {}
        value = (config.get("vars") or {}).get(name, value)
    if compiler.vars_yaml:
        overrides = yaml.safe_load(compiler.vars_yaml) or {}
        if isinstance(overrides, dict):
            value = overrides.get(name, value)
    return value


def reporting_currency() -> str:
    """The project var reporting_currency (default USD): every money figure of the marts is in it."""
    value = project_var("reporting_currency", "USD")
    return value if isinstance(value, str) and re.fullmatch(r"[A-Z]{3}", value) else "USD"
