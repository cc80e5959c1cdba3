"""The README's commands work as written, from a clone, without activating anything.

Every ```bash block of README.md is run, line by line, in a copy of the clone (links to the project's files, a
`retention.duckdb` built from the generated fixture data, no DBT_* variables) unless the list below says why the
test cannot run it. Where the README shows a command's output, the command's output here has the same columns
and as many rows (the README's figures are the demo build's; the fixture data are smaller).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import duckdb
import pytest

from conftest import PROJECT_DIR

README = PROJECT_DIR / "README.md"

# commands a test cannot run, with the reason (matched by their start)
NOT_RUN = {
    "make build": "the suite's fixtures build generated data the same way (tests/python/conftest.py)",
    "make test": "this is the suite",
    ".venv/bin/python -m retention_warehouse load data/2024-06-01 --append":
        "needs a day's batch folder; tests/python/test_incremental.py runs the same daily loads and builds",
    ".venv/bin/dbt build --selector daily": "the daily job after the load above (tests/python/test_daily_jobs.py)",
    ".venv/bin/dbt build --selector weekly": "rebuilds the refits and runs every data test, as the suite's build "
                                             "does (tests/python/test_daily_jobs.py checks the selection)",
}


def bash_blocks(text: str) -> list[tuple[list[str], str | None]]:
    """Each ```bash block's commands (comments dropped), with the plain ``` block after it (its output), if any."""
    fenced = re.findall(r"^```(\w*)\n(.*?)^```$", text, flags=re.S | re.M)
    blocks = []
    for at, (language, body) in enumerate(fenced):
        if language != "bash":
            continue
        commands = [re.sub(r"\s+#.*$", "", line).strip() for line in body.splitlines()]
        following = fenced[at + 1] if at + 1 < len(fenced) else ("none", "")
        blocks.append(([c for c in commands if c and not c.startswith("#")],
                       following[1] if following[0] == "" else None))
    return blocks


def table(text: str) -> tuple[list[str], int]:
    """The column names and the number of rows of the table dbt show prints."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [cell.strip() for cell in lines[0].strip("|").split("|")], len(lines) - 2


@pytest.fixture(scope="module")
def clone(faulty_warehouse, tmp_path_factory):
    """A stand-in for a fresh clone after `make build`: the project's files linked, the warehouse copied to the
    default path, nothing in target/ but the build's partial-parse file."""
    root = tmp_path_factory.mktemp("clone")
    for entry in PROJECT_DIR.iterdir():
        if entry.name not in {"target", "logs", "retention.duckdb", "dbt_packages", ".git", "spark", "data"}:
            (root / entry.name).symlink_to(entry)
    shutil.copyfile(faulty_warehouse.database, root / "retention.duckdb")
    (root / "target").mkdir()
    partial = faulty_warehouse.work_dir / "target" / "partial_parse.msgpack"
    if partial.exists():
        shutil.copyfile(partial, root / "target" / partial.name)
    return root


def run_in_clone(clone, command: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "RETENTION_", "VIRTUAL_ENV"))}
    env["PATH"] = "/usr/bin:/bin"  # nothing activated: no virtualenv on the PATH
    return subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=900)


def test_readme_has_runnable_blocks():
    blocks = bash_blocks(README.read_text())
    commands = [c for block, _ in blocks for c in block]
    assert len(commands) >= 8
    assert all(c.startswith(("make ", ".venv/bin/")) for c in commands), commands
    shown = [output for _, output in blocks if output]
    assert len(shown) >= 6


def test_readme_commands_run_from_a_clone(clone):
    ran = 0
    for commands, output in bash_blocks(README.read_text()):
        for command in commands:
            if any(command.startswith(skipped) for skipped in NOT_RUN):
                continue
            result = run_in_clone(clone, command)
            assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            ran += 1
            if output and "dbt show" in command:  # the same columns and as many rows as the README shows
                assert table(result.stdout) == table(output), f"{command}\n{result.stdout}"
    assert ran >= 6


def test_make_build_ends_with_the_warehouse_and_next_steps(clone):
    """`make build`'s last step (retention_warehouse.next_steps): the file, what it holds, three runnable steps."""
    result = run_in_clone(clone, ".venv/bin/python -m retention_warehouse.next_steps --data data/demo")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    with duckdb.connect(str(clone / "retention.duckdb"), read_only=True) as con:
        customers, first, last = con.execute("select (select count(*) from marts.dim_customers), min(order_date), "
                                             "max(order_date) from marts.fct_orders").fetchone()
    assert "Warehouse ready: retention.duckdb" in text
    assert f"{customers:,} customers" in text and f"over {(last - first).days + 1:,} days" in text
    steps = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.strip()[:2] in ("1.", "2.", "3.")]
    assert len(steps) == 3
    query = steps[0]
    assert query.startswith(".venv/bin/python -c ")
    ran = run_in_clone(clone, query)  # the first step runs as printed
    assert ran.returncode == 0 and "cohort_date" in ran.stdout, ran.stderr
