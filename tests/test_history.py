"""History: bounded memory, tier selection, downsampling and gaps."""

from __future__ import annotations

import math

from twc_tui.engine.series import METRICS, History, Ring


def _clean(values: list[float]) -> list[float | None]:
    return [None if math.isnan(v) else round(v, 3) for v in values]


def test_ring_is_bounded_and_keeps_newest() -> None:
    ring = Ring(capacity=5, width=1)
    for i in range(12):
        ring.append(float(i), [i * 10.0])
    assert len(ring) == 5
    assert ring.oldest == 7.0 and ring.newest == 11.0
    assert list(ring.column(0, since=9.0)) == [(9.0, 90.0), (10.0, 100.0), (11.0, 110.0)]


def test_memory_is_fixed_over_a_simulated_week() -> None:
    history = History()
    for i in range(0, 7 * 86400, 5):
        history.add(float(i), {"power_kw": 7.0})
    assert len(history.raw) == history.raw.capacity
    assert all(len(t.ring) <= t.ring.capacity for t in history._tiers)


def test_downsampling_means_per_bucket() -> None:
    history = History()
    for i in range(100):
        history.add(1000.0 + i, {"vehicle_a": float(i)})
    values = history.series("vehicle_a", 1000.0, 1100.0, 10)
    assert _clean(values) == [4.5, 14.5, 24.5, 34.5, 44.5, 54.5, 64.5, 74.5, 84.5, 94.5]


def test_sparse_samples_are_carried_but_offline_is_a_gap() -> None:
    history = History()
    # Idle cadence: one sample every 5 s, drawn into 1-second buckets without false gaps.
    for t in range(0, 60, 5):
        history.add(float(t), {"power_kw": 1.0})
    history.add_gap(60.0)
    history.add_gap(65.0)
    history.add(90.0, {"power_kw": 2.0})
    values = _clean(history.series("power_kw", 0.0, 100.0, 100, max_gap=15.0))
    assert values[0:60] == [1.0] * 60
    assert values[60] is None and values[70] is None
    assert values[90] == 2.0 and values[99] == 2.0


def test_stale_data_beyond_max_gap_is_not_drawn() -> None:
    history = History()
    history.add(0.0, {"power_kw": 3.0})
    values = _clean(history.series("power_kw", 0.0, 100.0, 10, max_gap=20.0))
    assert values[0] == 3.0 and values[1] == 3.0
    assert values[5:] == [None] * 5


def test_long_range_uses_aggregated_tiers() -> None:
    history = History()
    for t in range(0, 6 * 3600, 2):
        history.add(float(t), {"grid_v": 240.0 + (t % 600) / 600})
    values = history.series("grid_v", 5 * 3600.0, 6 * 3600.0, 60)
    finite = [v for v in values if not math.isnan(v)]
    assert len(finite) == 60
    assert all(240.0 <= v <= 241.0 for v in finite)


def test_missing_metrics_and_latest() -> None:
    history = History()
    history.add(1.0, {"power_kw": 2.5})
    assert history.latest("power_kw") == 2.5
    assert history.latest("grid_v") is None
    assert set(METRICS) >= {"power_kw", "vehicle_a", "handle_c", "grid_hz"}


def test_clock_stepping_back_is_ignored_and_version_counts_changes() -> None:
    history = History()
    history.add(10.0, {"power_kw": 1.0})
    version = history.version
    history.add(5.0, {"power_kw": 9.0})
    assert history.version == version
    assert history.latest("power_kw") == 1.0
