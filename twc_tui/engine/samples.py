"""The history's samples: one row per charger per ``BUCKET_S`` seconds holding each metric's
min, mean and max. A :class:`SampleBucket` sums them up as vitals arrive; ``prefill_history``
reads them back into a chart's :class:`History` when a monitor or hub starts."""

from __future__ import annotations

import math

from twc_tui.engine.series import History
from twc_tui.engine.store import Sample, Store

BUCKET_S = 10
"""One stored row per charger per this many seconds."""


class SampleBucket:
    """Running min/sum/max of each metric over one bucket."""

    __slots__ = ("n", "stats", "t")

    def __init__(self, t: int) -> None:
        self.t = t
        self.n = 0
        self.stats: dict[str, list[float]] = {}
        """metric -> [min, sum, max, count]"""

    def add(self, values: dict[str, float | None]) -> None:
        self.n += 1
        for metric, value in values.items():
            if value is None or not math.isfinite(value):
                continue
            st = self.stats.get(metric)
            if st is None:
                self.stats[metric] = [value, value, value, 1.0]
            else:
                st[0] = min(st[0], value)
                st[1] += value
                st[2] = max(st[2], value)
                st[3] += 1

    def sample(self, charger: str) -> Sample:
        return Sample(charger, self.t, self.n,
                      {m: (st[0], st[1] / st[3], st[2]) for m, st in self.stats.items()})


def prefill_history(store: Store, history: History, charger: str, now: float,
                    span_s: float = 86400.0) -> int:
    """Fill a fresh :class:`History` from the store so charts survive a restart: minute means
    for the span, 10-second means for the last hour. Returns the number of points added."""
    hour = now - 3600.0
    rows = store.load_history(charger, now - span_s, hour, step_s=60)
    rows += store.load_history(charger, hour, now, step_s=BUCKET_S)
    for t, values in rows:
        if values is None:
            history.add_gap(t)
        else:
            history.add(t, values)
    return len(rows)
