"""``twc-tui serve [HOST ...]``: the hub. One engine polls each charger once for the whole
home, records history exactly as ``record`` does, and serves everything else over HTTP: the
monitor and ``status`` (``--hub``), Home Assistant and evcc (proxy ports), Prometheus
(``/metrics``), scripts (``/api/...``).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from twc_tui.commands.args import Parser
from twc_tui.commands.headless import run_headless
from twc_tui.commands.log_file import HELP as LOG_HELP
from twc_tui.commands.log_file import start_log
from twc_tui.core.config import ConfigError, Settings, load_settings
from twc_tui.core.listen import DEFAULT_HUB_PORT, is_loopback, parse_listen
from twc_tui.core.mqtt_settings import MqttSettings, check_url
from twc_tui.core.targets import ChargerConfig, check_port, resolve_chargers
from twc_tui.engine.engine import Engine
from twc_tui.engine.recorder import default_db_path
from twc_tui.hub.limits import Limits
from twc_tui.hub.locate import remove_local_hub, write_local_hub
from twc_tui.hub.server import HubServer
from twc_tui.hub.token import ENV as TOKEN_ENV
from twc_tui.hub.token import load_token

EXIT_USAGE = 2
PROG = "twc-tui serve"

EPILOG = f"""\
examples:
  twc-tui serve                                   the chargers in the config file
  twc-tui serve 192.168.1.50=Garage --proxy-ports 8081
  twc-tui serve --listen 0.0.0.0:{DEFAULT_HUB_PORT} --token-file ~/.config/twc-tui/hub-token

endpoints: /api/chargers, /api/events (SSE), /api/sessions, /c/<id>/api/1/<endpoint>,
/c/<id>/history?range=5m|1h|24h, /metrics, /healthz. A proxy port answers as one charger
(/api/1/vitals ... at its root) for tools that only take a host. The token (from
--token-file, ${TOKEN_ENV} or [hub] token_file) is required on every path except the proxy
ports. `twc-tui record` is this on a free loopback port only.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG, description="Poll chargers once for the whole home, record their history "
        "and serve it over HTTP.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("hosts", nargs="*", metavar="HOST[:PORT][=NAME]",
                        help="chargers to serve (default: those in the config file)")
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help=f"where to listen (default: [hub] listen, else "
                             f"127.0.0.1:{DEFAULT_HUB_PORT})")
    parser.add_argument("--proxy-ports", metavar="BASE", help="serve charger k (in config "
                        "or command-line order, from 0) as a charger on port BASE+k")
    parser.add_argument("--config", metavar="PATH", help="config file")
    parser.add_argument("--db", metavar="PATH", help="history database (default: config "
                        "[history] db_path, else the user state dir)")
    parser.add_argument("--token-file", metavar="PATH", help="require the token in this "
                        f"file (also ${TOKEN_ENV} or [hub] token_file)")
    parser.add_argument("--mqtt", metavar="URL", help="publish to this MQTT broker "
                        "(mqtt://HOST:PORT or mqtts://), with Home Assistant discovery; "
                        "overrides [mqtt] url; needs pip install 'twc-tui[mqtt]'")
    parser.add_argument("--log", metavar="FILE", help=LOG_HELP)
    return parser


