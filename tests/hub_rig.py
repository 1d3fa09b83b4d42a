"""A hub over real loopback sockets for the client tests: simulated chargers, a real Engine
polling them, and the hub's real HTTP server (``HubServer``) in front of it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.engine import Engine
from twc_tui.hub.server import HubServer
from twc_tui.sim.charger import SimulatedCharger


def make_server(engine: Engine, settings: Settings, port: int = 0) -> HubServer:
    return HubServer(engine, settings, listen=("127.0.0.1", port))


class HubRig:
    """Simulators, the hub's engine polling them, and the hub's server."""

    def __init__(self, sims: Sequence[SimulatedCharger], clock: Clock = REAL_CLOCK,
                 settings: Settings | None = None,
                 prefill: Callable[[Engine], None] | None = None) -> None:
        self.sims = list(sims)
        self.prefill = prefill
        """Runs before the engine's first poll: e.g. the history of a hub up for hours."""
        self.clock = clock
        self.settings = settings or Settings()
        self.engine: Engine | None = None
        self.server: HubServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return self.server.url  # type: ignore[union-attr]

    def chargers(self) -> list[ChargerConfig]:
        return [ChargerConfig("127.0.0.1", s.port, name=s.name) for s in self.sims]

    async def __aenter__(self) -> HubRig:
        for sim in self.sims:
            await sim.start()
        self.engine = Engine(self.chargers(), self.settings, clock=self.clock,
                             history=self.settings.db_path is not None)
        if self.prefill is not None:
            self.prefill(self.engine)
        await self.engine.start()
        await self.start_server()
        return self

    async def start_server(self) -> None:
        assert self.engine is not None
        self.server = make_server(self.engine, self.settings, self.port)
        await self.server.start()
        self.port = int(self.url.rsplit(":", 1)[1])

    async def stop_server(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server: HubServer | None = None

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self.stop_server()
        if self.engine is not None:
            await self.engine.stop()
        for sim in self.sims:
            await sim.stop()

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 6.0,
                       what: str = "") -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() > deadline:
                raise AssertionError(f"not within {timeout} s: {what}")
            await asyncio.sleep(0.02)
