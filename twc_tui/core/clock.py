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


class VirtualClock(Clock):
    """Time that moves only when every task is waiting on it: deterministic tests.

    ``run_for(seconds)`` lets the event loop finish all ready work, then jumps to the next
    sleeper's deadline, and so on. A test then sees exactly the schedule the code asked for,
    however loaded the machine is: nothing here reads real time. Only for code whose waiting
    all goes through this clock (a fake client, not real sockets).
    """

    def __init__(self, wall: float = 1_795_000_000.0) -> None:
        import heapq
        import itertools

        self._heapq = heapq
        self._now = 0.0
        self.wall = wall
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self.wall + self._now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._heapq.heappush(self._timers,
                             (self._now + max(0.0, seconds), next(self._seq), future))
        await future

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        if event.is_set():
            return
        waiter = asyncio.ensure_future(event.wait())
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            sleeper.cancel()

    async def _settle(self) -> None:
        """Run the loop until nothing is ready to run (every task waits on a timer here)."""
        loop = asyncio.get_running_loop()
        for _ in range(10_000):
            await asyncio.sleep(0)
            if not getattr(loop, "_ready", ()):  # CPython's queue of ready callbacks
                await asyncio.sleep(0)
                if not getattr(loop, "_ready", ()):
                    return

    async def run_for(self, seconds: float) -> None:
        """Advance virtual time by ``seconds``, waking each sleeper at its deadline."""
        end = self._now + seconds
        while True:
            await self._settle()
            while self._timers and self._timers[0][2].done():  # cancelled sleepers
                self._heapq.heappop(self._timers)
            if not self._timers or self._timers[0][0] > end:
                self._now = end
                await self._settle()
                return
            deadline, _, future = self._heapq.heappop(self._timers)
            self._now = max(self._now, deadline)
            future.set_result(None)
