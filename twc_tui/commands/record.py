"""``twc-tui record [HOST ...]``: poll chargers without a UI and keep their history.

``record`` is ``serve`` listening on a free loopback port only: a monitor or ``status``
started on the same machine finds it through the hub file and reads from it, so a charger is
never polled twice (the old ``record`` beside a monitor made two pollers). ``--no-http`` is
the bare recorder, for those who want no socket at all.

Meant to run as a service on a home server. It is the database's priority writer: a monitor
that was writing hands over within seconds, and takes over again when this stops. SIGTERM and
SIGINT flush the last batch and exit 0 (1 when some of it could not be written). One line
per event goes to stdout (the journal).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from twc_tui.commands.args import Parser
from twc_tui.commands.headless import EXIT_USAGE, run_headless
from twc_tui.commands.log_file import HELP as LOG_HELP
from twc_tui.commands.log_file import start_log
from twc_tui.core.cadence import PollSettings
from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import ConfigError, Settings, load_settings
from twc_tui.core.targets import ChargerConfig, resolve_chargers
from twc_tui.engine.engine import Engine
from twc_tui.engine.recorder import default_db_path

EPILOG = """\
examples:
  twc-tui record 192.168.1.50=Garage          record one charger
  twc-tui record                              the chargers in the config file
  twc-tui record --db /var/lib/twc-tui/history.db 192.168.1.50

It is `twc-tui serve` on a free port of 127.0.0.1: a monitor or `twc-tui status` on this
machine attaches to it by itself, so each charger is polled only once. Use `serve` for a
fixed port, proxy ports, a token or MQTT (other machines, Home Assistant, Prometheus).
--no-http records without any socket; a monitor started beside it then polls again.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="twc-tui record", description="Record chargers' history without a UI.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("hosts", nargs="*", metavar="HOST[:PORT][=NAME]",
                        help="chargers to record (default: those in the config file)")
    parser.add_argument("--config", metavar="PATH", help="config file")
    parser.add_argument("--db", metavar="PATH",
                        help="history database (default: config [history] db_path, else "
                             "the user state dir)")
    parser.add_argument("--no-http", action="store_true",
                        help="no hub on loopback: a monitor beside this polls the chargers "
                             "again")
    parser.add_argument("--log", metavar="FILE", help=LOG_HELP)
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    try:
        settings = load_settings(Path(args.config).expanduser() if args.config else None)
        chargers = resolve_chargers(settings, args.hosts)
    except (ConfigError, ValueError) as error:
        print(f"twc-tui record: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not chargers:
        print("twc-tui record: no chargers given and none in the config file; try "
              "`twc-tui record HOST` or `twc-tui config init`", file=sys.stderr)
        return EXIT_USAGE
    if args.log and (problem := start_log(args.log)):
        print(f"twc-tui record: {problem}", file=sys.stderr)
        return EXIT_USAGE
    db = default_db_path(args.db or settings.db_path)
    if not args.no_http:
        from twc_tui.commands import serve

        try:
            return asyncio.run(serve.serve(chargers, settings, db, listen=("127.0.0.1", 0),
                                           freeze=True))
        except KeyboardInterrupt:
            return 130
    try:
        return asyncio.run(record(chargers, settings, db, freeze=True))
    except KeyboardInterrupt:  # a second Ctrl+C during shutdown
        return 130


async def record(
    chargers: Sequence[ChargerConfig],
    settings: Settings,
    db: Path,
    *,
    clock: Clock = REAL_CLOCK,
    poll: PollSettings | None = None,
    stop: asyncio.Event | None = None,
    out: TextIO | None = None,
    freeze: bool = False,
) -> int:
    """Record until ``stop`` is set or SIGTERM/SIGINT arrives; returns the exit code."""
    engine = Engine(chargers, settings, clock=clock, poll=poll, history=True, db=db,
                    priority=True)
    return await run_headless(engine, "record", stop=stop, out=out, freeze=freeze)
