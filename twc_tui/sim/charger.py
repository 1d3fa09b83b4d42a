"""A realistic simulated Wall Connector served over real HTTP on loopback.

The whole product is developed, demoed and tested against this: it serves the four endpoints
with what real units send (see ``sim_render``), follows a scripted charging day in simulated
time (``sim_scenario``), misbehaves on request (``sim_faults``), and logs every request so
tests can prove the client is polite.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Self

from twc_tui.core.clock import Clock, ScaledClock
from twc_tui.sim import answer as sim_answer
from twc_tui.sim import http_wire as sim_http
from twc_tui.sim import render as sim_render
from twc_tui.sim.answer import BROKEN_PATHS, ENDPOINT_PATHS
from twc_tui.sim.faults import Faults
from twc_tui.sim.profiles import PROFILES
from twc_tui.sim.scenario import SCRIPTS, Scenario, Segment

__all__ = ["BROKEN_PATHS", "ENDPOINT_PATHS", "Faults", "RequestRecord", "SimulatedCharger",
           "SimulatorFarm"]

IDLE_CLOSE_S = 20.0
"""Real seconds an idle keep-alive connection stays open."""
LOG_MAX = 100_000
SENTINEL_WINDOW_S = 3.0
_names = itertools.count(1)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the simulator saw it."""

    method: str
    path: str
    status: int
    """The status sent (or about to be sent, if the connection was reset)."""
    started: float
    """``time.monotonic()`` when the request head arrived."""
    ended: float
    peer: str
    fault: str | None = None
    """The injected fault that shaped the answer, if any."""


