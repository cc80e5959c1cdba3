"""`python -m retention_warehouse.dashboard [streamlit options]`: start the dashboard with `streamlit run`.

Reads the DuckDB file named by DBT_DUCKDB_PATH (default retention.duckdb), read-only. Extra arguments go to
streamlit, e.g. `--server.port 8502` or `--server.headless true`.
"""

import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    app = Path(__file__).with_name("app.py")
    args = list(sys.argv[1:] if argv is None else argv)
    # quiet: no usage-statistics notice, and no email prompt on a desktop (Streamlit asks once when not headless)
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--browser.gatherUsageStats", "false",
               "--server.showEmailPrompt", "false", *args]
    os.execv(sys.executable, command)
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main())
