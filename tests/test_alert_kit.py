"""Shared by the alert and notify tests: a real HTTP receiver on loopback (aiohttp) that
records every request, and an engine polling simulated chargers with sinks pointed at it.
No tests here."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from twc_tui.core.alert_config import DEFAULT_RULES, Alerting, AlertRule
from twc_tui.core.cadence import PollSettings
from twc_tui.core.client import Timeouts
from twc_tui.core.clock import ScaledClock
from twc_tui.core.config import Settings
from twc_tui.core.sink_config import Sink
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.engine import Engine
from twc_tui.sim.charger import SimulatedCharger


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that keeps what it is sent. ``fail_next`` requests get a
    500; while ``hang`` is set, requests wait until it is cleared (or 60 s)."""

    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    fail_next: int = 0
    hang_s: float = 0.0
    port: int = 0
    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.read()
        if self.hang_s:
            await asyncio.sleep(self.hang_s)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.Response(status=500, text="no")
        self.received.append(Received(request.path, dict(request.headers), body))
        return web.Response(status=200, text="{}")

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def url(self, path: str = "/twc") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def wait_for(self, condition: Callable[[], bool], real_s: float = 10.0) -> None:
        async with asyncio.timeout(real_s):
            while not condition():
                await asyncio.sleep(0.01)


def rules(**changes: dict[str, Any]) -> tuple[AlertRule, ...]:
    """The default rules, some changed: ``rules(**{"reboot": {"cooldown_s": 0}})``."""
    return tuple(dataclasses.replace(r, **changes.get(r.name, {})) for r in DEFAULT_RULES)


FAST = Timeouts(connect=0.25, read=0.5)


def engine_for(sims: list[SimulatedCharger], clock: ScaledClock, sinks: tuple[Sink, ...],
               poll: PollSettings, alert_rules: tuple[AlertRule, ...] = DEFAULT_RULES,
               ) -> Engine:
    settings = Settings(timeouts=FAST, alerting=Alerting(alert_rules, sinks))
    chargers = [ChargerConfig(host="127.0.0.1", port=s.port, name=s.name) for s in sims]
    return Engine(chargers, settings, clock=clock, poll=poll, history=False)