class SimulatedCharger:
    """One simulated Wall Connector on its own port."""

    def __init__(self, profile: str = "na", *, host: str = "127.0.0.1", port: int = 0,
                 speed: float = 1.0, faults: Faults | None = None, name: str | None = None,
                 scenario: str = "day", start_at_s: float = 0.0, seed: int | None = None,
                 clock: Clock | None = None) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
        if scenario not in SCRIPTS:
            raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCRIPTS)}")
        if not speed > 0:
            raise ValueError(f"speed must be above 0, not {speed}")
        self.profile = profile
        self.host = host
        self.port = port
        self.speed = speed
        self.faults = faults if faults is not None else Faults()
        self.name = name or f"sim-{profile}-{next(_names)}"
        self.scenario = Scenario(PROFILES[profile], SCRIPTS[scenario])
        """The script being played; ``scenario.segments`` is one period of it."""
        self.start_at_s = start_at_s
        self.log: deque[RequestRecord] = deque(maxlen=LOG_MAX)
        self.max_in_flight = 0
        self.in_flight = 0
        self._rng = random.Random(seed)
        self._fault_rng = random.Random()
        self._fault_key: tuple[int, int | None] | None = None
        self._clock_arg = clock
        self._clock: Clock | None = None
        self._t0 = 0.0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._comeback: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def online(self) -> bool:
        return self._server is not None

    # --- time -----------------------------------------------------------------------------
    def sim_time(self) -> float:
        """Simulated seconds since start() (speed applies)."""
        return 0.0 if self._clock is None else self._clock.monotonic() - self._t0

    def script_time(self) -> float:
        """Where in the scenario's script we are now."""
        return self.scenario.script.offset_s + self.start_at_s + self.sim_time()

    def timeline(self, start_s: float, end_s: float) -> list[Segment]:
        """The scripted phases between two ``sim_time()`` values, in sim_time coordinates
        (manual reboots are not shown)."""
        shift = self.scenario.script.offset_s + self.start_at_s
        period = self.scenario.script.period_s
        out: list[Segment] = []
        base = (start_s + shift) // period * period
        while base < end_s + shift:
            for seg in self.scenario.segments:
                a, b = base + seg.start_s - shift, base + seg.end_s - shift
                if b > start_s and a < end_s:
                    out.append(Segment(max(a, start_s), min(b, end_s), seg.phase,
                                       seg.evse_state))
            base += period
        return out

    def reboot(self) -> None:
        """Reboot now: uptime starts again from 0 and the session counters reset."""
        self.scenario.manual_boots.append(self.script_time())

    # --- payloads -------------------------------------------------------------------------
    def payload(self, endpoint: str) -> dict[str, Any]:
        """What the endpoint says right now, before any fault."""
        profile, x = self.scenario.profile, self.script_time()
        if endpoint == "vitals":
            truth = self.scenario.truth(x)
            rate = self.faults.sentinel_rate
            sentinel = (rate > 0 and truth.since_change_s < SENTINEL_WINDOW_S
                        and self._faults_rng().random() < rate)
            return sim_render.vitals(profile, truth, x, self._rng, sentinel)
        if endpoint == "lifetime":
            return sim_render.lifetime(profile, self.scenario.lifetime(x))
        if endpoint == "wifi_status":
            return sim_render.wifi(profile, x, self._rng)
        return sim_render.version(profile)

    def _faults_rng(self) -> random.Random:
        key = (id(self.faults), self.faults.seed)
        if key != self._fault_key:
            self._fault_key = key
            self._fault_rng = random.Random(self.faults.seed)
        return self._fault_rng

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Start listening; ``port`` and ``url`` are valid afterwards. Raises OSError."""
        self._clock = self._clock_arg or ScaledClock(self.speed)
        self._t0 = self._clock.monotonic()
        await self._listen()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port,
                                                  reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        if self._comeback is not None and self._comeback is not asyncio.current_task():
            self._comeback.cancel()
        self._comeback = None
        await self._close()

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    async def go_offline(self, seconds: float | None = None) -> None:
        """Refuse connections for ``seconds`` real seconds (None: until come_back()), then
        listen again on the same port. Open connections drop, as when Wi-Fi goes."""
        await self.stop()
        if seconds is not None:
            self._comeback = asyncio.create_task(self._come_back_after(seconds))

    async def _come_back_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.come_back()

    async def come_back(self) -> None:
        """Listen again on the same port."""
        if self._comeback is not None and self._comeback is not asyncio.current_task():
            self._comeback.cancel()
        self._comeback = None
        if self._server is None:
            await self._listen()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- HTTP -----------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        self._writers.add(writer)
        peername = writer.get_extra_info("peername")
        peer = f"{peername[0]}:{peername[1]}" if peername else "?"
        try:
            while True:
                request = await asyncio.wait_for(sim_http.read_request(reader), IDLE_CLOSE_S)
                if request is None or not await self._answer(request, writer, peer):
                    break
        except (sim_http.BadRequest, TimeoutError, ConnectionError, OSError,
                asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Only _close() cancels these tasks; ending quietly keeps asyncio's stream
            # callback from logging the cancellation as an error.
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)  # type: ignore[arg-type]
            # close(), not abort(): a "Connection: close" answer may still be in the buffer.
            writer.close()

    async def _answer(self, request: sim_http.Request, writer: asyncio.StreamWriter,
                      peer: str) -> bool:
        """Answer one request; False when the connection must close."""
        started = time.monotonic()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        status, fault = 0, None
        try:
            faults = self.faults
            delay = faults.latency_s + faults.stall_s
            if delay > 0:
                await asyncio.sleep(delay)
            reply = sim_answer.answer(
                request.method, request.path, faults, self._faults_rng(), self.payload)
            status, fault = reply[0], reply[3]
            return await sim_http.send_answer(writer, request, reply)
        finally:
            self.in_flight -= 1
            self.log.append(RequestRecord(request.method, request.path, status, started,
                                          time.monotonic(), peer, fault))


class SimulatorFarm:
    """Several simulated chargers in one process, one port each."""

    def __init__(self, chargers: list[SimulatedCharger]) -> None:
        self.chargers = chargers

    async def start(self) -> None:
        """Start every charger; if one cannot listen, stop the others and re-raise."""
        try:
            for charger in self.chargers:
                await charger.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.chargers), return_exceptions=True)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @classmethod
    def demo(cls, speed: float = 20.0) -> SimulatorFarm:
        """Three chargers where something visible happens within a minute at speed 20: NA
        charging (alert 40 after ~23 simulated minutes), EU five simulated minutes before its
        thermal derate, and an idle one that is plugged in after 30 simulated seconds."""
        evening = SCRIPTS["day"].sessions[-1]
        derate = evening.charge_start + (evening.derate_after_s or 0.0)
        return cls([
            SimulatedCharger("na", scenario="charging", speed=speed, name="Garage"),
            SimulatedCharger("eu", scenario="day", speed=speed, name="Driveway",
                             start_at_s=derate - 300),
            SimulatedCharger("na", scenario="plugin", speed=speed, name="Carport",
                             faults=Faults(sentinel_rate=0.5, seed=7)),
        ])
