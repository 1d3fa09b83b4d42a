"""The browser side of ``twc-tui web``: textual-serve's aiohttp app, with what a wall tablet
on a home network needs and textual-serve does not have.

textual-serve starts one process per websocket (one per open tab) and has no limit, so a
page reloaded in a loop could start processes without end: here a visit past the limit gets
a short page with HTTP 503 instead. Kiosk views are chosen by URL (``?kiosk=1``,
``?charger=garage``) and carried to the websocket in its path, since textual.js appends its
own query to the websocket URL. A visit whose process does not leave when asked is killed,
so a closed tab never leaves a process behind. The page title names the chargers.

The routes are textual-serve's own (``/``, ``/ws``, ``/static``); only the index and the
websocket handlers are overridden.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("twc_tui.web")

QUIT_GRACE_S = 3.0
"""How long a visit's monitor may take to leave after its tab closed before it is killed."""
KIOSK_VALUE = re.compile(r"[A-Za-z0-9 ._:~()-]{1,64}")
"""What a kiosk view may be named in a URL: a charger's name, id (host:port) or number."""
ON = ("1", "yes", "true", "on", "overview")
OFF = ("0", "no", "false", "off")

BUSY_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>twc-tui: busy</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{background:#0c181f;color:#eee;font:18px/1.5 sans-serif;margin:3em}}</style>
</head><body><h1>twc-tui is busy</h1>
<p>This server shows the monitor in at most {limit} browser tab(s) at once, since each
one runs a process, and that many are open now. Close one of them, or try again in a
minute.</p>
<p><a href="" style="color:#9cf">Try again</a></p></body></html>
"""

FIT_FONT = """<script>
  // A kiosk fills its screen: the largest text that still leaves the monitor its wide layout
  // (14 px on a 1024 px tablet), unless the address asks for a size.
  (function () {
    const terminal = document.getElementById("terminal");
    const size = Math.floor(window.innerWidth / (%d * 0.6));
    terminal.dataset.fontSize = String(Math.max(12, Math.min(24, size)));
  })();
</script>
"""
"""0.6 em is the advance of Roboto Mono, and within 1 %% of the fallback monospace fonts."""

BAD_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>twc-tui: bad address</title></head>
<body><p>{message}</p></body></html>
"""


def kiosk_from_query(query: Any, default: str | None) -> str | None:
    """The kiosk view a page address asks for: ``?charger=ID`` one charger, ``?kiosk=1``
    (or ``overview``) the overview, ``?kiosk=ID`` one charger, ``?kiosk=0`` none; else
    ``default``. Raises ``ValueError`` for a name no charger could have."""
    value = query.get("charger") or query.get("kiosk")
    if value is None:
        return default
    value = value.strip()
    if value.lower() in OFF and "charger" not in query:
        return None
    if value.lower() in ON and "charger" not in query:
        return "overview"
    if not KIOSK_VALUE.fullmatch(value):
        raise ValueError("a kiosk view is a charger's name, host:port or number "
                         "(letters, digits, spaces and ._:- only, at most 64)")
    return value


def wide_columns() -> int:
    """The terminal width from which the monitor lays screens out side by side."""
    from twc_tui.tui.app import TwcApp

    return max(width for width, _ in TwcApp.HORIZONTAL_BREAKPOINTS)


class _Visit(AppService):
    """One tab's monitor process; killed if it does not leave within ``QUIT_GRACE_S``."""

    async def stop(self) -> None:
        process = self._process
        try:
            await asyncio.wait_for(asyncio.shield(super().stop()), QUIT_GRACE_S)
        except TimeoutError:
            log.warning("a visit's monitor did not leave within %.0f s of its tab closing; "
                        "killing it", QUIT_GRACE_S)
            if process is not None and process.returncode is None:
                process.kill()
            if self._task is not None:
                await self._task
                self._task = None
        if process is not None:
            await process.wait()  # reaped: no zombie left for the life of the server


class WebServer(Server):
    """textual-serve's server, with a visit limit, kiosk views by URL and a title.

    ``command_for(kiosk)`` is the shell command for one visit (``kiosk`` None for the
    ordinary monitor); ``title()`` the page title, asked on every page load.
    """

    def __init__(self, command_for: Callable[[str | None], str], *, host: str, port: int,
                 title: Callable[[], str], public_url: str | None = None,
                 max_visits: int = 8, kiosk: str | None = None) -> None:
        super().__init__(command_for(kiosk), host=host, port=port, public_url=public_url)
        self.command_for = command_for
        self.title_of = title
        self.max_visits = max_visits
        self.kiosk = kiosk
        self.visits = 0
        """Visits whose process is running (or starting, or stopping)."""
        self.served = 0
        """Visits started since the server started."""
        self._sockets: set[web.WebSocketResponse] = set()

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every tab's websocket, so each visit's monitor is told to quit and reaped
        now rather than after aiohttp's shutdown timeout."""
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")
                               for ws in list(self._sockets)), return_exceptions=True)

    def initialize_logging(self) -> None:
        """Ours goes through the ``twc_tui`` loggers; textual-serve's Rich console is not
        configured globally."""

    async def on_startup(self, app: web.Application) -> None:
        """No banner: the command says where it serves, in one line."""

    async def make_app(self) -> web.Application:
        app = await self._make_app()
        app.router.add_get("/ws/kiosk/{view}", self.handle_websocket, name="kiosk-websocket")
        return app

    def _busy(self) -> web.Response:
        return web.Response(
            status=503, text=BUSY_PAGE.format(limit=self.max_visits),
            content_type="text/html", headers={"Retry-After": "30", "Cache-Control": "no-store"})

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.visits >= self.max_visits:
            log.info("visit refused: %d of %d in use", self.visits, self.max_visits)
            return self._busy()
        try:
            kiosk = kiosk_from_query(request.query, self.kiosk)
        except ValueError as error:
            return web.Response(status=400, content_type="text/html",
                                text=BAD_PAGE.format(message=html.escape(str(error))))
        router = request.app.router
        if kiosk is None:
            path = str(router["websocket"].url_for())
        else:
            path = str(router["kiosk-websocket"].url_for(view=kiosk))
        base = self.public_url.rstrip("/")
        scheme = "wss" if base.startswith("https") else "ws"
        title = self.title_of()
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}:{base.split(':', 1)[1]}{path}",
            "config": {"static": {
                "url": f"{base}{router['static'].url_for(filename='/')}".rstrip("/") + "/"}},
            # Autoescaped by the template; the names were sanitised where they were read.
            "application": {"name": title},
        }
        page = aiohttp_jinja2.render_string("app_index.html", request, context)
        # textual-serve's page has no <title> (the tab would show the URL) and no viewport,
        # so a tablet would draw it at desktop width and shrink it.
        head = (f"<head>\n    <title>{html.escape(title)}</title>\n    <meta charset=\"utf-8\">"
                "\n    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        page = page.replace("<head>", head, 1)
        if kiosk is not None and "fontsize" not in request.query:
            page = page.replace("</body>", FIT_FONT % wide_columns() + "</body>", 1)
        return web.Response(text=page, content_type="text/html",
                            headers={"Cache-Control": "no-store"})

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        if self.visits >= self.max_visits:
            return self._busy()
        view = request.match_info.get("view")
        if view is not None and not KIOSK_VALUE.fullmatch(view):
            raise web.HTTPBadRequest(text="not a kiosk view")
        self.visits += 1
        self.served += 1
        try:
            return await self._visit(request, self.command_for(view))
        finally:
            self.visits -= 1

    async def _visit(self, request: web.Request, command: str) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        visit: _Visit | None = None
        try:
            await websocket.prepare(request)
            self._sockets.add(websocket)
            visit = _Visit(command, write_bytes=websocket.send_bytes,
                           write_str=websocket.send_str, close=websocket.close,
                           download_manager=self.download_manager)
            await visit.start(max(10, min(width, 500)), max(5, min(height, 200)))
            log.info("visit started (%d open)", self.visits)
            await self._process_messages(websocket, visit)
        except asyncio.CancelledError:
            await websocket.close()
            raise
        except Exception as error:  # a broken message or a lost socket ends this visit only
            log.warning("visit ended: %s", error)
        finally:
            self._sockets.discard(websocket)
            if visit is not None:
                await asyncio.shield(visit.stop())
                log.info("visit ended (%d open)", self.visits - 1)
        return websocket
