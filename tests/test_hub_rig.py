"""The hub over real loopback sockets: simulated chargers, a real Engine polling them, and
the real HubServer in front of it (its main port and one proxy port per charger). Other hub
tests build on :class:`HubRig`; the tests here check the rig itself and the index page."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
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
    uses a proxy from the environment)."""

    def __init__(self, sims: Sequence[SimulatedCharger], names: Sequence[str | None] = (),
                 *, clock: Clock = REAL_CLOCK, poll: PollSettings | None = None,
                 token: str | None = None, limits: Limits | None = None,
                 db: Path | None = None, start_engine: bool = True, proxies: bool = True
                 ) -> None:
        self.sims = list(sims)
        self.names = list(names) + [None] * (len(sims) - len(names))
        self.clock, self.poll, self.token, self.limits = clock, poll, token, limits
        self.db, self.start_engine, self.proxies = db, start_engine, proxies
        self.engine: Engine
        self.server: HubServer
        self.http: httpx.AsyncClient

    async def __aenter__(self) -> HubRig:
        for sim in self.sims:
            if sim._server is None:
                await sim.start()
        self.chargers = [ChargerConfig("127.0.0.1", sim.port, name)
                         for sim, name in zip(self.sims, self.names, strict=True)]
        self.engine = Engine(self.chargers, Settings(), clock=self.clock, poll=self.poll,
                             history=self.db is not None, db=self.db, priority=True)
        proxies = {c.id: 0 for c in self.chargers} if self.proxies else {}
        self.server = HubServer(self.engine, Settings(), listen=("127.0.0.1", 0),
                                proxy_ports=proxies, token=self.token, limits=self.limits)
        if self.start_engine:
            await self.engine.start()
        await self.server.start()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.http = httpx.AsyncClient(base_url=self.server.url or "", trust_env=False,
                                      headers=headers, timeout=10.0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        await self.server.stop()
        await self.engine.stop()
        for sim in self.sims:
            await sim.stop()

    @property
    def url(self) -> str:
        return self.server.url or ""

    def proxy_url(self, k: int) -> str:
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


def sim(scenario: str = "charging", seed: int = 1, **kwargs: object) -> SimulatedCharger:
    return SimulatedCharger("na", scenario=scenario, seed=seed, **kwargs)  # type: ignore[arg-type]


async def test_index_names_every_charger_by_its_hub_id() -> None:
    async with HubRig([sim(), sim(seed=2)], ["Car port 2"]) as rig:
        answer = await rig.http.get("/")
        assert answer.status_code == 200
        assert answer.json()["chargers"] == ["car-port-2", f"127-0-0-1-{rig.sims[1].port}"]
        assert "/metrics" in answer.json()["endpoints"]


def frozen(sim: SimulatedCharger) -> None:
    """The charger says the same thing every time from now on, so two readers (or a reader
    and the test) can be compared exactly instead of within a tolerance that load outruns."""
    answers = {e: sim.payload(e) for e in ENDPOINTS}
    sim.payload = answers.__getitem__  # type: ignore[method-assign]
