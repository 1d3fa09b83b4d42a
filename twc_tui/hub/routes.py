"""The hub's HTTP API, read from the engine's memory (and, for sessions, from the history
database in a thread). No handler ever contacts a charger or any other address: the only
outgoing requests are the engine's pollers', to the configured chargers."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from aiohttp import web

from twc_tui.core.alert_config import rule_doc
from twc_tui.core.client import ENDPOINTS
from twc_tui.engine.session_records import session_records
from twc_tui.engine.store import Store, StoreError
from twc_tui.engine.tariff import Tariff
from twc_tui.hub.metrics import exposition
from twc_tui.hub.proxy import payload_response
from twc_tui.hub.served import Served
from twc_tui.hub.sse import stream_events
from twc_tui.hub.views import state_doc
from twc_tui.hub.wire import RANGES_S, history_to_wire

FULL_LOG_TAIL = 200
HEARTBEAT_STALE_S = 5.0
"""The engine ticks once a second; this long without a tick means its loop is stuck."""


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def routes(hub: Served) -> list[web.RouteDef]:
    engine = hub.engine

    def state_of(request: web.Request):  # type: ignore[no-untyped-def]
        engine_id = hub.ids.get(request.match_info["id"])
        if engine_id is None:
            raise web.HTTPNotFound(text='{"error": "no such charger"}',
                                   content_type="application/json")
        return engine.states[engine_id]

    async def index(request: web.Request) -> web.Response:
        return web.json_response({"hub": "twc-tui", "chargers": list(hub.ids), "endpoints": [
            "/api/chargers", "/api/events", "/api/sessions", "/api/alerts",
            "/c/<id>/api/1/<endpoint>",
            "/c/<id>/history?range=5m|1h|24h", "/metrics", "/healthz"]})

    async def chargers(request: web.Request) -> web.Response:
        tail = FULL_LOG_TAIL if request.query.get("full") in ("1", "true", "yes") else 0
        now = engine.clock.time()
        return web.json_response({"chargers": [
            state_doc(engine.states[engine_id], hub_id, now, log_tail=tail)
            for hub_id, engine_id in hub.ids.items()]})

    async def endpoint(request: web.Request) -> web.Response:
        state = state_of(request)
        name = request.match_info["endpoint"]
        if name not in ENDPOINTS:
            return _error(404, f"no such endpoint; use one of {', '.join(ENDPOINTS)}")
        return payload_response(state, name, engine.clock.time())

    async def history(request: web.Request) -> web.Response:
        state = state_of(request)
        span = request.query.get("range", "5m")
        if span not in RANGES_S:
            return _error(400, f"range must be one of {', '.join(RANGES_S)}")
        return web.json_response(history_to_wire(state.history, span, engine.clock.time()))

    async def sessions(request: web.Request) -> web.Response:
        since: float | None = None
        if "since" in request.query:
            try:
                since = float(request.query["since"])
            except ValueError:
                since = math.nan
            if not math.isfinite(since):
                return _error(400, "since must be a Unix time in seconds")
        store = engine.store
        if store is None:
            return web.json_response({"sessions": [], "history": engine.history_status})
        names = {c.id: c.name for c in engine.chargers if c.name}
        try:
            records = await asyncio.to_thread(_read_sessions, store.path, names,
                                              Tariff.of(engine.settings), since)
        except StoreError as error:
            return _error(503, f"cannot read the history: {error}")
        return web.json_response({"sessions": records})

    async def metrics(request: web.Request) -> web.Response:
        body, content_type = await exposition(hub.metrics, request.headers.get("Accept"))
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    async def healthz(request: web.Request) -> web.Response:
        return _health(hub)

    async def alerts(request: web.Request) -> web.Response:
        return web.json_response(_alerts(hub))

    async def events(request: web.Request) -> web.StreamResponse:
        return await stream_events(hub, request)

    return [
        web.get("/", index), web.get("/api/chargers", chargers),
        web.get("/api/events", events, allow_head=False),
        web.get("/api/sessions", sessions), web.get("/api/alerts", alerts),
        web.get("/c/{id}/api/1/{endpoint}", endpoint),
        web.get("/c/{id}/history", history), web.get("/metrics", metrics),
        web.get("/healthz", healthz),
    ]


def _read_sessions(path: Any, names: dict[str, str], price: Tariff | None,
                   since: float | None) -> list[dict[str, Any]]:
    """On a read-only connection of its own, in a worker thread: the recorder writes on
    another connection, and the loop that polls never waits on the disk."""
    store = Store.open(path, readonly=True)
    try:
        return session_records(store, names, price, since)
    finally:
        store.close()


def _alerts(hub: Served) -> dict[str, Any]:
    """The rules in force in this hub and, for each, the chargers (hub ids) it fires on now
    and those where its condition holds but has not lasted its ``for`` yet."""
    engine = hub.engine
    alerting = engine.settings.alerting
    book = engine.alerts.book if engine.alerts is not None else None
    hub_id = {engine_id: h for h, engine_id in hub.ids.items()}
    rules = []
    for rule in alerting.rules:
        firing, pending = book.standing(rule) if book is not None else ([], [])
        rules.append(rule_doc(rule) | {"firing": [hub_id.get(c, c) for c in firing],
                                       "pending": [hub_id.get(c, c) for c in pending]})
    return {"rules": rules, "sinks": [s.name for s in alerting.sinks]}


def _health(hub: Served) -> web.Response:
    """200 while the engine's loop ticks, 503 when it has stopped: every charger (online or
    not) and each component registered in ``hub.health_checks`` are listed either way."""
    engine = hub.engine
    beat = engine.clock.monotonic() - engine.heartbeat
    ok = engine.started and beat < HEARTBEAT_STALE_S
    now = engine.clock.time()
    doc: dict[str, Any] = {
        "ok": ok, "heartbeat_age_s": round(beat, 3) if math.isfinite(beat) else None,
        "chargers": {hub_id: {"online": state.health in ("online", "error"),
                              "health": state.health, "age_s": state.age(now)}
                     for hub_id, state in ((h, engine.states[e]) for h, e in hub.ids.items())},
        "event_clients": hub.sse_clients, "history": engine.history_status,
    }
    for name, check in list(hub.health_checks.items()):
        try:
            doc[name] = check()
        except Exception as error:  # one component's bug must not hide the others
            doc[name] = {"ok": False, "error": f"health check failed: {error}"}
    return web.json_response(doc, status=200 if ok else 503)
