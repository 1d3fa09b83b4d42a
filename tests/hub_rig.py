"""A hub over real loopback sockets for the client tests: simulated chargers, a real Engine
polling them, and the hub's HTTP server in front of it.

The real ``HubServer`` is used when it exists; until it lands, a minimal aiohttp stand-in
serves the same contract (``wire.*`` output of the same Engine).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Sequence

from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.engine import Engine
from twc_tui.hub import wire
from twc_tui.sim.charger import SimulatedCharger

try:
    from twc_tui.hub.server import HubServer  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - until the server lands
    HubServer = None


class _StandIn:
    """The hub's client-facing endpoints, from ``wire``, on aiohttp."""

    def __init__(self, engine: Engine, settings: Settings, listen: tuple[str, int]) -> None:
        self.engine, self.listen = engine, listen
        self.url = ""
        self._runner = None
        self._streams: set[asyncio.Task[None]] = set()

    def _ids(self) -> dict[str, str]:
        return {c.id.replace(".", "-").replace(":", "-"): c.id for c in self.engine.chargers}

    async def start(self) -> None:
        from aiohttp import web

        ids = self._ids()
        host_of = {c.id: c.id for c in self.engine.chargers}
        engine = self.engine

        def doc(hub_id: str, full: bool) -> dict:
            d = wire.state_to_wire(engine.states[ids[hub_id]], engine.clock.time(),
                                   host=host_of[ids[hub_id]], log_tail=200 if full else 0)
            d["id"] = hub_id
            return d

        async def chargers(request: web.Request) -> web.Response:
            full = request.query.get("full") == "1"
            return web.json_response({"chargers": [doc(i, full) for i in ids]})

        async def history(request: web.Request) -> web.Response:
            state = engine.states[ids[request.match_info["id"]]]
            return web.json_response(wire.history_to_wire(
                state.history, request.query.get("range", "5m"), engine.clock.time()))

        async def sessions(request: web.Request) -> web.Response:
            return web.json_response({"sessions": []})

        async def events(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            with engine.subscribe(64) as sub:
                await response.prepare(request)
                back = {v: k for k, v in ids.items()}
                while True:
                    update = await sub.get_within(15)
                    if update is None:
                        await response.write(b"event: ping\ndata: {}\n\n")
                        continue
                    data = wire.event_to_wire(update.event)
                    data["charger"] = back[update.charger]
                    await response.write(f"event: poll\ndata: {json.dumps(data)}\n\n".encode())

        app = web.Application()
        app.add_routes([web.get("/api/chargers", chargers), web.get("/api/events", events),
                        web.get("/c/{id}/history", history), web.get("/api/sessions", sessions)])
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, *self.listen, reuse_address=True)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def make_server(engine: Engine, settings: Settings, port: int = 0):  # type: ignore[no-untyped-def]
    if HubServer is not None:
        return HubServer(engine, settings, listen=("127.0.0.1", port))
    return _StandIn(engine, settings, ("127.0.0.1", port))


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
        self.server = None
        self.port = 0

    @property
    def url(self) -> str:
        return self.server.url  # type: ignore[union-attr]

    def chargers(self) -> list[ChargerConfig]:
        return [ChargerConfig("127.0.0.1", s.port, name=s.name) for s in self.sims]

    async def __aenter__(self) -> HubRig:
        for sim in self.sims:
            await sim.start()
        self.engine = Engine(self.chargers(), self.settings, clock=self.clock, history=False)
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
            self.server = None

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