def proxy_ports(chargers: Sequence[ChargerConfig], base: int | None,
                listen_port: int) -> dict[str, int]:
    """Engine id to proxy port: a charger's own ``proxy_port``, else BASE+k. Raises
    ``ValueError`` for a port out of range or given twice."""
    ports: dict[str, int] = {}
    for k, charger in enumerate(chargers):
        port = charger.proxy_port if charger.proxy_port is not None else (
            None if base is None else base + k)
        if port is None:
            continue
        if not 1 <= port <= 65535:
            raise ValueError(f"--proxy-ports: port {port} for {charger.label} is out of range")
        if port in ports.values() or port == listen_port:
            raise ValueError(f"proxy port {port} for {charger.label} is already in use by "
                             "the hub")
        ports[charger.id] = port
    return ports


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    try:
        settings = load_settings(Path(args.config).expanduser() if args.config else None)
        chargers = resolve_chargers(settings, args.hosts)
        listen = parse_listen(args.listen or settings.hub_listen or "")
        base = None if args.proxy_ports is None else check_port(args.proxy_ports)
        ports = proxy_ports(chargers, base, listen[1])
        token = load_token(args.token_file, settings.hub_token_file)
        mqtt, mqtt_password = mqtt_target(args.mqtt, settings)
    except (ConfigError, ValueError) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not chargers:
        print(f"{PROG}: no chargers given and none in the config file; try "
              "`twc-tui serve HOST` or `twc-tui config init`", file=sys.stderr)
        return EXIT_USAGE
    if args.log and (problem := start_log(args.log)):
        print(f"{PROG}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if not is_loopback(listen[0]):
        print(f"{PROG}: listening on {listen[0]}: anyone who can reach this machine on port "
              f"{listen[1]} can read your chargers' data"
              + (" with the token" if token else " (no token required: see --token-file)"),
              file=sys.stderr)
    db = default_db_path(args.db or settings.db_path)
    try:
        return asyncio.run(serve(chargers, settings, db, listen=listen, proxy_ports=ports,
                                 token=token, mqtt=mqtt, mqtt_password=mqtt_password,
                                 freeze=True))
    except KeyboardInterrupt:
        return 130


def mqtt_target(url: str | None, settings: Settings) -> tuple[MqttSettings | None, str | None]:
    """The broker to publish to (``--mqtt`` over ``[mqtt] url``) and its password, or
    ``ValueError`` in one line: a bad URL, an unreadable password file, no aiomqtt."""
    mqtt = settings.mqtt
    if url is not None:
        try:
            check_url(url)
        except ValueError as error:
            raise ValueError(f"--mqtt: {error}") from None
        mqtt = dataclasses.replace(mqtt, url=url) if mqtt else MqttSettings(url=url.strip())
    if mqtt is None:
        return None, None
    try:
        import aiomqtt  # noqa: F401
    except ImportError:
        raise ValueError("MQTT needs the aiomqtt package: pip install 'twc-tui[mqtt]'") from None
    return mqtt, mqtt.password()


async def serve(chargers: Sequence[ChargerConfig], settings: Settings, db: Path | None, *,
                listen: tuple[str, int], proxy_ports: dict[str, int] | None = None,
                token: str | None = None, engine: Engine | None = None,
                limits: Limits | None = None, stop: asyncio.Event | None = None,
                out: TextIO | None = None, hub_file: Path | None = None,
                mqtt: MqttSettings | None = None, mqtt_password: str | None = None,
                freeze: bool = False) -> int:
    """Run the hub until ``stop`` or SIGTERM/SIGINT; returns the exit code."""
    out = out or sys.stdout
    engine = engine or Engine(chargers, settings, history=True, db=db, priority=True)
    server = HubServer(engine, settings, listen=listen, proxy_ports=proxy_ports, token=token,
                       limits=limits)
    failed: list[str] = []
    bridges: list[Any] = []

    async def started() -> None:
        try:
            await server.start()
        except OSError as error:
            failed.append(f"cannot listen on {listen[0]}:{listen[1]} or a proxy port: "
                          f"{error.strerror or error}")
            stopping.set()
            return
        if mqtt is not None:
            from twc_tui.hub.mqtt import MqttBridge

            bridge = MqttBridge(engine, mqtt, password=mqtt_password)
            await bridge.start()
            bridges.append(bridge)
            server.health_checks["mqtt"] = bridge.health
            print(f"serve: publishing to {bridge.health()['broker']} under "
                  f"{mqtt.base_topic}/ (discovery: {mqtt.discovery_prefix}/)", file=out,
                  flush=True)
        try:
            write_local_hub(server.url or "", [c.id for c in engine.chargers], token is not None,
                            hub_file)
        except OSError as error:  # the hub works; only local auto-attach will not find it
            logging.getLogger("twc_tui.hub").warning("cannot write the hub file: %s", error)
            print(f"{PROG}: cannot write the hub file ({error.strerror or error}); local "
                  "monitors will not find this hub by themselves", file=sys.stderr)

        # Last: whoever waits for this line finds the hub file written.
        proxies = ", ".join(f"{engine_id} at {url}" for engine_id, url
                            in server.proxy_urls.items())
        print(f"serve: hub at {server.url}" + (f"; proxy ports: {proxies}" if proxies else ""),
              file=out, flush=True)

    stopping = stop or asyncio.Event()
    try:
        code = await run_headless(engine, "serve", stop=stopping, out=out, started=started,
                                  freeze=freeze)
    finally:
        for bridge in bridges:
            await bridge.stop()
        await server.stop()
        remove_local_hub(hub_file)
    if failed:
        print(f"{PROG}: {failed[0]}", file=sys.stderr)
        return EXIT_USAGE
    return code
