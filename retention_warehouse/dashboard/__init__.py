"""Retention dashboard (Streamlit) over the public marts.

    streamlit run retention_warehouse/dashboard/app.py      # or: python -m retention_warehouse.dashboard

Modules: `data` (read-only DuckDB access, one connection per query, and the aggregated queries, shared with the
report), `charts` (Altair), `views` (one function per page), `app` (the Streamlit entry point, cached per file
version), `screenshot` (headless-Chromium screenshots for docs/screenshots and the browser test).
"""
