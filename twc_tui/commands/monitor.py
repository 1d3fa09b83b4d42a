"""``twc-tui [HOST ...]``: the full-screen monitor, or ``--demo`` with simulated chargers."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from collections.abc import Callable

from twc_tui import __version__
from twc_tui.commands.args import Parser, hub_options, interval, number, timeout
from twc_tui.commands.demo import start_demo
from twc_tui.commands.log_file import HELP as LOG_HELP
from twc_tui.commands.log_file import start_log
from twc_tui.core.charset import ascii_output
from twc_tui.core.config import ConfigError, Settings, default_config_path, load_settings
from twc_tui.core.targets import resolve_chargers
from twc_tui.hub.attach import choose_hub

EPILOG = """\
commands (each has --help with examples):
  twc-tui [HOST ...]          the full-screen monitor (this command)
  twc-tui status [HOST ...]   poll once, print a report or --json; exit code 0/1/3
  twc-tui discover CIDR       find Wall Connectors on a network range
  twc-tui config path|init|check
                              where the config file is; write an example; validate it
  twc-tui serve [HOST ...]    the hub: polls once for the home; HTTP, /metrics, MQTT
  twc-tui web                 the monitor in a browser (a tablet on the wall)
  twc-tui alerts test|list    try the notification sinks; list the alert rules
  twc-tui simulate, record, sessions, export

examples:
  twc-tui --demo                      simulated chargers, no hardware needed
  twc-tui 192.168.1.50                one charger
  twc-tui 192.168.1.50=Garage 192.168.1.51:80=Driveway
  twc-tui                             the chargers in the config file
  twc-tui status 192.168.1.50         a one-shot report, also what runs without a terminal
  twc-tui discover 192.168.1.0/24     find chargers and print a config snippet
  twc-tui --hub http://nas:8743       attach to a hub instead of polling
