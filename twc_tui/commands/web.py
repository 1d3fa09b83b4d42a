"""``twc-tui web``: the monitor in a browser, for the tablet on the garage wall.

Each browser tab runs ``twc-tui --hub URL`` under textual-serve, so every visit reads one hub
and none polls a charger: the hub named, the one running on this machine, or else one this
command starts in-process on 127.0.0.1, shared by all its visits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shlex
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from twc_tui.commands.args import Parser
from twc_tui.core.config import ConfigError, Settings, load_settings
from twc_tui.core.listen import is_loopback, parse_listen
from twc_tui.core.targets import ChargerConfig, resolve_chargers
from twc_tui.core.text import safe_text
from twc_tui.hub.attach import HubChoice, choose_hub, hub_url
from twc_tui.hub.token import load_token

log = logging.getLogger("twc_tui.web")

PROG = "twc-tui web"
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
DEFAULT_WEB_PORT = 8744
"""Beside the hub's 8743."""
DEFAULT_MAX_VISITS = 6
HUB_READY_S = 15.0
TITLE_REFRESH_S = 60.0
TITLE_MAX = 120

EPILOG = f"""\
examples:
  twc-tui web                             the monitor at http://127.0.0.1:{DEFAULT_WEB_PORT}/
  twc-tui web --kiosk                     every tab shows the overview, without the footer
  twc-tui web --hub http://127.0.0.1:8743 read that hub (twc-tui serve)

page addresses: /?kiosk=1 the overview as a kiosk, /?charger=garage one charger's detail
(a name, host:port or number), /?kiosk=0 the ordinary monitor, /?fontsize=20 larger text.

The hub: --hub, else [hub] url, else the hub running on this machine, else one started here
for the chargers in the config file. No tab ever polls a charger. textual-serve has no
login: keep the default 127.0.0.1, or put a reverse proxy with authentication in front.
"""


def _visits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--max-visits must be a whole number, not {text!r}"
                                         ) from None
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"--max-visits must be between 1 and 100, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="Serve the monitor to web browsers.",
                    epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help=f"where to listen (default 127.0.0.1:{DEFAULT_WEB_PORT})")
    parser.add_argument("--hub", metavar="URL", help="the hub every tab reads")
    parser.add_argument("--public-url", metavar="URL",
                        help="the address browsers use, behind a reverse proxy "
                             "(e.g. https://home.example/twc)")
    parser.add_argument("--kiosk", nargs="?", const="overview", metavar="overview|CHARGER",
                        help="show the overview (or one charger) without the footer")
    parser.add_argument("--max-visits", type=_visits, default=DEFAULT_MAX_VISITS, metavar="N",
                        help=f"tabs open at once, each a process (default {DEFAULT_MAX_VISITS})")
    parser.add_argument("--config", metavar="PATH", help="config file")
    return parser


def public_url(text: str) -> str:
    """``--public-url``: an http(s) address with a host. Raises ``ValueError``."""
    try:
        url = httpx.URL(text.strip())
    except (httpx.InvalidURL, ValueError):
        raise ValueError(f"--public-url: not a URL: {text!r}") from None
    if url.scheme not in ("http", "https") or not url.host or url.query or url.fragment:
        raise ValueError(f"--public-url: use http(s)://HOST[:PORT][/PATH], not {text!r}")
    return str(url).rstrip("/")


def visit_command(hub: str, *, kiosk: str | None, config: str | None) -> str:
    """The shell command one browser tab runs: the monitor as a client of ``hub``. ``exec``
    so the monitor is textual-serve's child itself, and its quit reaches it."""
    argv = [sys.executable, "-m", "twc_tui", "--hub", hub]
    if config:
        argv += ["--config", config]
    if kiosk is not None:
        argv.append(f"--kiosk={kiosk}")  # one word: a name starting with '-' stays a value
    return "exec " + shlex.join(argv)


