"""The poller's manners: cadence, one request at a time, the 1 s floor, backoff, recovery.

A fake client answers from a script, on a VirtualClock: time moves only when every task waits
on it, so a simulated quarter hour takes milliseconds and every gap is exactly what the poller
scheduled, however loaded the machine is. The assertions are therefore exact.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from typing import Any

import pytest

from twc_tui.core.client import ChargerError, Unreachable
from twc_tui.core.clock import VirtualClock
from twc_tui.engine.poller import ChargerPoller, PollEvent, PollFailure, PollSettings, PollSuccess


class FakeClient:
    """Answers like a charger; ``down`` makes every request fail."""

    def __init__(self, clock: VirtualClock, plugged: bool = True) -> None:
        self.clock = clock
        self.plugged = plugged
        self.down = False
        self.boom = False
        self.calls: list[tuple[float, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def fetch(self, endpoint: str) -> dict[str, Any]:
        self.calls.append((self.clock.monotonic(), endpoint))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self.clock.sleep(0.05)
            if self.boom:
                raise RuntimeError("a bug in parsing")
            if self.down:
                raise Unreachable("connection refused by 127.0.0.1:9", endpoint=endpoint)
            if endpoint == "vitals":
                return {"vehicle_connected": self.plugged, "uptime_s": 100, "evse_state": 11}
            return {}
        finally:
            self.in_flight -= 1

    def times(self, endpoint: str) -> list[float]:
        return [t for t, e in self.calls if e == endpoint]


async def run_for(poller: ChargerPoller, seconds: float) -> None:
    task = asyncio.create_task(poller.run())
    await poller.clock.run_for(seconds)  # type: ignore[attr-defined]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def make(
    plugged: bool = True, **settings: Any
) -> tuple[ChargerPoller, FakeClient, list[PollEvent]]:
    clock = VirtualClock()
    client = FakeClient(clock, plugged)
    events: list[PollEvent] = []
    poller = ChargerPoller("c1", client, events.append, PollSettings(**settings), clock=clock)  # type: ignore[arg-type]
    return poller, client, events


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


async def test_cadence_while_plugged() -> None:
    poller, client, events = make(plugged=True)
    await run_for(poller, 130)
    counts = Counter(e for _, e in client.calls)
    # Each cadence counts from the answer (0.05 s after the send): vitals every 1.05 s,
    # lifetime at 0, 60 and 120 s, WiFi every 30 s, version once an hour.
    assert counts == {"vitals": 124, "wifi_status": 5, "lifetime": 3, "version": 1}
    assert client.max_in_flight == 1
    assert all(isinstance(e, PollSuccess) for e in events)


async def test_idle_vitals_every_five_seconds() -> None:
    poller, client, _ = make(plugged=False)
    await run_for(poller, 60)
    vitals_gaps = gaps(client.times("vitals"))
    assert vitals_gaps and vitals_gaps == pytest.approx([5.05] * len(vitals_gaps))


async def test_floor_holds_even_when_refresh_is_spammed() -> None:
    poller, client, _ = make(plugged=True)
    task = asyncio.create_task(poller.run())
    for _ in range(200):
        poller.refresh()
        await client.clock.run_for(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for endpoint in ("vitals", "lifetime", "wifi_status", "version"):
        assert all(g >= 1.0 for g in gaps(client.times(endpoint))), endpoint
    assert client.max_in_flight == 1


async def test_backoff_grows_and_caps_at_sixty_seconds() -> None:
    poller, client, events = make(plugged=True)
    client.down = True
    await run_for(poller, 900)
    assert {e for _, e in client.calls} == {"vitals"}  # a failing charger is only probed
    vitals_gaps = gaps(client.times("vitals"))
    # Each gap is the request (0.05 s) plus the delay 1 x 1.6^(n-1), capped at 60 s.
    expected = [0.05 + min(60.0, 1.6 ** n) for n in range(len(vitals_gaps))]
    assert vitals_gaps == pytest.approx(expected, abs=1e-9)
    assert sum(g == pytest.approx(60.05) for g in vitals_gaps) >= 8  # capped, not growing
    failures = [e for e in events if isinstance(e, PollFailure)]
    assert [f.offline for f in failures[:4]] == [False, False, True, True]
    assert "connection refused" in str(failures[0].error)


class Flaky(FakeClient):
    """Fails the vitals requests whose number (from 1) is in ``failing``; answers the rest."""

    def __init__(self, clock: VirtualClock, failing: set[int]) -> None:
        super().__init__(clock)
        self.failing = failing
        self.vitals_asked = 0

    async def fetch(self, endpoint: str) -> dict[str, Any]:
        self.vitals_asked += endpoint == "vitals"
        self.down = endpoint == "vitals" and self.vitals_asked in self.failing
        return await super().fetch(endpoint)


async def test_errors_now_and_then_keep_the_cadence_and_a_success_resets_the_backoff(
) -> None:
    clock = VirtualClock()
    client = Flaky(clock, {3, 4, 7})
    events: list[PollEvent] = []
    poller = ChargerPoller("c1", client, events.append, PollSettings(), clock=clock)  # type: ignore[arg-type]
    await run_for(poller, 12)
    # Every 1.05 s (1 s after each answer); a second failure in a row waits 1.6 s, and
    # the failure after a success starts again from 1 s, not where the backoff had got to.
    assert gaps(client.times("vitals")) == pytest.approx(
        [1.05, 1.05, 1.05, 1.65] + [1.05] * 6)
    failures = [(e.failures, e.retry_in_s) for e in events if isinstance(e, PollFailure)]
    assert failures == [(1, 1.0), (2, 1.6), (1, 1.0)]


async def test_refresh_spam_at_a_failing_charger_brings_one_probe_forward_per_step() -> None:
    poller, client, _ = make(plugged=True)
    client.down = True
    task = asyncio.create_task(poller.run())
    await client.clock.run_for(300)  # at the 60 s cap by now
    spam_from = client.clock.monotonic()
    for _ in range(6000):  # `r` held down for ten minutes
        poller.refresh()
        await client.clock.run_for(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    probes = client.times("vitals")
    spammed = [t for t in probes if t >= spam_from]
    assert spammed[0] == pytest.approx(spam_from)  # the first press probes at once
    # Then one probe brought forward per 60 s step, besides the step's own: two a
    # minute, never a third, and any probe a full step after the one before the last.
    assert len(spammed) == 20
    capped = probes[10:]
    assert all(c - a >= 60.0 for a, c in zip(capped, capped[2:], strict=False))
    assert {e for _, e in client.calls[len(client.calls) - len(spammed):]} == {"vitals"}


async def test_recovery_fetches_everything_at_once() -> None:
    poller, client, events = make(plugged=True)
    client.down = True
    task = asyncio.create_task(poller.run())
    await client.clock.run_for(20)
    client.down = False
    recovered_at = client.clock.monotonic()
    await client.clock.run_for(30)  # the backoff step in force is 10.5 s at 20 s
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    first_ok = next(
        t for t, e in client.calls if e == "vitals" and t > recovered_at
    )
    after = [e for t, e in client.calls if first_ok <= t <= first_ok + 1.5]
    assert {"lifetime", "wifi_status", "version"} <= set(after)
    last_step = [e for e in events if isinstance(e, PollFailure)][-1].retry_in_s
    assert first_ok - recovered_at <= last_step  # within one backoff step


async def test_session_end_triggers_lifetime() -> None:
    poller, client, _ = make(plugged=True)
    task = asyncio.create_task(poller.run())
    await client.clock.run_for(10)
    client.plugged = False
    unplugged = client.clock.monotonic()
    await client.clock.run_for(5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert any(t > unplugged for t in client.times("lifetime"))


async def test_unexpected_exception_is_a_failure_not_a_crash() -> None:
    poller, client, events = make(plugged=True)
    client.boom = True
    await run_for(poller, 10)
    failures = [e for e in events if isinstance(e, PollFailure)]
    assert failures and isinstance(failures[0].error, ChargerError)
    assert "a bug in parsing" in str(failures[0].error)


def test_settings_refuse_polling_faster_than_once_per_second() -> None:
    with pytest.raises(ValueError, match="at least 1 s"):
        PollSettings(vitals_active_s=0.5)
