"""Keeping the cyclic garbage collector's pauses short in a long-running process.

A full collection walks every tracked object, and most of a running hub's are what start-up
made and keeps for its life: modules, classes, functions, the engine (about 90,000 at 300
chargers, 49 ms a walk on a 2-core server). Full collections came every 15-20 s, mostly
during a ``/metrics`` scrape, whose 30,000 short-lived samples outlive a few young
collections and count towards the next full one: a scrape that met one took 50-70 ms longer
(bench/RESULTS.md, hub300). Frozen, start-up's objects are never walked again; what is made
later is collected as before.
"""

from __future__ import annotations

import gc


def freeze_startup() -> None:
    """Collect once, then move every object alive now out of the collector's sight. Call it
    when start-up is done: objects frozen here that later form garbage cycles are never
    freed, so nothing that churns should be alive yet."""
    gc.collect()
    gc.freeze()
