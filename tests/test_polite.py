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

import pytest

from tests.fault_rig import Rig
from twc_tui.engine.poller import PollFailure
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


async def spam_refresh(rig: Rig, until: asyncio.Event, presses: list[int]) -> None:
    """The user holding down `r`: a refresh every few milliseconds, counted in ``presses``."""
    while not until.is_set():
        rig.subject.poller.refresh()
        presses[0] += 1
        await asyncio.sleep(0.005)


def vitals_failures(rig: Rig, since: float) -> list[PollFailure]:
    return [f for f in rig.subject.failures(since) if f.endpoint == "vitals"]


def backoff(failures: int) -> float:
    """The step the poller announces after ``failures`` consecutive vitals failures."""
    return min(60.0, 1.6 ** (failures - 1))


async def test_flaky_charger_with_refresh_spam_over_three_minutes() -> None:
    """Errors, truncation, resets and latency, and `r` held down the whole time."""
    async with Rig(FLAKY_SPEED) as rig:
        sim = rig.subject.sim
        since = rig.now()
        sim.faults = Faults(error_rate=0.2, truncate_rate=0.1, reset_rate=0.05,
                            latency_s=0.002, seed=11)
        stop, presses = asyncio.Event(), [0]
        spammer = asyncio.create_task(spam_refresh(rig, stop, presses))

        def vitals() -> int:
            return sum(r.path == "/api/1/vitals" for r in sim.log)

        await rig.run_for(3 * 60)
        # It kept polling through the errors, `r` held down all along: 108 vitals requests,
        # three minutes' worth at 60 %. Waited for rather than counted in a fixed window,
        # which a loaded machine fills with fewer; the cadence through errors is exact in
        # test_poller.py, on a VirtualClock.
        await rig.wait_for(lambda: vitals() >= 0.6 * 3 * 60 and presses[0] > 300
                           and {r.fault for r in sim.log} >= {"error_rate", "truncate",
                                                             "reset", None},
                           30 * 60, "polling through three minutes of errors")
        stop.set()
        await spammer
        log = list(sim.log)
        assert sim.max_in_flight == 1 and rig.healthy.sim.max_in_flight == 1
        assert_polite(log, rig)
        assert_polite(list(rig.healthy.sim.log), rig)
        # Errors never stretched the schedule past the backoff: the step each failure
        # announced is the fast cadence's, and a success starts it again from 1 s.
        failures = vitals_failures(rig, since)
        assert failures
        assert all(f.retry_in_s == pytest.approx(backoff(f.failures)) for f in failures)
        assert rig.subject.successes(since=since)


async def test_a_failing_charger_is_probed_at_most_once_a_minute_even_with_refresh_spam(
) -> None:
    """Answering 503: only vitals, backing off to one a minute. Then `r` held down: the
    floor holds and the probes stay near the backoff (one early probe per step).

    Checked against the poller's own schedule (the step each failure announced) and with
    lower bounds on the gaps, which hold however late a loaded machine runs this scaled
    clock; the exact gaps are test_poller.py's, on a VirtualClock."""
    async with Rig(SPEED) as rig:
        await rig.settled()
        sim = rig.subject.sim
        start = len(sim.log)
        since, began = rig.now(), rig.clock.monotonic()
        sim.faults = Faults(status=503)
        await rig.run_for(6 * 60)
        failing = list(sim.log)[start:]
        elapsed = rig.clock.monotonic() - began
        assert {r.path for r in failing} == {"/api/1/vitals"}
        assert {r.status for r in failing} == {503}
        # 1, 1.6, 2.56 ... 42.9 (113 s in all), then the 60 s cap, as announced...
        failures = vitals_failures(rig, since)
        assert [f.failures for f in failures] == list(range(1, len(failures) + 1))
        assert [f.retry_in_s for f in failures] == pytest.approx(
            [backoff(n) for n in range(1, len(failures) + 1)])
        assert len(failures) >= 11 and failures[-1].retry_in_s == 60.0  # one a minute
        # ...and each step waited out in full: never sooner, however late the loop ran.
        subject = rig.subject
        assert all(subject.sent_at(b) - subject.sent_at(a) >= a.retry_in_s
                   for a, b in itertools.pairwise(failures))
        # The charger saw the same: no gap shorter than its step (the 60 s cap from the
        # eleventh probe on), so no more probes than that schedule fits in the time that
        # actually passed: about 14 in 6 minutes, not 360.
        times = sim_times(failing, rig)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(g >= 59.0 for g in gaps[10:]), gaps
        fits = sum(1 for t in itertools.accumulate(backoff(n) for n in range(1, 400))
                   if t <= elapsed)
        assert len(times) <= fits + 1, (len(times), elapsed)

        stop, presses = asyncio.Event(), [0]
        spam_from = rig.clock.monotonic()
        spammer = asyncio.create_task(spam_refresh(rig, stop, presses))
        await rig.run_for(6 * 60)
        await rig.wait_for(lambda: presses[0] > 300, 30 * 60, "`r` held down")
        stop.set()
        await spammer
        spammed = list(sim.log)[start + len(failing):]
        spam_s = rig.clock.monotonic() - spam_from
        # A refresh brings at most one probe forward per step: any probe is a full step
        # (60 s) after the one before the last, so at most two per minute.
        capped = sim_times(list(sim.log)[start:], rig)[10:]
        tolerance = JITTER_S * rig.speed
        assert all(c - a >= 60.0 - tolerance for a, c in zip(capped, capped[2:],
                                                            strict=False)), capped
        assert len(spammed) <= 2 * spam_s / 60 + 2, (len(spammed), spam_s)
        per_minute: dict[int, int] = defaultdict(int)
        for t in sim_times(spammed, rig):
            per_minute[int(t // 60)] += 1
        assert max(per_minute.values()) <= 3, per_minute
        assert sim.max_in_flight == 1
        assert_polite(list(sim.log), rig)
