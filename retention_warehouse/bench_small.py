"""Small-build benchmark: a 1,000-customer `dbt build` against the build of a one-model dbt project.

    python -m retention_warehouse.bench_small [--customers 1000] [--days 540] [--rounds 2] [--work DIR]

dbt's own start-up (imports, project and profile loading, parsing, the adapter's connection) is a cost no project
can go below; the one-model project measures it on this machine at this minute. The rounds alternate the two
builds, so both see the same load on a shared machine. Each round times a cold build (no target directory: a full
parse) and a warm one (the partial-parse file of the cold build kept, as a user's second `dbt build` would).
Where the warehouse build's time goes is read from dbt's run_results.json: thread-seconds by kind of node (SQL
models, Python models, unit tests, data tests, seeds, snapshots) and the slowest nodes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))

ONE_MODEL_PROJECT = {
    "dbt_project.yml": "name: one_model\nversion: '1.0.0'\nconfig-version: 2\nprofile: one_model\n",
    "profiles.yml": "one_model:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
                    "      path: \"{{ env_var('DBT_DUCKDB_PATH') }}\"\n      threads: 2\n",
    "models/one.sql": "select 1 as id\n",
}


def clean_env(database: Path, profiles_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env.update(DBT_PROFILES_DIR=str(profiles_dir), DBT_DUCKDB_PATH=str(database), RETENTION_TARGET="duckdb",
               DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    return env


def timed_build(project: Path, env: dict[str, str], target: Path, *, cold: bool) -> float:
    if cold and target.exists():
        shutil.rmtree(target)
    started = time.perf_counter()
    subprocess.run([DBT, "build", "--target-path", str(target), "--log-path", str(target / "logs")], cwd=project,
                   env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def where_time_goes(run_results: Path, top: int = 5) -> tuple[dict[str, tuple[int, float]], list[tuple[str, float]]]:
    """Nodes and thread-seconds by kind, and the slowest nodes, from dbt's run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    manifest = json.loads((run_results.parent / "manifest.json").read_text())["nodes"]
    kinds: dict[str, list[float]] = defaultdict(list)
    nodes = []
    for result in results:
        unique_id = result["unique_id"]
        kind = unique_id.split(".")[0]
        if kind == "model":
            kind = f"{manifest[unique_id]['language']} model"
        elif kind == "test":
            kind = "generic test" if manifest.get(unique_id, {}).get("test_metadata") else "singular test"
        kinds[kind].append(result["execution_time"])
        nodes.append((unique_id, result["execution_time"]))
    summary = {kind: (len(times), sum(times)) for kind, times in sorted(kinds.items())}
    return summary, sorted(nodes, key=lambda node: -node[1])[:top]


def prepare(work: Path, customers: int, days: int) -> tuple[Path, Path]:
    from .generate import generate
    from .load import load_duckdb

    raw = work / "raw"
    generate(raw, customers=customers, seed=1, days=days, fault_rate=0.0)
    database = work / "warehouse.duckdb"
    load_duckdb(raw, database=str(database))
    one = work / "one_model"
    for name, text in ONE_MODEL_PROJECT.items():
        (one / name).parent.mkdir(parents=True, exist_ok=True)
        (one / name).write_text(text)
    return database, one


def run(customers: int, days: int, rounds: int, work: Path) -> dict[str, float]:
    database, one = prepare(work, customers, days)
    loaded = work / "loaded.duckdb"
    shutil.copyfile(database, loaded)
    ours_env = clean_env(database, PROJECT_DIR)
    one_env = clean_env(work / "one.duckdb", one)
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for cold in (True, False):
            label = "cold" if cold else "warm"
            times[f"one_model_{label}"].append(timed_build(one, one_env, work / "target_one", cold=cold))
            shutil.copyfile(loaded, database)  # every build starts from the loaded raw tables
            times[f"warehouse_{label}"].append(timed_build(PROJECT_DIR, ours_env, work / "target_ours", cold=cold))
    best = {name: min(values) for name, values in times.items()}
    print(f"{customers:,} customers over {days} days; best of {rounds} rounds, seconds:")
    for label in ("cold", "warm"):
        ratio = best[f"warehouse_{label}"] / best[f"one_model_{label}"]
        print(f"  {label} (full parse)" if label == "cold" else f"  {label} (partial parse)", end="")
        print(f": warehouse {best[f'warehouse_{label}']:.1f}, one-model project {best[f'one_model_{label}']:.1f}, "
              f"ratio {ratio:.1f}x")
    summary, slowest = where_time_goes(work / "target_ours" / "run_results.json")
    print("where the warehouse build's time goes (thread-seconds of the last warm build; 2 threads):")
    for kind, (count, seconds) in summary.items():
        print(f"  {kind:<14} {count:>4} nodes  {seconds:7.1f} s")
    print("  slowest: " + ", ".join(f"{uid.split('.')[-1]} {seconds:.1f} s" for uid, seconds in slowest))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retention_warehouse.bench_small", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1000, help="customers generated (default 1000)")
    parser.add_argument("--days", type=int, default=540, help="days of history (default 540)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the four builds (default 2)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one, removed)")
    args = parser.parse_args(argv)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        run(args.customers, args.days, args.rounds, args.work)
    else:
        with tempfile.TemporaryDirectory(prefix="bench_small_") as work:
            run(args.customers, args.days, args.rounds, Path(work))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
