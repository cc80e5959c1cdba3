"""One seed, independent named random streams.

Every part of the generator draws from its own stream, spawned from ``np.random.SeedSequence(seed)``. Fault
injection has a stream of its own, so the clean data never depends on ``fault_rate``. Chunk k > 0 of a chunked
run spawns its streams from the seed's sequence with spawn key (CHUNK_SPAWN_KEY, k): independent of the seed's
streams (which chunk 0 uses) and of each other.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("calendar", "catalog", "fx", "customers", "process", "orders", "sessions", "system", "visitors",
           "experiments", "events", "faults")
CHUNK_SPAWN_KEY = 1000      # far from the spawn keys 0..len(STREAMS)-1 of the seed's own streams


def streams(seed: int, chunk: int = 0) -> dict[str, np.random.Generator]:
    """The named streams of ``seed`` (of its chunk ``chunk`` when chunk > 0)."""
    root = (np.random.SeedSequence(int(seed)) if chunk == 0
            else np.random.SeedSequence(int(seed), spawn_key=(CHUNK_SPAWN_KEY, int(chunk))))
    children = root.spawn(len(STREAMS))
    return {name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(STREAMS, children)}
