"""The command line: every command's --help names its options with their defaults, a bad date is a one-line error
with exit code 2 naming the accepted formats, and generate and load end by naming what they wrote and the command
to run next (which runs as printed)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from retention_warehouse import bench
from retention_warehouse.__main__ import main

PROJECT_DIR = Path(__file__).resolve().parents[2]

# per command: each option, and the default its help must show as "(default: ...)" (None: none shown)
HELP: dict[str, dict[str, str | None]] = {
    "generate": {"--out": None, "--customers": "5000", "--seed": "42", "--start-date": "2024-01-01",
                 "--days": "540", "--fault-rate": "0.0", "--single-population": None, "--chunk-customers": "100000",
                 "--loyalty": None},
    "load": {"directory": None, "--target": "duckdb", "--database": "$DBT_DUCKDB_PATH or retention.duckdb",
             "--schema": "raw", "--loaded-at": "now", "--append": None, "--strict": None},
    "salt": {"--target": "duckdb", "--database": "$DBT_DUCKDB_PATH or retention.duckdb"},
    "bench": {"--customers": "100000", "--days": "540", "--seed": "42", "--workdir": "a new temporary folder",
              "--threads": "2", "--memory-limit": "6GB", "--pandas-memory-gb": "16.0", "--no-floor": None},
    "report": {"--period": "month", "--date": "the latest period", "--out": "retention_report.html",
               "--database": "$DBT_DUCKDB_PATH or retention.duckdb", "--schema": "$RETENTION_MARTS_SCHEMA or marts"},
    "recommendations-eval": {"--database": None, "--raw": None, "--as-of": None, "--workdir": "a folder <raw>_eval",
                             "--k": "5 10", "--horizon-days": "every purchase after T"},
    "score-churn": {"--database": "retention.duckdb", "--truth": None},
    "score-next-order": {"--database": "retention.duckdb", "--truth": None},
}


def help_text(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_code:
        main([command, "--help"])
    assert exit_code.value.code == 0
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("command", HELP)
def test_help_explains_every_option_with_its_default(command: str, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # no hyphenated word split across lines
    monkeypatch.delenv("DBT_DUCKDB_PATH", raising=False)
    text = help_text(command, capsys)
    for option, default in HELP[command].items():
        assert option in text, option
        if default is not None:
            assert f"(default: {default}" in text, option
    assert text.count("(default: ") >= sum(default is not None for default in HELP[command].values())
    assert "(default: None)" not in text and "(default: False)" not in text


def test_recommendations_eval_help_lists_its_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text("recommendations-eval", capsys)
    assert "eval_args" not in text
    assert "--as-of AS_OF" in text and "--k K [K ...]" in text and "--horizon-days HORIZON_DAYS" in text


@pytest.mark.parametrize(("args", "accepted"), [
    (["generate", "--out", "unused", "--start-date", "01/02/2024"], "accepted: YYYY-MM-DD"),
    (["generate", "--out", "unused", "--start-date", "2024-02-30"], "accepted: YYYY-MM-DD"),
    (["report", "--date", "May 2025"], "accepted: YYYY-MM (a month, 2025-05), YYYY-MM-DD"),
    (["report", "--date", "2025-W54"], "or YYYY-Www (an ISO week, 2025-W20)"),
    (["recommendations-eval", "--raw", "unused", "--as-of", "yesterday"], "accepted: YYYY-MM-DD"),
])
def test_a_bad_date_is_a_one_line_error_naming_the_formats(args: list[str], accepted: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_code:
        main(args)
    assert exit_code.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and f"argument {args[-2]}: {args[-1]!r} is not a" in errors[0], errors
    assert accepted in errors[0]


def test_generate_then_load_name_what_they_wrote_and_the_next_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "w.duckdb"
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(database))
    monkeypatch.setenv("RETENTION_PII_SALT", "test-salt")  # no demo-salt warning: stderr stays empty
    out = tmp_path / "raw"
    assert main(["generate", "--customers", "50", "--days", "10", "--out", str(out)]) == 0
    generated = capsys.readouterr()
    assert generated.err == ""  # no progress bar when stderr is not a terminal
    *table_lines, wrote, hint = generated.out.splitlines()
    assert [line.split()[0] for line in table_lines][:3] == ["customers", "orders", "order_items"]
    assert wrote.startswith(f"wrote {len(table_lines)} raw tables (") and wrote.endswith(
        f"as Parquet to {out}, the ground truth to {out / '_truth'}")
    load_command = f".venv/bin/python -m retention_warehouse load {shlex.quote(str(out))}"
    assert hint == f"next, load them into {database}: {load_command}"

    # the hint runs as printed (with this interpreter for the project's .venv/bin/python)
    loaded = subprocess.run(load_command.replace(".venv/bin/python", shlex.quote(sys.executable), 1), shell=True,
                            check=False, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
    assert (loaded.returncode, loaded.stderr) == (0, "")
    *count_lines, loaded_line, build_hint = loaded.stdout.splitlines()
    counts = {line.split()[0]: int(line.split()[1].replace(",", "")) for line in count_lines}
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from raw.orders").fetchall() == [(counts["orders"],)]
    assert counts["orders"] > 0
    assert loaded_line == (f"loaded into {database}, schema raw: {len(counts)} raw tables, "
                           f"{sum(counts.values()):,} rows")
    assert build_hint == f"next, build the warehouse: DBT_DUCKDB_PATH={shlex.quote(str(database))} .venv/bin/dbt build"


def test_load_into_the_default_file_hints_a_plain_dbt_build(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "orders.csv").write_text("order_id,customer_id,ordered_at,subtotal\no1,c1,2024-01-01,1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DBT_DUCKDB_PATH", raising=False)
    assert main(["load", "raw", "--append", "--schema", "landing"]) == 0
    *_, loaded_line, build_hint = capsys.readouterr().out.splitlines()
    assert loaded_line.startswith("appended to retention.duckdb, schema landing: ") and loaded_line.endswith(
        " raw tables, 1 row now")
    assert build_hint == ("next, build the warehouse (the new rows incrementally): .venv/bin/dbt build "
                          "--vars '{raw_schema: landing}'")


def test_bench_ends_by_naming_its_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "bench", lambda *args: [])
    monkeypatch.setattr(bench, "report", lambda customers, phases: "the report")
    assert main(["bench", "--customers", "10", "--workdir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == bench.HEADER and lines[1] == "the report"
    assert lines[2] == f"wrote {tmp_path / 'raw'} (raw files) and {tmp_path / 'bench.duckdb'} (the warehouse as of " \
                       "the new day)"
    assert lines[3].endswith(f"rm -r {shlex.quote(str(tmp_path))}")
