"""A charger's last good answers, served back: at ``/c/<id>/api/1/<endpoint>`` and, on a
proxy port, at the root, where tools that take only a host find what a charger would say.

Never stale as fresh: ``Age`` and ``X-TWC-Fetched-At`` say when the charger sent it, and
before its first answer or while it is offline the answer is 503 with ``Retry-After``. A
proxy port also answers like the device where it fails: 500 for the paths real firmware
answers with 500, 404 for others, 405 for methods other than GET and HEAD. Nothing here ever
contacts anything: every answer comes from the engine's memory.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiohttp import web

from twc_tui.core.paths import BROKEN_PATHS, ENDPOINT_PATHS
from twc_tui.core.units import duration
from twc_tui.engine.charger_state import ChargerState
from twc_tui.engine.engine import Engine

RETRY_FIRST_S = 2
"""Retry-After before the first answer: the poller asks at once."""
RETRY_OFFLINE_S = 30


def rfc3339(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _unavailable(reason: str, retry_s: int) -> web.Response:
    return web.json_response({"error": reason}, status=503,
                             headers={"Retry-After": str(retry_s), "Cache-Control": "no-store"})


def payload_response(state: ChargerState, endpoint: str, now: float) -> web.Response:
    """The endpoint's last good JSON as the device sent it (repaired), with its age."""
    raw, at = state.raw.get(endpoint), state.updated.get(endpoint)
    if state.offline:
        last = state.age(now)
        since = "" if last is None else f"; last answer {duration(last)} ago"
        return _unavailable(f"charger {state.charger} is offline{since}", RETRY_OFFLINE_S)
    if raw is None or at is None:
        return _unavailable(f"no answer from charger {state.charger} to /api/1/{endpoint} "
                            "yet", RETRY_FIRST_S)
    body = json.dumps(raw, separators=(",", ":"))  # ASCII only: safe on any terminal
    return web.Response(body=body.encode(), content_type="application/json", headers={
        "Age": str(int(max(0.0, now - at))), "X-TWC-Fetched-At": rfc3339(at),
        "Cache-Control": "no-cache"})


def _plain(status: int, text: str, **headers: str) -> web.Response:
    return web.Response(status=status, text=text + "\n", headers=headers)


def proxy_app(engine: Engine, engine_id: str, client_max_size: int) -> web.Application:
    """The application for one charger's proxy port (no token: the tools that need it cannot
    send one)."""

    async def answer(request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            return _plain(405, "Method Not Allowed", Allow="GET, HEAD")
        endpoint = ENDPOINT_PATHS.get(request.path)
        if endpoint is None:
            if request.path in BROKEN_PATHS:
                return _plain(500, "Internal Server Error")
            return _plain(404, "Not Found")
        return payload_response(engine.states[engine_id], endpoint, engine.clock.time())

    app = web.Application(client_max_size=client_max_size)
    app.router.add_route("*", "/{tail:.*}", answer)
    return app
