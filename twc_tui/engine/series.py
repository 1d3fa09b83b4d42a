"""Bounded time series per charger, with downsampling for charts.

Memory is fixed at construction: each tier is a ring of ``array('d')`` columns, so a week-long
session holds exactly as many numbers as a minute-old one. Three tiers serve the three chart
ranges: raw samples (5 min), 10-second means (1 h) and 1-minute means (24 h). A gap (the charger
went offline) is stored as NaN so charts can break the line there.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Mapping, Sequence

NAN = math.nan

METRICS: tuple[str, ...] = (
    "power_kw",
    "vehicle_a",
    "phase_a",
    "phase_b",
    "phase_c",
    "handle_c",
    "pcba_c",
    "mcu_c",
    "grid_v",
    "grid_hz",
)
"""What the history keeps for each charger."""


class Ring:
    """A fixed-capacity ring of rows: a timestamp plus one float per metric."""

    def __init__(self, capacity: int, width: int) -> None:
        self.capacity = capacity
        self._times = array("d", [0.0]) * capacity
        self._cols = [array("d", [0.0]) * capacity for _ in range(width)]
        self._start = 0
        self._len = 0

    def __len__(self) -> int:
        return self._len

    def append(self, t: float, row: Sequence[float]) -> None:
        index = (self._start + self._len) % self.capacity
        if self._len == self.capacity:
            self._start = (self._start + 1) % self.capacity
        else:
            self._len += 1
        self._times[index] = t
        for col, value in zip(self._cols, row, strict=True):
            col[index] = value

    @property
    def oldest(self) -> float | None:
        return self._times[self._start] if self._len else None

    @property
    def newest(self) -> float | None:
        return self._times[(self._start + self._len - 1) % self.capacity] if self._len else None

    def column(self, col: int, since: float) -> Iterator[tuple[float, float]]:
        """(time, value) pairs of one column from ``since`` on, oldest first."""
        times, values, cap = self._times, self._cols[col], self.capacity
        # Walk back from the newest row: charts ask for recent windows, usually a short tail.
        first = self._len
        while first > 0 and times[(self._start + first - 1) % cap] >= since:
            first -= 1
        for offset in range(first, self._len):
            index = (self._start + offset) % cap
            yield times[index], values[index]


class _Tier:
    """Means over fixed buckets, flushed into a ring when a bucket closes."""

    def __init__(self, bucket_s: float, capacity: int, width: int) -> None:
        self.bucket_s = bucket_s
        self.ring = Ring(capacity, width)
        self._bucket: float | None = None
        self._sums = [0.0] * width
        self._counts = [0] * width
        self._gap = False

    def add(self, t: float, row: Sequence[float]) -> None:
        bucket = t - (t % self.bucket_s)
        if self._bucket is not None and bucket != self._bucket:
            self._flush()
        self._bucket = bucket
        if all(math.isnan(v) for v in row):
            self._gap = True
            return
        for i, value in enumerate(row):
            if not math.isnan(value):
                self._sums[i] += value
                self._counts[i] += 1

    def _flush(self) -> None:
        assert self._bucket is not None
        row = [s / c if c else NAN for s, c in zip(self._sums, self._counts, strict=True)]
        # A bucket that saw the charger go offline and nothing else stays a gap.
        if self._gap and not any(self._counts):
            row = [NAN] * len(row)
        self.ring.append(self._bucket + self.bucket_s / 2, row)
        self._sums = [0.0] * len(self._sums)
        self._counts = [0] * len(self._counts)
        self._gap = False


class History:
    """Bounded history of one charger's metrics."""

    RANGES: dict[str, float] = {"5m": 300.0, "1h": 3600.0, "24h": 86400.0}
    """Chart time ranges, in seconds."""

    def __init__(self, raw_capacity: int = 900) -> None:
        width = len(METRICS)
        self._index = {name: i for i, name in enumerate(METRICS)}
        self.raw = Ring(raw_capacity, width)
        self._tiers = [_Tier(10.0, 400, width), _Tier(60.0, 1500, width)]
        self.version = 0
        """Bumped on every change, so a chart can skip rebuilding when nothing is new."""

    def add(self, t: float, values: Mapping[str, float | None]) -> None:
        """Record one sample taken at wall-clock time ``t``; missing metrics are NaN."""
        row = [NAN if (v := values.get(name)) is None else float(v) for name in METRICS]
        self._append(t, row)

    def add_gap(self, t: float) -> None:
        """Mark that the charger was unreachable at ``t``."""
        self._append(t, [NAN] * len(METRICS))

    def _append(self, t: float, row: list[float]) -> None:
        newest = self.raw.newest
        if newest is not None and t < newest:
            return  # the wall clock stepped back; keep the series monotonic
        self.raw.append(t, row)
        for tier in self._tiers:
            tier.add(t, row)
        self.version += 1

    def _ring_for(self, since: float) -> Ring:
        for ring in (self.raw, *(tier.ring for tier in self._tiers)):
            oldest = ring.oldest
            if len(ring) < ring.capacity or (oldest is not None and oldest <= since):
                if ring is self.raw or len(ring) > 1:
                    return ring
        return self._tiers[-1].ring

    def series(
        self, metric: str, start: float, end: float, buckets: int, max_gap: float = 20.0
    ) -> list[float]:
        """``buckets`` values evenly spread over [start, end]: the mean of each bucket, the last
        value carried across buckets with no sample, and NaN where the charger was offline or
        no sample is closer than ``max_gap`` seconds."""
        buckets = max(1, buckets)
        ring = self._ring_for(start)
        col = self._index[metric]
        step = (end - start) / buckets
        sums = [0.0] * buckets
        counts = [0] * buckets
        seen = [False] * buckets
        gaps = [False] * buckets
        last_before: tuple[float, float] | None = None
        for t, value in ring.column(col, start - max_gap):
            if t < start:
                last_before = (t, value)
                continue
            i = min(buckets - 1, int((t - start) / step)) if step > 0 else buckets - 1
            seen[i] = True
            if math.isnan(value):
                gaps[i] = True
            else:
                sums[i] += value
                counts[i] += 1
        out: list[float] = []
        carry = last_before
        for i in range(buckets):
            t_mid = start + (i + 0.5) * step
            if counts[i]:
                value = sums[i] / counts[i]
                out.append(value)
                carry = (t_mid, value) if not gaps[i] else (t_mid, NAN)
            elif seen[i] or carry is None:
                out.append(NAN)
                carry = (t_mid, NAN) if seen[i] else carry
            elif t_mid - carry[0] <= max_gap:
                out.append(carry[1])
            else:
                out.append(NAN)
        return out

    def latest(self, metric: str) -> float | None:
        """The newest raw value of ``metric``, or None."""
        newest = self.raw.newest
        if newest is None:
            return None
        for _, value in self.raw.column(self._index[metric], newest):
            return None if math.isnan(value) else value
        return None
