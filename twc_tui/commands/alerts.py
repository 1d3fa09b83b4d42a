"""``twc-tui alerts list`` and ``twc-tui alerts test [NAME]``: the rules in force, and a test
notification through each sink, saying what happened."""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import httpx

from twc_tui.commands.args import Parser, hub_options
from twc_tui.core.alert_config import KINDS, rule_doc
from twc_tui.core.config import ConfigError, Settings, load_settings
from twc_tui.core.text import safe_text
from twc_tui.core.units import duration
from twc_tui.engine.alert_rules import Notification
from twc_tui.engine.notify import deliver
from twc_tui.hub.attach import HubChoice, choose_hub
from twc_tui.hub.sse_client import HubError, get_json, hub_client

EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


def local_doc(settings: Settings) -> dict[str, Any]:
    """The config file's rules, in the shape of the hub's ``/api/alerts`` without the live
    ``firing`` and ``pending``: nothing here evaluates them."""
    return {"rules": [rule_doc(rule) for rule in settings.alerting.rules],
            "sinks": [s.name for s in settings.alerting.sinks]}


def read_hub_alerts(hub: HubChoice, settings: Settings) -> dict[str, Any]:
    """The hub's rules and their state. Raises HubError in one line."""
    async def read() -> dict[str, Any]:
        async with hub_client(hub.url, hub.token, settings.timeouts.connect) as http:
            return await get_json(http, "/api/alerts")

    doc = asyncio.run(read())
    if not isinstance(doc.get("rules"), list):
        raise HubError("/api/alerts: the hub's answer has no rules (a hub older than this "
                       "twc-tui?)")
    return doc


def _names(value: object, width: int = 60) -> str:
    items = value if isinstance(value, list) else []
    return safe_text(", ".join(str(v) for v in items), width)


def _ids(value: object) -> list[str]:
    """Charger ids from the hub's answer; anything else is not a charger."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _seconds(value: object) -> float:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else 0.0


def print_rules(doc: dict[str, Any], out: TextIO, *, live: bool) -> None:
    """The rules, one line each; with ``live``, what each is doing now on the hub."""
    print(f"{'rule':<22} {'when':<38} {'for':>6} {'cooldown':>8} {'severity':<8} state",
          file=out)
    for rule in doc["rules"]:
        if not isinstance(rule, dict):
            continue
        state = ("on" if rule.get("enabled") else "off") + \
            (" (default)" if rule.get("default") else " (yours)")
        firing, pending = _ids(rule.get("firing")), _ids(rule.get("pending"))
        if live and rule.get("enabled"):
            state += ", firing" if firing else ", pending" if pending else ", quiet"
        for_s = _seconds(rule.get("for_s"))
        print(f"{safe_text(rule.get('name'), 22):<22} {safe_text(rule.get('when'), 38):<38} "
              f"{duration(for_s) if for_s else '-':>6} "
              f"{duration(_seconds(rule.get('cooldown_s'))):>8} "
              f"{safe_text(rule.get('severity'), 8):<8} {state}", file=out)
        shown = (("firing on", firing), ("pending on", pending)) if live else ()
        for label, value in (*shown, ("chargers", rule.get("chargers")),
                             ("notify", rule.get("notify"))):
            if value:
                print(f"{'':<22} {label}: {_names(value)}", file=out)
    sinks = _names(doc.get("sinks"), 200)
    print(f"sinks: {sinks or 'none ([[notify]] tables)'}; the monitor also shows a toast",
          file=out)
    print(f"kinds: {', '.join(KINDS)}", file=out)


def list_rules(settings: Settings, out: TextIO, hub: HubChoice | None = None,
               json_out: bool = False) -> int:
    """The hub's rules with their state when a hub is named or runs here; else the config
    file's, with a line saying that nothing evaluates them in this process."""
    if hub is not None:
        try:
            doc = read_hub_alerts(hub, settings)
        except HubError as error:
            print(f"twc-tui alerts: hub unreachable at {hub.url}: {error}", file=sys.stderr)
            return EXIT_UNREACHABLE
    else:
        doc = local_doc(settings)
    if json_out:
        json.dump(doc, out, indent=2, ensure_ascii=True, allow_nan=False)
        out.write("\n")
        return 0
    if hub is not None:
        print(f"the rules of the hub at {hub.url}, as they stand now", file=out)
    print_rules(doc, out, live=hub is not None)
    if hub is None:
        print("state now: no hub runs here to evaluate them (twc-tui serve or record does; "
              "--hub URL asks one elsewhere)", file=out)
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
    listing = sub.add_parser("list", help="the rules in force, with their defaults and state")
    listing.add_argument("--json", action="store_true", help="print a JSON document instead")
    hub_options(listing, hub="the hub whose rules to list (default: one running here)",
                direct="list the config file's rules even when a hub runs here")
    test = sub.add_parser("test", help="send a test notification through each sink")
    test.add_argument("name", nargs="?", help="only this sink")
    args = parser.parse_args(list(argv))
    try:
        settings = load_settings(Path(args.config).expanduser() if args.config else None)
        hub = None if args.action != "list" else choose_hub(
            settings, (), hub=args.hub, direct=args.direct, hosts_given=False,
            token_file=args.token_file)
    except (ConfigError, ValueError) as error:
        print(f"twc-tui alerts: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "list":
        return list_rules(settings, out, hub, json_out=args.json)
    return asyncio.run(send_tests(settings, args.name, out))
