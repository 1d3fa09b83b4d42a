"""Virtual time for the engine talking to simulators over real loopback sockets.

A :class:`~twc_tui.core.clock.ScaledClock` keeps running while a request is on the wire, so
at 4800x a millisecond of a loaded machine's lateness is five simulated seconds: a session
seen starting late, a derate that lasted 35 real ms missed altogether. :class:`IdleClock`
is the project's :class:`~twc_tui.core.clock.VirtualClock` that also stands still while any
request is in flight, whether the poller's or the simulator's side of it: time moves only
when every poller is waiting on the clock. A simulated day then reads the same on any
machine, at whatever speed the machine manages. The sockets, the HTTP and the timeouts (on
the loop's own real clock) are all real.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from twc_tui.core.client import ChargerClient
from twc_tui.core.clock import VirtualClock
from twc_tui.sim.charger import SimulatedCharger


class IdleClock(VirtualClock):
    """Virtual time that moves only while ``busy()`` is false (and every task waits), nor
    while a simulator given to :meth:`watch` is answering."""

    def __init__(self, busy: Callable[[], bool], wall: float = 1_795_000_000.0) -> None:
        super().__init__(wall)
        self._busy = busy
        self._sims: list[SimulatedCharger] = []

    def watch(self, *sims: SimulatedCharger) -> None:
        self._sims.extend(sims)

    async def _settle(self) -> None:
        while True:
            await super()._settle()
            if not self._busy() and not any(s.in_flight for s in self._sims):
                return
            await asyncio.sleep(0.0002)  # real time: the bytes are on their way


@contextlib.contextmanager
def idle_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[IdleClock]:
    """An :class:`IdleClock` that stands still while any charger request is in flight:
    every :meth:`ChargerClient.fetch` (patched here to count them) and every answer a
    watched simulator is giving."""
    in_flight = [0]
    fetch = ChargerClient.fetch

    @functools.wraps(fetch)
    async def counted(self: ChargerClient, endpoint: str) -> Any:
        in_flight[0] += 1
        try:
            return await fetch(self, endpoint)
        finally:
            in_flight[0] -= 1

    monkeypatch.setattr(ChargerClient, "fetch", counted)
    yield IdleClock(lambda: in_flight[0] > 0)


async def drive(clock: IdleClock, until: Callable[[], bool], step: float = 1.0,
                real_s: float = 300.0, what: str = "") -> None:
    """Move ``clock`` on ``step`` simulated seconds at a time until ``until()`` holds, for
    at most ``real_s`` real seconds (a deadline for a hang, not a measure of speed)."""
    deadline = time.monotonic() + real_s
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {real_s:g} real s: {what}")
        await clock.run_for(step)


async def wait_real(condition: Callable[[], bool], real_s: float = 30.0,
                  what: str = "") -> None:
    """Wait in real time, the clock standing still, until ``condition()``: before the
    engine's pollers exist nothing waits on the clock, and driving it would skip ahead."""
    async with asyncio.timeout(real_s):
        while not condition():
            await asyncio.sleep(0.01)


async def finish(clock: IdleClock, task: Awaitable[Any], real_s: float = 30.0) -> Any:
    """Await ``task`` while moving the clock on, for whatever it waits out as it stops."""
    future = asyncio.ensure_future(task)
    await drive(clock, future.done, 0.1, real_s, "the task to finish")
    return future.result()
