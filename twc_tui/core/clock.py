"""Time sources, injectable so tests can run long polling scenarios quickly."""

from __future__ import annotations

import asyncio
import time


class Clock:
    """Real time: ``monotonic`` for scheduling, ``time`` for what users read."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        """Wait until ``event`` is set or ``seconds`` have passed."""
        try:
            await asyncio.wait_for(event.wait(), timeout=self._real(seconds))
        except TimeoutError:
            pass

    def _real(self, seconds: float) -> float:
        return max(0.0, seconds)


class ScaledClock(Clock):
    """Time that runs ``speed`` times faster than real time.

    Both the poller and the simulator read it, so a test can check "no endpoint more often
    than once per second" over an hour of polling in a few real seconds.
    """

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._t0 = time.monotonic()
        self._wall0 = time.time()

    def monotonic(self) -> float:
        return (time.monotonic() - self._t0) * self.speed

    def time(self) -> float:
        return self._wall0 + self.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(self._real(seconds))

    def _real(self, seconds: float) -> float:
        return max(0.0, seconds) / self.speed


class FixedClock(Clock):
    """Time that stands still (snapshot tests); ``advance`` moves it on by hand."""

    def __init__(self, wall: float = 1_795_000_000.0) -> None:
        self.wall = wall
        self._mono = 0.0

    def monotonic(self) -> float:
        return self._mono

    def time(self) -> float:
        return self.wall + self._mono

    def advance(self, seconds: float) -> None:
        self._mono += seconds


REAL_CLOCK = Clock()
