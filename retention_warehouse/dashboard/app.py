"""Retention dashboard: `streamlit run retention_warehouse/dashboard/app.py` (or `python -m
retention_warehouse.dashboard`). Reads the DuckDB file named by DBT_DUCKDB_PATH (default retention.duckdb)
read-only, one connection per query, so it never blocks `dbt build`. Query results are cached per file version
(the file's modification time is part of the cache key), so a rebuild shows up on the next rerun.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from retention_warehouse.dashboard import data, views

TITLE = "Retention warehouse"


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached_query(path: str, schema: str, version: int, sql: str, params: tuple) -> pd.DataFrame:
    """One query result per (file, file version, SQL, parameters)."""
    return data.Warehouse(Path(path), schema).query(sql, params)


class CachedWarehouse(data.Warehouse):
    """The warehouse read through Streamlit's cache, keyed by the file's modification time."""

    def query(self, sql: str, params=None) -> pd.DataFrame:
        return _cached_query(str(self.path), self.schema, self.version(), sql, tuple(params or ()))


def main() -> None:
    st.set_page_config(page_title=TITLE, page_icon=":material/monitoring:", layout="wide")
    base = data.Warehouse.from_env()
    wh = CachedWarehouse(base.path, base.schema)
    with st.sidebar:
        st.title(TITLE)
        keys = list(views.PAGES)
        requested = st.query_params.get("page", keys[0])  # ?page=cohorts opens a page directly
        page = st.radio("Page", keys, index=keys.index(requested) if requested in keys else 0,
                        format_func=lambda key: views.PAGES[key][0], key="page", label_visibility="collapsed")
        st.query_params["page"] = page
    try:
        version = wh.version()
        as_of = data.as_of_date(wh)
    except data.WarehouseMissing as error:
        st.title(TITLE)
        st.warning(f"{error}", icon=":material/database:")
        return
    except data.WarehouseBusy as error:
        st.title(TITLE)
        st.warning(f"{error}", icon=":material/hourglass_top:")
        return
    if as_of is None:
        st.title(TITLE)
        st.warning("The warehouse has no activity yet: load data and run `dbt build`.")
        return
    with st.sidebar:
        built = dt.datetime.fromtimestamp(version / 1e9)
        st.caption(f"as_of_date **{as_of:%Y-%m-%d}**  \nwarehouse `{wh.path.name}`, built {built:%Y-%m-%d %H:%M}  \n"
                   "read-only; figures follow docs/metrics definitions")
    label, render = views.PAGES[page]
    st.title(f"{TITLE} - {label}")
    try:
        render(wh, as_of)
    except data.WarehouseBusy as error:
        st.warning(f"{error}", icon=":material/hourglass_top:")


if __name__ == "__main__":
    main()