def page_title(names: Sequence[str]) -> str:
    shown = ", ".join(safe_text(name, 40) for name in names) or "no chargers"
    return safe_text(f"twc-tui: {shown}", TITLE_MAX)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    config = str(Path(args.config).expanduser()) if args.config else None
    try:
        settings = load_settings(Path(config) if config else None)
        chargers = resolve_chargers(settings, [])
        listen = parse_listen(args.listen or "", DEFAULT_WEB_PORT)
        public = public_url(args.public_url) if args.public_url else None
        hub = choose_hub(settings, chargers, hub=hub_url(args.hub) if args.hub else None,
                         direct=False, hosts_given=False)
        token = load_token(None, settings.hub_token_file) if hub is None else None
    except (ConfigError, ValueError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_USAGE
    if hub is None and not chargers:
        print(f"{PROG}: no hub to read and no chargers in the config file; give --hub URL, "
              "start `twc-tui serve`, or list chargers with `twc-tui config init`",
              file=sys.stderr)
        return EXIT_USAGE
    if not is_loopback(listen[0]):
        print(f"{PROG}: listening on {listen[0]}: anyone on that network can open the monitor "
              "(textual-serve has no login); give the hub a token (--token-file) and put a "
              "reverse proxy with authentication in front", file=sys.stderr)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(message)s"))
    handler.setLevel(logging.WARNING)
    for name in ("twc_tui", "textual-serve"):
        logging.getLogger(name).addHandler(handler)
    try:
        return asyncio.run(web(settings, chargers, hub, listen=listen, public=public,
                               kiosk=args.kiosk, max_visits=args.max_visits, config=config,
                               token=token))
    except KeyboardInterrupt:
        return 130


async def web(settings: Settings, chargers: Sequence[ChargerConfig], hub: HubChoice | None,
              *, listen: tuple[str, int], public: str | None, kiosk: str | None,
              max_visits: int, config: str | None, token: str | None,
              stop: asyncio.Event | None = None) -> int:
    """Serve until ``stop`` or SIGTERM/SIGINT; returns the exit code."""
    from aiohttp import web as aioweb

    from twc_tui.commands.web_server import WebServer

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    hub_task: asyncio.Task[int] | None = None
    if hub is None:
        url, hub_task = await _start_hub(settings, chargers, token, stop)
        if url is None:
            return await hub_task if hub_task.done() else EXIT_USAGE
        names = [c.label for c in chargers]
        what = f"its own hub at {url} for {len(chargers)} charger(s)"
    else:
        url = hub.url
        try:
            names = await _hub_names(hub)
        except HubUnreachable as error:
            print(f"{PROG}: the hub at {url} does not answer: {error}", file=sys.stderr)
            return EXIT_UNREACHABLE
        what = f"the hub at {url}" + (" (found on this machine)" if hub.found else "")
    title = [page_title(names)]
    server = WebServer(lambda view: visit_command(url, kiosk=view, config=config),
                       host=listen[0], port=listen[1], title=lambda: title[0],
                       public_url=public, max_visits=max_visits, kiosk=kiosk)
    runner = aioweb.AppRunner(await server.make_app(), handle_signals=False,
                              shutdown_timeout=5.0)
    await runner.setup()
    code = 0
    try:
        site = aioweb.TCPSite(runner, listen[0], listen[1])
        try:
            await site.start()
        except OSError as error:
            print(f"{PROG}: cannot listen on {listen[0]}:{listen[1]}: "
                  f"{error.strerror or error}", file=sys.stderr)
            return EXIT_USAGE
        host, port = runner.addresses[0][:2]
        if public is None:
            shown = f"[{host}]" if ":" in host else host
            server.public_url = f"http://{shown}:{port}"
        print(f"web: the monitor at {server.public_url}/ reading {what}; "
              f"at most {max_visits} tabs at once", flush=True)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TITLE_REFRESH_S)
            if hub_task is not None and hub_task.done():
                print(f"{PROG}: the hub stopped", file=sys.stderr)
                code = 1
                break
            if hub is not None and not stop.is_set():
                try:
                    title[0] = page_title(await _hub_names(hub))
                except HubUnreachable as error:  # the tabs say so themselves
                    log.warning("cannot read the hub's chargers: %s", error)
    finally:
        # Open tabs are told to quit and their processes reaped before the hub goes.
        await runner.cleanup()
        stop.set()
        if hub_task is not None:
            code = max(code, await hub_task)
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    return code


async def _start_hub(settings: Settings, chargers: Sequence[ChargerConfig], token: str | None,
                     stop: asyncio.Event) -> tuple[str | None, asyncio.Task[int]]:
    """Run ``serve`` in this process on a free loopback port; its URL once it answers, or
    None when it could not start (it said why)."""
    from twc_tui.commands.serve import serve
    from twc_tui.engine.recorder import default_db_path

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    task = asyncio.create_task(serve(
        chargers, settings, default_db_path(settings.db_path), listen=("127.0.0.1", port),
        token=token, stop=stop, out=sys.stdout))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(trust_env=False, headers=headers, timeout=2.0) as client:
        deadline = asyncio.get_running_loop().time() + HUB_READY_S
        while not task.done() and asyncio.get_running_loop().time() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/healthz")).status_code < 500:
                    return url, task
            await asyncio.sleep(0.1)
    if not task.done():
        print(f"{PROG}: the hub did not start within {HUB_READY_S:.0f} s", file=sys.stderr)
        stop.set()
        await task
    return None, task


class HubUnreachable(Exception):
    """The hub did not answer its roster, in words."""


async def _hub_names(hub: HubChoice) -> list[str]:
    """The chargers' names as the hub gives them (sanitised by the roster). Raises
    ``HubUnreachable``."""
    from twc_tui.hub.hub_roster import read_roster

    headers = {"Authorization": f"Bearer {hub.token}"} if hub.token else {}
    try:
        async with httpx.AsyncClient(trust_env=False, headers=headers, timeout=5.0) as client:
            response = await client.get(f"{hub.url}/api/chargers")
            response.raise_for_status()
            doc = response.json()
    except httpx.HTTPStatusError as error:
        raise HubUnreachable(f"HTTP {error.response.status_code}") from None
    except httpx.HTTPError as error:
        raise HubUnreachable(str(error) or type(error).__name__) from None
    except ValueError:
        raise HubUnreachable("its answer is not JSON") from None
    if not isinstance(doc, dict):
        raise HubUnreachable("its answer is not a roster")
    only = set(hub.only)
    return [charger.config.label for charger, _ in read_roster(doc, {}, only)]

