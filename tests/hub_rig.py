"""A hub over real loopback sockets: simulated chargers, a real Engine polling them, and the
hub's real HTTP server (``HubServer``) in front of it, with its main port and by default one
proxy port per charger. The hub tests and the client tests (monitor, ``status`` and recipes
attached to a hub) all build on :class:`HubRig`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from twc_tui.core.cadence import PollSettings
from twc_tui.core.client import ENDPOINTS
from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.engine import Engine
from twc_tui.hub.limits import Limits
from twc_tui.hub.server import HubServer
from twc_tui.sim.charger import SimulatedCharger

PATHS = {f"/api/1/{e}" for e in ("vitals", "lifetime", "wifi_status", "version")}


class HubRig:
    """``sims[k]`` is charger k; ``engine``, ``server``, and ``http`` (a client that never
    uses a proxy from the environment).

    ``names``: what each charger is called; None, each simulator's own name; a list shorter
    than ``sims`` leaves the rest unnamed (known by ``host:port``)."""

    def __init__(self, sims: Sequence[SimulatedCharger],
                 names: Sequence[str | None] | None = None, *, clock: Clock = REAL_CLOCK,
                 settings: Settings | None = None, poll: PollSettings | None = None,
                 token: str | None = None, limits: Limits | None = None,
                 db: Path | None = None, start_engine: bool = True, proxies: bool = True,
                 prefill: Callable[[Engine], None] | None = None) -> None:
        self.sims = list(sims)
        names = [s.name for s in sims] if names is None else list(names)
        self.names = names + [None] * (len(sims) - len(names))
        self.clock, self.poll, self.token, self.limits = clock, poll, token, limits
        self.settings = settings or Settings()
        self.db, self.start_engine, self.proxies = db, start_engine, proxies
        self.prefill = prefill
        """Runs before the engine's first poll: e.g. the history of a hub up for hours."""
        self.port = 0
        self.chargers: list[ChargerConfig] = []
        self.engine: Engine
        self.server: HubServer | None = None
        self.http: httpx.AsyncClient

    async def __aenter__(self) -> HubRig:
        for sim in self.sims:
            if sim._server is None:
                await sim.start()
        self.chargers = [ChargerConfig("127.0.0.1", sim.port, name)
                         for sim, name in zip(self.sims, self.names, strict=True)]
        self.engine = Engine(self.chargers, self.settings, clock=self.clock, poll=self.poll,
                             history=self.db is not None or self.settings.db_path is not None,
                             db=self.db, priority=True)
        if self.prefill is not None:
            self.prefill(self.engine)
        if self.start_engine:
            await self.engine.start()
        await self.start_server()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.http = httpx.AsyncClient(base_url=self.url, trust_env=False, headers=headers,
                                      timeout=10.0)
        return self

    async def start_server(self) -> None:
        """Start the server, on the port it had if it ran before (a hub coming back)."""
        proxies = {c.id: 0 for c in self.chargers} if self.proxies else {}
        self.server = HubServer(self.engine, self.settings, listen=("127.0.0.1", self.port),
                                proxy_ports=proxies, token=self.token, limits=self.limits)
        await self.server.start()
        self.port = int(self.url.rsplit(":", 1)[1])

    async def stop_server(self) -> None:
        """The hub goes away; the engine and the chargers go on."""
        if self.server is not None:
            await self.server.stop()
            self.server = None

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        with contextlib.suppress(Exception):
            await self.stop_server()
        await self.engine.stop()
        for sim in self.sims:
            await sim.stop()

    @property
    def url(self) -> str:
        return (self.server.url if self.server is not None else None) or ""

    def proxy_url(self, k: int) -> str:
        assert self.server is not None
        return self.server.proxy_urls[self.chargers[k].id]

    async def answered(self, endpoints: Sequence[str] = ("vitals", "lifetime", "wifi_status",
                                                         "version"), within: float = 10.0
                       ) -> list[dict]:
        """Wait (bounded) until every charger answered ``endpoints``; /api/chargers then."""
        async with asyncio.timeout(within):
            while True:
                doc = (await self.http.get("/api/chargers")).json()["chargers"]
                if all(set(endpoints) <= set(c["updated"]) for c in doc):
                    return doc
                await asyncio.sleep(0.05)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 6.0,
                       what: str = "") -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() > deadline:
                raise AssertionError(f"not within {timeout} s: {what}")
            await asyncio.sleep(0.02)


def sim(scenario: str = "charging", seed: int = 1, **kwargs: object) -> SimulatedCharger:
    return SimulatedCharger("na", scenario=scenario, seed=seed, **kwargs)  # type: ignore[arg-type]


def frozen(sim: SimulatedCharger) -> None:
    """The charger says the same thing every time from now on, so two readers (or a reader
    and the test) can be compared exactly instead of within a tolerance that load outruns."""
    answers = {e: sim.payload(e) for e in ENDPOINTS}
    sim.payload = answers.__getitem__  # type: ignore[method-assign]
