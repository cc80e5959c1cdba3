"""One seed, independent named random streams.

Every part of the generator draws from its own stream, spawned from ``np.random.SeedSequence(seed)``. Fault
injection has a stream of its own, so the clean data never depends on ``fault_rate``.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("calendar", "catalog", "fx", "customers", "process", "orders", "sessions", "system", "visitors",
           "experiments", "events", "faults")


def streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(int(seed)).spawn(len(STREAMS))
    return {name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(STREAMS, children)}
