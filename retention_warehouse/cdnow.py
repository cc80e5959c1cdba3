"""The real CDNOW transactions shipped in the ``lifetimes`` package, as raw orders of the input contract.

The files are read with importlib.resources (never copied into this repository). Each line of the master file
is one purchase: customer, day, number of CDs, dollar value. Customers are absent from the feed, so the
warehouse infers them (signup at the first purchase), which exercises the minimal raw contract.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

FILES = {"master": "CDNOW_master.txt", "sample": "CDNOW_sample.txt"}


def read_transactions(which: str = "master") -> pd.DataFrame:
    """customer_id (str), purchase_date (date), cds (int), dollar_value (float), one row per file line."""
    path = resources.files("lifetimes") / "datasets" / FILES[which]
    with resources.as_file(path) as file:
        if which == "master":
            frame = pd.read_csv(file, sep=r"\s+", skiprows=1, header=None, dtype=str,
                                names=["customer_id", "date", "cds", "dollar_value"])
        else:
            frame = pd.read_csv(file, sep=r"\s+", header=None, dtype=str,
                                names=["customer_id", "sample_id", "date", "cds", "dollar_value"])
    return pd.DataFrame({
        "customer_id": "cd" + frame["customer_id"].str.zfill(5),
        "purchase_date": pd.to_datetime(frame["date"], format="%Y%m%d").dt.date,
        "cds": frame["cds"].astype(int),
        "dollar_value": frame["dollar_value"].astype(float),
    })


def write_orders(out_dir: str | Path, which: str = "master") -> Path:
    """Write the transactions as ``orders.csv`` (the only required raw table) and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    transactions = read_transactions(which)
    orders = pd.DataFrame({
        "order_id": [f"cdnow{i:06d}" for i in range(1, len(transactions) + 1)],
        "customer_id": transactions["customer_id"],
        "ordered_at": pd.to_datetime(transactions["purchase_date"]).dt.strftime("%Y-%m-%d 12:00:00"),
        "subtotal": transactions["dollar_value"].map(lambda value: f"{value:.2f}"),
        "currency": "USD",
        "status": "delivered",
    })
    path = out_dir / "orders.csv"
    orders.to_csv(path, index=False)
    return path
