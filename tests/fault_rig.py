"""Two chargers polled side by side over real loopback sockets: the real httpx client with
short timeouts, real pollers on a ScaledClock, and a ChargerState fed by their events.

The simulators share the pollers' clock, so "10 minutes offline" or "backoff caps at 60 s"
take seconds. The simulator's own fault delays (latency, stall) are real seconds.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from twc_tui.core.client import ChargerClient, Timeouts, make_http_client
from twc_tui.core.clock import ScaledClock
from twc_tui.engine.charger_state import ChargerState
from twc_tui.engine.poller import ChargerPoller, PollEvent, PollFailure, PollSettings, PollSuccess
from twc_tui.sim.charger import SimulatedCharger

FAST = Timeouts(connect=0.25, read=0.25)
"""Real seconds, for a subject that must time out. At speed 20 a timeout costs 5 poll-time
seconds, like a slow LAN."""

PATIENT = Timeouts()
"""The monitor's own timeouts (real seconds), for every answer that must not time out: the
healthy charger always, the subject unless a case needs a timeout. A loaded machine can
hold a loopback answer past 0.25 s, and that failure would be the machine's, not the
charger's."""

UNREADABLE = re.compile(r"Traceback|httpx|Error\(|Exception|<class|\w+\.\w+Error|\bNone\b")
"""What a person must never read as a reason: tracebacks, class names, reprs."""


@dataclass
class Watched:
    """One charger: its simulator, poller, state and every event it produced."""

    sim: SimulatedCharger
    poller: ChargerPoller
    state: ChargerState
    events: list[PollEvent] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    """Poll-clock monotonic time each request began, one per event in ``events`` (and one
    more while a request is under way)."""

    def emit(self, event: PollEvent) -> None:
        self.events.append(event)
        self.state.apply(event)

    def sent_at(self, event: PollEvent) -> float:
        """When the request that produced ``event`` began. No earlier than the poller
        scheduled it, and (for a failure) no later than the moment the poller took its
        next step from, so the gap to the next request is at least the step announced,
        exactly, however late the loop runs: unlike ``event.at``, which a process
        preempted between scheduling and stamping can leave a moment late."""
        return self.sent[next(i for i, e in enumerate(self.events) if e is event)]

    def failures(self, since: float = float("-inf")) -> list[PollFailure]:
        return [e for e in self.events if isinstance(e, PollFailure) and e.at >= since]

    def successes(self, endpoint: str = "vitals",
                  since: float = float("-inf")) -> list[PollSuccess]:
        return [e for e in self.events
                if isinstance(e, PollSuccess) and e.endpoint == endpoint and e.at >= since]


class Rig:
    """A healthy charger and a subject charger, polled concurrently; ``timeouts`` are the
    subject's."""

    def __init__(self, speed: float = 20.0, *, subject_scenario: str = "charging",
                 healthy_scenario: str = "charging", timeouts: Timeouts = PATIENT,
                 settings: PollSettings | None = None) -> None:
        self.clock = ScaledClock(speed)
        self.speed = speed
        self.timeouts = timeouts
        self.settings = settings or PollSettings()
        self.http: httpx.AsyncClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._sims = {
            "healthy": SimulatedCharger("na", scenario=healthy_scenario, seed=1,
                                        clock=self.clock, name="healthy"),
            "subject": SimulatedCharger("na", scenario=subject_scenario, seed=2,
                                        clock=self.clock, name="subject"),
        }
        self.healthy: Watched
        self.subject: Watched

    async def __aenter__(self) -> Rig:
        self.http = make_http_client(self.timeouts)
        for role, sim in self._sims.items():
            await sim.start()
            client = ChargerClient(self.http, "127.0.0.1", sim.port,
                                   self.timeouts if role == "subject" else PATIENT)
            state = ChargerState(f"127.0.0.1:{sim.port}", role)
            watched = Watched(sim, None, state)  # type: ignore[arg-type]
            watched.poller = ChargerPoller(state.charger, client, watched.emit, self.settings,
                                           clock=self.clock)
            watched.poller.poll_once = self._stamped(watched)  # type: ignore[method-assign]
            setattr(self, role, watched)
        for watched in (self.healthy, self.subject):
            self._tasks.append(asyncio.create_task(watched.poller.run()))
        return self

    def _stamped(self, watched: Watched) -> Callable[[str], Awaitable[None]]:
        """``poll_once``, noting in ``watched.sent`` when each request begins."""
        poll_once = watched.poller.poll_once

        async def stamped(endpoint: str) -> None:
            watched.sent.append(self.clock.monotonic())
            await poll_once(endpoint)

        return stamped

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for sim in self._sims.values():
            await sim.stop()
        if self.http is not None:
            await self.http.aclose()

    def now(self) -> float:
        """Poll-clock wall time, the time events carry."""
        return self.clock.time()

    def real(self, sim_seconds: float) -> float:
        return sim_seconds / self.speed

    async def wait_for(self, condition: Callable[[], bool], sim_seconds: float,
                       what: str = "") -> None:
        """Wait until ``condition()`` holds, at most ``sim_seconds`` of poll time."""
        deadline = self.clock.monotonic() + sim_seconds
        while not condition():
            if self.clock.monotonic() > deadline:
                raise AssertionError(f"not within {sim_seconds:g} simulated s: {what}")
            await asyncio.sleep(0.01)

    async def run_for(self, sim_seconds: float) -> None:
        await asyncio.sleep(self.real(sim_seconds))

    async def settled(self) -> None:
        """Until the subject has answered all four endpoints once."""
        state = self.subject.state
        await self.wait_for(lambda: all((state.vitals, state.lifetime, state.wifi,
                                         state.version)) and self.healthy.state.vitals
                            is not None, 30, "first data from both chargers")
