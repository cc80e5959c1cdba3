"""The insight macros work from a user's own dbt project that installs this project as a package.

The user project below is what the README's "Use it as a dbt package" section tells a user to write: a
`packages.yml` with this project, and models that call `retention_warehouse.retention_insight(...)` and
`retention_warehouse.stickiness_insight(...)`. The calls render in the user's models, where this project's vars are
not visible, so they must not depend on them; their rows must equal this project's own host views with the same
arguments (models/insights), which the unit tests pin on hand-worked events.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest

from conftest import DBT, PROJECT_DIR, Warehouse, dbt_env

# (user model, call, this project's host view with the same arguments)
CALLS = [
    ("weekly_recurring",
     "retention_insight(period='week', total_intervals=3, date_to='2024-01-21')",
     "insight_retention_week_recurring"),
    ("daily_stickiness",
     "stickiness_insight(interval='day', date_from='2024-01-03', date_to='2024-01-07')",
     "insight_stickiness_day"),
    ("channel_breakdown", None, "insight_retention_month_breakdown_channel"),
]


def host_call(view: str) -> str:
    """The macro call of a host view, read from its SQL (so the two cannot drift apart)."""
    sql = (PROJECT_DIR / "models" / "insights" / f"{view}.sql").read_text()
    start = sql.index("{{ ", sql.index("from ({{")) + 3
    return sql[start:sql.index(" }}", start)]


@pytest.fixture(scope="module")
def user_project(faulty_warehouse, tmp_path_factory) -> Warehouse:
    work_dir = tmp_path_factory.mktemp("package_user")
    database = work_dir / "warehouse.duckdb"
    shutil.copy(faulty_warehouse.database, database)
    project = work_dir / "shop_analytics"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    (project / "dbt_project.yml").write_text(textwrap.dedent("""\
        name: shop_analytics
        version: "1.0.0"
        config-version: 2
        profile: retention_warehouse
        """))
    (project / "packages.yml").write_text(f"packages:\n  - local: {PROJECT_DIR}\n")
    # the package's models live in the schemas its own naming gives them (staging, marts, ...): the user project
    # names schemas the same way, so that its refs find the tables this package built
    (project / "macros" / "generate_schema_name.sql").write_text(textwrap.dedent("""\
        {% macro generate_schema_name(custom_schema_name, node) -%}
            {{ retention_warehouse.generate_schema_name(custom_schema_name, node) }}
        {%- endmacro %}
        """))
    for model, call, view in CALLS:
        call = call or host_call(view)
        (project / "models" / f"{model}.sql").write_text(
            f"select * from ({{{{ retention_warehouse.{call} }}}}) as insight\n")
    env = dbt_env(database)
    logs = ["--log-path", str(work_dir / "logs")]
    for args in (["deps", *logs],
                 ["run", "--select", *(model for model, _, _ in CALLS), *logs, "--target-path", str(work_dir / "target")]):
        result = subprocess.run([DBT, *args], cwd=project, env=env, capture_output=True, text=True)
        assert result.returncode == 0, f"dbt {args[0]} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    return Warehouse(data_dir=faulty_warehouse.data_dir, database=database, work_dir=work_dir, env=env)


def test_host_calls_are_read_from_the_host_views():
    assert host_call("insight_retention_week_recurring") == CALLS[0][1]
    assert host_call("insight_stickiness_day") == CALLS[1][1]


@pytest.mark.parametrize("model, view", [(model, view) for model, _, view in CALLS])
def test_insight_from_a_user_project_equals_the_host_view(user_project, model, view):
    with user_project.connect() as con:
        ours = con.execute(f"select * from insights.{view}").fetchdf()
        theirs = con.execute(f"select * from main.{model}").fetchdf()
    assert len(ours) > 0, f"{view} is empty on the generated data: the comparison would prove nothing"
    assert list(theirs.columns) == list(ours.columns)
    key = list(ours.columns)
    ours = ours.sort_values(key).reset_index(drop=True)
    theirs = theirs.sort_values(key).reset_index(drop=True)
    assert theirs.equals(ours)