"""

NO_HOSTS = """\
twc-tui: no chargers to monitor. Try one of:
  twc-tui HOST                   monitor the Wall Connector at HOST (its IP address)
  twc-tui --demo                 watch simulated chargers, no hardware needed
  twc-tui discover 192.168.1.0/24  find Wall Connectors on your network
  twc-tui config init            write a config file listing your chargers"""


time_scale = number(0, 10_000, what="time scale", low_inclusive=False)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="twc-tui",
        description="A terminal monitor for Tesla Wall Connector Gen 3 chargers.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("hosts", nargs="*", metavar="HOST[:PORT][=NAME]",
                        help="chargers to monitor (default: those in the config file)")
    parser.add_argument("--demo", action="store_true",
                        help="monitor three simulated chargers started in-process")
    parser.add_argument("--config", metavar="PATH", default=None,
                        help=f"config file (default: {default_config_path()})")
    parser.add_argument("--interval", type=interval, metavar="S",
                        help="vitals cadence while a vehicle is connected (default 1 s, min 1)")
    parser.add_argument("--idle-interval", type=interval, metavar="S",
                        help="vitals cadence with nothing plugged in (default 5 s, min 1)")
    parser.add_argument("--timeout", type=timeout, metavar="S",
                        help="connect timeout (default 5 s); reads wait 3x as long")
    parser.add_argument("--phase-mode", choices=("auto", "split", "three"),
                        help="override every charger's phase mode for power")
    parser.add_argument("--range", choices=("5m", "1h", "24h"), help="initial chart range")
    parser.add_argument("--theme", help="a Textual theme name, e.g. textual-dark, ansi-dark")
    parser.add_argument("--ascii", action="store_true", default=None,
                        help="ASCII-only charts and bars (automatic on non-UTF-8 terminals)")
    parser.add_argument("--db", metavar="PATH",
                        help="history database (default: history.db in the user state dir)")
    parser.add_argument("--no-history", action="store_true",
                        help="keep nothing on disk: no history database")
    parser.add_argument("--no-mouse", action="store_true",
                        help="leave the mouse to the terminal, so text can be selected")
    hub_options(parser, hub="read a hub (twc-tui serve) instead of polling; a hub on this "
                            "machine that polls the chargers is used by itself",
                direct="poll the chargers even when a hub on this machine polls them")
    # Benchmarks only (bench/run.py): simulated seconds per real second for the app's clock,
    # so 24 hours of polling fit in minutes. Intervals and the 1 s floor are simulated seconds.
    parser.add_argument("--time-scale", type=time_scale, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--kiosk", nargs="?", const="overview", metavar="overview|CHARGER",
                        help="a wall screen: the overview, or one charger (name, host:port or "
                             "number), without the footer")
    parser.add_argument("--log", metavar="FILE", help=LOG_HELP)
    parser.add_argument("--version", action="version",
                        version=f"twc-tui {__version__} (textual {_textual_version()})")
    return parser


def _textual_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("textual")
    except PackageNotFoundError:
        return "?"


def _apply_flags(settings: Settings, args: argparse.Namespace) -> Settings:
    """CLI flags override the config file."""
    poll = settings.poll
    if args.interval is not None:
        poll = dataclasses.replace(poll, vitals_active_s=args.interval)
    if args.idle_interval is not None:
        poll = dataclasses.replace(poll, vitals_idle_s=args.idle_interval)
    timeouts = settings.timeouts
    if args.timeout is not None:
        timeouts = dataclasses.replace(timeouts, connect=args.timeout, read=args.timeout * 3)
    changes: dict[str, object] = {"poll": poll, "timeouts": timeouts}
    if args.range:
        changes["time_range"] = args.range
    if args.theme:
        changes["theme"] = args.theme
    if ascii_output(forced=bool(args.ascii)):
        changes["ascii"] = True
    if args.no_mouse:
        changes["mouse"] = False
    if args.db:
        changes["db_path"] = args.db
    if args.no_history:
        changes["history"] = False
    return dataclasses.replace(settings, **changes)


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # SystemExit(2) after a one-line usage error
    try:
        settings = load_settings(None if args.config is None else _path(args.config))
        settings = _apply_flags(settings, args)
        chargers = [] if args.demo else resolve_chargers(settings, args.hosts, args.phase_mode)
        hub = None if args.demo else choose_hub(
            settings, chargers, hub=args.hub, direct=args.direct,
            hosts_given=bool(args.hosts), token_file=args.token_file)
    except (ConfigError, ValueError) as error:
        print(f"twc-tui: {error}", file=sys.stderr)
        return 2
    if hub is None and not args.demo and not chargers:
        print(NO_HOSTS, file=sys.stderr)
        return 2
    if args.log and (problem := start_log(args.log)):
        print(f"twc-tui: {problem}", file=sys.stderr)
        return 2
    # A browser tab (twc-tui web) has a pipe for stdout and still wants the full screen.
    from twc_tui.tui.web_visit import under_web_driver

    web_visit = under_web_driver()
    if not web_visit and (not sys.stdout.isatty() or os.environ.get("TERM") == "dumb"):
        if args.demo:
            print("twc-tui: --demo needs a terminal; try `twc-tui status` for a one-shot report",
                  file=sys.stderr)
            return 2
        if hub is not None:
            from twc_tui.commands.status import run_hub_report

            return run_hub_report(hub, settings, chargers)
        from twc_tui.commands.status import run_report

        return run_report(chargers, settings, json_out=False, file=sys.stdout)
    # Only here: the report path above must not pay for importing Textual's themes.
    from twc_tui.commands.config import theme_problem

    problem = theme_problem(settings.theme)
    if problem:
        print(f"twc-tui: {'--theme' if args.theme else 'display.theme'}: {problem}",
              file=sys.stderr)
        return 2
    # Imported before the demo starts: its chargers then answer their first poll right after
    # the backfilled past ends. At 20x, each second between the two moves a session seen
    # mid-way 19 s earlier, and more than a minute would split it in two.
    from twc_tui.tui.app import TwcApp

    stop: Callable[[], None] | None = None
    demo_dir: tempfile.TemporaryDirectory[str] | None = None
    if args.demo:
        history_db = None
        if settings.history and not args.db:
            # Demo ports change every run: keep its history apart from the user's own. It
            # starts with the simulated past, so every chart and the sessions are full.
            demo_dir = tempfile.TemporaryDirectory(prefix="twc-tui-demo-")
            settings = dataclasses.replace(settings, db_path=f"{demo_dir.name}/history.db")
            history_db = _path(settings.db_path)
        chargers, stop = start_demo(history_db=history_db)

    config_path = str(_path(args.config) if args.config else default_config_path())
    from twc_tui.core.clock import REAL_CLOCK, ScaledClock

    clock = REAL_CLOCK if args.time_scale is None else ScaledClock(args.time_scale)
    engine = None
    if hub is not None:
        from twc_tui.commands.monitor_hub import open_remote

        engine, code = open_remote(hub, settings, clock, can_poll=bool(chargers))
        if code:
            return code
    # A tab whose address names no charger shows the overview rather than a dead page.
    if args.kiosk is not None and not web_visit:
        from twc_tui.tui.kiosk import kiosk_index

        try:
            kiosk_index(engine.chargers if engine is not None else chargers, args.kiosk)
        except ValueError as error:
            print(f"twc-tui: {error}", file=sys.stderr)
            return 2
    app = TwcApp(chargers, settings, config_path=config_path, clock=clock, engine=engine,
                 kiosk=args.kiosk)
    from twc_tui.core.allocator import keep_heap_flat

    keep_heap_flat()  # open for days: large buffers go back to the system when freed
    try:
        result = app.run(mouse=settings.mouse)
    finally:
        if stop is not None:
            stop()
        if demo_dir is not None:
            demo_dir.cleanup()
    return exit_status(result, app.return_code)


def exit_status(result: object, return_code: int | None) -> int:
    """The process's exit code. Textual records a crash as ``return_code`` 1 and returns no
    result, which ``int(result or 0)`` turned into a success; a hang-up exits with result 1."""
    code = return_code or 0
    if isinstance(result, int) and not isinstance(result, bool):
        code = max(code, result)
    return code


def _path(text: str):  # type: ignore[no-untyped-def]
    from pathlib import Path

    return Path(text).expanduser()
