"""CPU of several processes over one window, each on its own line, and what the rest of the
machine used meanwhile (so a fake charger or a broker never hides inside another's budget)."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field

import harness


@dataclass
class Usage:
    pct: dict[str, float]
    """CPU of each named process over the window, % of one core."""
    others_pct: float
    """The machine's busy time minus every named process and the bench itself."""
    load: str
    t0: float
    t1: float
    rss_mb: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.t1 - self.t0


def _cpu(pid: int, children: bool) -> float:
    with contextlib.suppress(OSError):
        return harness.cpu_seconds(pid, children)
    return 0.0


class Meter:
    """``m = Meter({"hub": pid, ...}, children={"watch"})``, then ``usage = m.stop()``."""

    def __init__(self, pids: dict[str, int], children: frozenset[str] = frozenset()) -> None:
        self.pids, self.children = pids, children
        self.own0 = harness.cpu_seconds(os.getpid())
        self.busy0 = harness.system_busy_seconds()[0]
        self.c0 = {k: _cpu(p, k in children) for k, p in pids.items()}
        self.t0 = time.monotonic()

    def stop(self) -> Usage:
        c1 = {k: _cpu(p, k in self.children) for k, p in self.pids.items()}
        t1 = time.monotonic()
        busy1 = harness.system_busy_seconds()[0]
        own1 = harness.cpu_seconds(os.getpid())
        span = t1 - self.t0
        used = {k: c1[k] - self.c0[k] for k in self.pids}
        others = (busy1 - self.busy0) - sum(used.values()) - (own1 - self.own0)
        rss = {}
        for k, p in self.pids.items():
            with contextlib.suppress(OSError):
                rss[k] = harness.status_kb(p) / 1024
        return Usage({k: v / span * 100 for k, v in used.items()},
                     max(0.0, others) / span * 100, harness.loadavg(), self.t0, t1, rss)


def window(pids: dict[str, int], seconds: float,
           children: frozenset[str] = frozenset()) -> Usage:
    meter = Meter(pids, children)
    time.sleep(seconds)
    return meter.stop()
