"""``twc-tui alerts list`` and ``twc-tui alerts test [NAME]``: the rules in force, and a test
notification through each sink, saying what happened."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import httpx

from twc_tui.commands.args import Parser
from twc_tui.core.alert_config import KINDS, AlertRule
from twc_tui.core.config import ConfigError, Settings, load_settings
from twc_tui.core.text import safe_text
from twc_tui.core.units import duration
from twc_tui.engine.alert_rules import Notification
from twc_tui.engine.notify import deliver

EXIT_USAGE = 2


def _when(rule: AlertRule) -> str:
    params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in rule.params.items())
    return rule.kind + (f" ({params})" if params else "")


def list_rules(settings: Settings, out: TextIO) -> int:
    sinks = [s.name for s in settings.alerting.sinks]
    print(f"{'rule':<22} {'when':<38} {'for':>6} {'cooldown':>8} {'severity':<8} state",
          file=out)
    for rule in settings.alerting.rules:
        state = "on" if rule.enabled else "off"
        origin = "default" if rule.default else "yours"
        print(f"{safe_text(rule.name, 22):<22} {safe_text(_when(rule), 38):<38} "
              f"{duration(rule.for_s) if rule.for_s else '-':>6} "
              f"{duration(rule.cooldown_s):>8} {rule.severity:<8} {state} ({origin})",
              file=out)
        if rule.chargers is not None:
            print(f"{'':<22} chargers: {safe_text(', '.join(rule.chargers), 60)}", file=out)
        if rule.notify is not None:
            print(f"{'':<22} notify: {safe_text(', '.join(rule.notify), 60)}", file=out)
    print(f"sinks: {safe_text(', '.join(sinks), 200) if sinks else 'none ([[notify]] tables)'}"
          f"; the monitor also shows a toast", file=out)
    print(f"kinds: {', '.join(KINDS)}", file=out)
    return 0


async def send_tests(settings: Settings, name: str | None, out: TextIO) -> int:
    sinks = [s for s in settings.alerting.sinks if name is None or s.name == name]
    if not sinks:
        known = ", ".join(s.name for s in settings.alerting.sinks) or "none configured"
        print(f"twc-tui alerts test: no sink named {name!r} (sinks: {known})"
              if name else "twc-tui alerts test: no [[notify]] sinks in the config file",
              file=sys.stderr)
        return EXIT_USAGE
    note = Notification("test", "info", "twc-tui", "twc-tui", "test",
                        "A test notification from twc-tui alerts test", time.time(), test=True)
    failed = 0
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
        results = await asyncio.gather(*(deliver(client, s, note, backoff_s=1.0)
                                         for s in sinks))
    for sink, (ok, what) in zip(sinks, results, strict=True):
        failed += not ok
        print(f"{safe_text(sink.name, 40)} ({sink.type}): "
              f"{'sent' if ok else 'FAILED'}, {safe_text(what, 200)}", file=out)
    return 1 if failed else 0


def main(argv: Sequence[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = Parser(prog="twc-tui alerts",
                    description="Alert rules and notification sinks.")
    parser.add_argument("--config", metavar="PATH", help="config file")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="the rules in force, with their defaults and state")
    test = sub.add_parser("test", help="send a test notification through each sink")
    test.add_argument("name", nargs="?", help="only this sink")
    args = parser.parse_args(list(argv))
    try:
        settings = load_settings(Path(args.config).expanduser() if args.config else None)
    except ConfigError as error:
        print(f"twc-tui alerts: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "list":
        return list_rules(settings, out)
    return asyncio.run(send_tests(settings, args.name, out))
