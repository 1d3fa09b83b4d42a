"""The hub's HTTP server: one engine's chargers served to every other tool, over aiohttp.

``HubServer(engine, settings, listen=(host, port), proxy_ports=..., token=...)`` runs on the
engine's loop: ``await server.start()``, ``server.url``, ``await server.stop()``. Other parts
add their own line to ``/healthz`` through ``server.health_checks[name] = callable``.
Every answer is built from the engine's memory; the hub opens no connection of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from twc_tui.core.client import format_host
from twc_tui.core.config import Settings
from twc_tui.engine.engine import Engine, Subscription
from twc_tui.hub import bad_requests
from twc_tui.hub.counters import PollCounter
from twc_tui.hub.ids import hub_ids
from twc_tui.hub.limits import Limits
from twc_tui.hub.metrics import HubCollector
from twc_tui.hub.proxy import proxy_app
from twc_tui.hub.routes import routes
from twc_tui.hub.token import authorized

log = logging.getLogger("twc_tui.hub")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SHUTDOWN_S = 2.0


class HubServer:
    def __init__(self, engine: Engine, settings: Settings, *,
                 listen: tuple[str, int] = ("127.0.0.1", 8743),
                 proxy_ports: Mapping[str, int] | None = None, token: str | None = None,
                 limits: Limits | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.listen = listen
        self.proxy_ports = dict(proxy_ports or {})
        """Engine id (``host:port``) to the port that answers as that charger."""
        self.token = token
        self.limits = limits or Limits()
        self.ids = hub_ids(engine.chargers)
        """Hub id to engine id, in config order."""
        self.hub_id_of = {engine_id: hub_id for hub_id, engine_id in self.ids.items()}
        self.counter = PollCounter()
        self._unlisten = engine.listen(self.counter)  # from now on, even before start()
        self.metrics = HubCollector(engine, self.ids, self.counter)
        self.health_checks: dict[str, Callable[[], dict[str, Any]]] = {}
        """Name to a quick function whose dict goes into /healthz under that name."""
        self.sse_clients = 0
        self.subscriptions: set[Subscription] = set()
        self.url: str | None = None
        """``http://host:port`` once started."""
        self.proxy_urls: dict[str, str] = {}
        self._runners: list[web.AppRunner] = []

    # -- the applications ---------------------------------------------------------------
    def _guard(self, runner_of: Callable[[], web.AppRunner | None], token: bool
               ) -> Callable[..., Any]:
        limit = self.limits.max_connections

        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            runner = runner_of()
            server = runner.server if runner is not None else None
            if server is not None and len(server.connections) > limit:
                response = web.json_response(
                    {"error": f"too many connections (at most {limit})"}, status=503,
                    headers={"Retry-After": "5"})
                response.force_close()
                return response
            if token and self.token is not None and not authorized(
                    request.headers.get("Authorization"), self.token):
                return web.json_response({"error": "a token is required: send "
                                          "'Authorization: Bearer <token>'"}, status=401,
                                         headers={"WWW-Authenticate": "Bearer"})
            return await handler(request)

        return guard

    def _runner(self, app: web.Application) -> web.AppRunner:
        return web.AppRunner(app, handle_signals=False, access_log=None,
                             handler_cancellation=True, shutdown_timeout=SHUTDOWN_S,
                             **self.limits.handler_args())

    async def _site(self, app: web.Application, host: str, port: int, *, token: bool) -> str:
        holder: list[web.AppRunner] = []
        app.middlewares.insert(0, self._guard(lambda: holder[0] if holder else None, token))
        runner = self._runner(app)
        holder.append(runner)
        await runner.setup()
        self._runners.append(runner)
        site = web.TCPSite(runner, host, port, backlog=self.limits.backlog,
                           reuse_address=True)
        await site.start()
        bound = runner.addresses[0][1]
        return f"http://{format_host(host, bound)}"

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen on the hub's address and every proxy port. Raises OSError (a port in use,
        an address not on this machine) after closing whatever it had opened."""
        bad_requests.install()
        try:
            app = web.Application(client_max_size=self.limits.client_max_size)
            app.add_routes(routes(self))
            self.url = await self._site(app, *self.listen, token=True)
            for engine_id, port in self.proxy_ports.items():
                proxy = proxy_app(self.engine, engine_id, self.limits.client_max_size)
                self.proxy_urls[engine_id] = await self._site(proxy, self.listen[0], port,
                                                              token=False)
        except BaseException:
            await self.stop()
            raise
        log.info("hub at %s", self.url)

    async def stop(self) -> None:
        """Close every event stream, then every port."""
        for subscription in list(self.subscriptions):
            subscription.close()
        runners, self._runners = self._runners, []
        for runner in runners:
            try:
                await runner.cleanup()
            except Exception:  # closing must go on for the other ports
                log.exception("closing a hub port failed")
        self._unlisten()
