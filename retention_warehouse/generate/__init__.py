"""Synthetic raw data for the retention warehouse: ``generate(out_dir, customers=5000, seed=42, ...)``.

See ``pipeline.generate`` for the API and the module docstrings for the model: ``params`` (every generating
constant), ``calendar`` (period and seasonality), ``customers`` (acquisition and habits), ``process`` (the latent
purchase/dropout process), ``catalog``, ``fx``, ``orders``, ``sessions``, ``system`` and ``events`` (the event
stream), ``experiments``, ``faults`` (injected bad rows) and ``truth`` (what really happened).
"""

from .pipeline import generate

__all__ = ["generate"]
