"""A polite client, proven with the simulator's request log over long accelerated runs.

The charger's embedded web server is fragile: at most one request in flight, no endpoint
more than once per second, GET only and only the four working endpoints, and while it fails
at most one attempt per 60 s. The log stamps requests in real time as they arrive;
times here are converted to simulated seconds. Arrival stamps jitter by a few real
milliseconds in one busy event loop (a new connection after an error waits for a resolver
thread before its SYN), so a pair of requests may reach the charger up to ``JITTER_S`` real
seconds closer than they were sent; a missing floor shows gaps of a request's duration
(0.1 simulated s). Counts over 10 s windows do not suffer from it: at most 10 (+1).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict

from tests.fault_rig import Rig
from twc_tui.sim.charger import RequestRecord
from twc_tui.sim.faults import Faults

SPEED = 150.0
FLAKY_SPEED = 30.0
JITTER_S = 0.025
PATHS = {f"/api/1/{e}" for e in ("vitals", "lifetime", "wifi_status", "version")}


def sim_times(log: list[RequestRecord], rig: Rig, path: str | None = None) -> list[float]:
    return [r.started * rig.speed for r in log if path is None or r.path == path]


def assert_polite(log: list[RequestRecord], rig: Rig) -> None:
    assert log, "no requests at all"
    assert {r.method for r in log} == {"GET"}
    assert {r.path for r in log} <= PATHS
    for path in PATHS:
        times = sim_times(log, rig, path)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert not gaps or min(gaps) >= 1.0 - JITTER_S * rig.speed, (path, min(gaps))
        # And over any 10 s: at most 10 (+1 for the window's edge).
        assert all(b - a >= 10.0 for a, b in zip(times, times[11:], strict=False)), path


async def spam_refresh(rig: Rig, until: asyncio.Event) -> int:
    """The user holding down `r`: a refresh every few milliseconds."""
    presses = 0
    while not until.is_set():
        rig.subject.poller.refresh()
        presses += 1
        await asyncio.sleep(0.005)
    return presses


async def test_flaky_charger_with_refresh_spam_over_three_minutes() -> None:
    """Errors, truncation, resets and latency, and `r` held down the whole time."""
    async with Rig(FLAKY_SPEED) as rig:
        sim = rig.subject.sim
        sim.faults = Faults(error_rate=0.2, truncate_rate=0.1, reset_rate=0.05,
                            latency_s=0.002, seed=11)
        stop = asyncio.Event()
        spammer = asyncio.create_task(spam_refresh(rig, stop))
        await rig.run_for(3 * 60)
        stop.set()
        presses = await spammer
        log = list(sim.log)
        assert presses > 300
        assert sim.max_in_flight == 1 and rig.healthy.sim.max_in_flight == 1
        assert_polite(log, rig)
        assert_polite(list(rig.healthy.sim.log), rig)
        # It did keep polling through the errors: vitals about once a second.
        assert len(sim_times(log, rig, "/api/1/vitals")) >= 0.6 * 3 * 60
        assert {r.fault for r in log} >= {"error_rate", "truncate", "reset", None}


async def test_a_failing_charger_is_probed_at_most_once_a_minute_even_with_refresh_spam(
) -> None:
    """Answering 503: only vitals, backing off to one a minute. Then `r` held down: the
    floor holds and the probes stay near the backoff (one early probe per step)."""
    async with Rig(SPEED) as rig:
        await rig.settled()
        sim = rig.subject.sim
        start = len(sim.log)
        sim.faults = Faults(status=503)
        await rig.run_for(6 * 60)
        failing = list(sim.log)[start:]
        assert {r.path for r in failing} == {"/api/1/vitals"}
        assert {r.status for r in failing} == {503}
        times = sim_times(failing, rig)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # 1, 1.6, 2.56 ... 42.9 (113 s in all), then the 60 s cap: about 14 in 6 minutes.
        assert 12 <= len(times) <= 16, len(times)
        assert max(gaps) <= 61.0
        assert all(g >= 59.0 for g in gaps[10:]), gaps

        stop = asyncio.Event()
        spammer = asyncio.create_task(spam_refresh(rig, stop))
        await rig.run_for(6 * 60)
        stop.set()
        assert await spammer > 300
        spammed = list(sim.log)[start + len(failing):]
        assert len(spammed) <= 2 * 6 + 2, len(spammed)
        per_minute: dict[int, int] = defaultdict(int)
        for t in sim_times(spammed, rig):
            per_minute[int(t // 60)] += 1
        assert max(per_minute.values()) <= 3, per_minute
        assert sim.max_in_flight == 1
        assert_polite(list(sim.log), rig)
