"""bench/run.py works end to end: a 3-second scenario (a) in a real pty yields numbers.

No thresholds here: speed and memory are measured by ``python bench/run.py``, never asserted
in timed unit tests.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or sys.platform != "linux",
    reason="the bench reads /proc",
)


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(BENCH))
    import run

    return run


def test_live_marker_ignores_kwh_and_colour_changes(bench) -> None:  # type: ignore[no-untyped-def]
    harness = bench.harness
    assert not harness.LIVE_KW.search(harness.strip_ansi(b"session 0.38 kWh  Power  -- kW"))
    coloured = b"\x1b[1m11.6\x1b[0m\x1b[38;5;2m3 kW\x1b[0m \x1b]0;t\x07"
    assert harness.LIVE_KW.search(harness.strip_ansi(coloured))


def test_percentile(bench) -> None:  # type: ignore[no-untyped-def]
    p = bench.harness.percentile
    assert p([3.0, 1.0, 2.0], 50) == 2.0
    assert p([0.0, 10.0], 99) == pytest.approx(9.9)
    assert math.isnan(p([], 50))


def test_scenario_a_yields_numbers(bench, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = bench.Plan(warmup=1, seconds=2, starts=1, status_runs=1, day_scale=240,
                      day_hours=0.1, retries=0)
    window = bench.scenario_a(plan, tmp_path)
    assert window.cpu_pct >= 0
    assert window.bytes_per_s > 0
    assert window.rss_mb > 0
    assert window.extra["exit"] == 0  # "q" quit the app
    assert [x.polls for x in window.extra["lateness"]] != [0]
