"""``twc-tui status [--json] [HOST ...]``: poll each charger once, print a report, exit with a code.

This is the quick-diagnostic and scripting path, so it imports no Textual and as little else
as it can: Rich is imported only for the human report, never for ``--json``. The polling, the
exit codes and the JSON document live in :mod:`twc_tui.core.report`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from twc_tui.commands.args import Parser, hub_options, timeout
from twc_tui.core.config import ConfigError, Settings, load_settings
from twc_tui.core.models import PHASE_MODES, Vitals, WifiStatus
from twc_tui.core.report import (
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    ChargerReport,
    document,
    exit_code,
    poll_chargers,
)
from twc_tui.core.targets import ChargerConfig, resolve_chargers
from twc_tui.hub.attach import HubChoice, choose_hub

if TYPE_CHECKING:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

EPILOG = """\
exit codes (the highest that applies wins):
  3  a charger could not be reached (its vitals request failed)
  1  a charger needs a look: an active alert, a 255 sentinel temperature, an unknown
     state, or one of its other endpoints failed
  0  every charger answered and all is well
  2  bad usage: unknown option, bad host or port, unreadable or invalid config file

examples:
  twc-tui status 192.168.1.50                   a readable report
  twc-tui status 192.168.1.50=Garage 192.168.1.51:8080
  twc-tui status                                the chargers in the config file
  twc-tui status --json 192.168.1.50 | jq '.chargers[0].power_w'
  twc-tui status -q 192.168.1.50 || echo "charger needs a look"
  twc-tui status --hub http://homeserver:8743   from a hub's cache (twc-tui serve)
"""

NO_HOSTS = """\
twc-tui status: no chargers given and none in the config file ({path}). Try one of:
  twc-tui status HOST              report on the Wall Connector at HOST (its IP address)
  twc-tui discover 192.168.1.0/24  find Wall Connectors on your network
  twc-tui config init              write a config file listing your chargers"""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="twc-tui status",
        description="Poll each charger's four endpoints once and print a report.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("hosts", nargs="*", metavar="HOST[:PORT][=NAME]",
                        help="chargers to ask (default: those in the config file)")
    parser.add_argument("--json", action="store_true", help="print a JSON document instead")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print nothing; only the exit code tells")
    parser.add_argument("--config", metavar="PATH", help="config file to read")
    parser.add_argument("--timeout", type=timeout, metavar="S",
                        help="connect timeout (default: the config's, 5 s); reads wait 3x as long")
    parser.add_argument("--phase-mode", choices=PHASE_MODES,
                        help="how to compute power for every charger (default: per charger, auto)")
    hub_options(parser, hub="report from a hub (twc-tui serve) instead of asking the chargers",
                direct="ask the chargers even when a hub on this machine polls them")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    path = Path(args.config).expanduser() if args.config else None
    try:
        settings = load_settings(path)
        chargers = resolve_chargers(settings, args.hosts, args.phase_mode)
        hub = choose_hub(settings, chargers, hub=args.hub, direct=args.direct,
                         hosts_given=bool(args.hosts), token_file=args.token_file)
    except (ConfigError, ValueError) as error:
        print(f"twc-tui status: {error}", file=sys.stderr)
        return EXIT_USAGE
    if hub is not None:
        return run_hub_report(hub, settings, chargers, json_out=args.json, quiet=args.quiet,
                              phase_mode=args.phase_mode)
    if not chargers:
        from twc_tui.core.config import default_config_path

        print(NO_HOSTS.format(path=path or default_config_path()), file=sys.stderr)
        return EXIT_USAGE
    if args.timeout is not None:
        timeouts = dataclasses.replace(settings.timeouts, connect=args.timeout,
                                       read=args.timeout * 3)
        settings = dataclasses.replace(settings, timeouts=timeouts)
    if args.quiet:
        return exit_code(asyncio.run(poll_chargers(chargers, settings.timeouts)))
    return run_report(chargers, settings, json_out=args.json, file=sys.stdout)


def run_report(
    chargers: Sequence[ChargerConfig],
    settings: Settings,
    json_out: bool = False,
    file: TextIO | None = None,
) -> int:
    """Poll once, print the report (or JSON) to ``file``, return the exit code.

    Also what plain ``twc-tui HOST`` runs when stdout is not a terminal or TERM is dumb.
    """
    reports = asyncio.run(poll_chargers(chargers, settings.timeouts))
    return print_reports(reports, settings, json_out=json_out, file=file)


def run_hub_report(hub: HubChoice, settings: Settings, chargers: Sequence[ChargerConfig] = (),
                   *, json_out: bool = False, quiet: bool = False, file: TextIO | None = None,
                   phase_mode: str | None = None) -> int:
    """The same report from a hub's cache; exit code 3 when the hub cannot be read."""
    from twc_tui.commands.status_hub import hub_note, read_hub

    reports = read_hub(hub, settings, chargers, phase_mode)
    if reports is None:
        return EXIT_UNREACHABLE
    if quiet:
        return exit_code(reports)
    return print_reports(reports, settings, json_out=json_out, file=file, note=hub_note(hub))


def print_reports(reports: Sequence[ChargerReport], settings: Settings, *,
                  json_out: bool = False, file: TextIO | None = None, note: str = "") -> int:
    """Print the report (or JSON) to ``file`` and return the exit code. ``note`` heads the
    human report only: the JSON document is the same whoever asked the chargers."""
    out = sys.stdout if file is None else file
    if json_out:
        # ensure_ascii: the output is pure ASCII, so no C1 control or bidi override from a
        # charger can reach a terminal even when someone cats the JSON.
        json.dump(document(reports), out, indent=2, ensure_ascii=True, allow_nan=False)
        out.write("\n")
    else:
        console = make_console(out)
        if note:
            console.print(note, style="dim")
        render_reports(reports, settings, console)
    out.flush()
    return exit_code(reports)


def make_console(file: TextIO, width: int | None = None) -> Console:
    """A console that respects NO_COLOR and TERM=dumb and never parses markup or
    highlights numbers (charger strings are shown as Text only anyway)."""
    from rich.console import Console

    return Console(file=file, width=width, highlight=False, markup=False, emoji=False,
                   soft_wrap=False)


def report_text(reports: Sequence[ChargerReport], settings: Settings, width: int = 80) -> str:
    """The human report as plain text at ``width`` columns (for tests and previews)."""
    import io

    buffer = io.StringIO()
    render_reports(reports, settings, make_console(buffer, width=width))
    return buffer.getvalue()


# -- the human report ---------------------------------------------------------------------

_ASCII = str.maketrans({"°": "", "—": "-", "…": "~", "✓": "+", "·": "|", "Σ": "sum ",
                        "×": "x", "⚠": "!"})


class _View:
    """Builds one charger's panel. Every charger-sent string goes through ``safe_text`` and
    into a ``Text`` (never markup), so a hostile SSID prints literally."""

    def __init__(self, settings: Settings, ascii_only: bool) -> None:
        from rich.text import Text

        from twc_tui.core import units
        from twc_tui.core.text import safe_text

        self.Text, self.u, self.safe_text = Text, units, safe_text
        self.settings = settings
        self.ascii_only = ascii_only

    def ours(self, text: str) -> str:
        """Our own wording, made ASCII on a non-UTF-8 terminal."""
        if not self.ascii_only:
            return text
        return text.translate(_ASCII).encode("ascii", "replace").decode()

    def net(self, value: object, max_len: int = 60) -> str:
        """A string from the charger, sanitised."""
        return self.safe_text(value, max_len, ascii_only=self.ascii_only)

    def panel(self, report: ChargerReport) -> Panel:
        from rich.panel import Panel
        from rich.table import Table

        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True, min_width=8)
        grid.add_column(overflow="fold")
        for label, value in self.rows(report):
            grid.add_row(label, value if isinstance(value, self.Text) else self.Text(value))
        code = report.exit_code()
        verdict, style = {0: ("OK", "green"), 1: ("NEEDS A LOOK", "yellow"),
                          3: ("UNREACHABLE", "red")}[code]
        title = self.Text(self.net(report.charger.label, 40), style="bold")
        if report.charger.name:
            title.append(f"  {report.charger.id}", style="dim")
        from rich import box

        # Rich picks ASCII borders from the stream's encoding, which is "utf-8" under LANG=C.
        return Panel(grid, title=title, title_align="left",
                     box=box.ASCII if self.ascii_only else box.ROUNDED,
                     subtitle=self.Text(f"{verdict} (exit {code})", style=style),
                     subtitle_align="right", border_style=style)

    def rows(self, r: ChargerReport) -> list[tuple[str, str | Text]]:
        T, u = self.Text, self.u
        if r.vitals is None:
            return [
                ("State", T("unreachable", style="bold red")),
                ("Error", T(self.net(r.error, 200), style="red")),
                ("Hint", "check the address and that the charger is on your WiFi; with "
                         "power sharing only the leader can be reached"),
            ]
        v = r.vitals
        state = v.state
        shown_code = "—" if state.code is None else state.code
        line = T(self.ours(f"{state.label} ({shown_code})"), style="bold")
        if state.verified:
            line.append(self.ours("  ✓ verified"), style="green")
        elif state.known:
            line.append("  community label, unverified", style="dim")
        else:
            line.append("  not a known state", style="bold yellow")
        plug = "plugged in" if v.plugged else "not plugged in"
        plug += ", charging" if v.charging else (", not charging" if v.plugged else "")
        mode = r.phase_mode or "three"
        how = "grid V × vehicle A" if mode == "split" else "Σ V×I"
        source = "set" if r.charger.phase_mode in ("split", "three") else "detected"
        power = T(self.ours(u.kw(r.power_w)), style="bold")
        power.append(self.ours(f"  {mode}-phase, {source}: {how}"), style="dim")
        phases = "  ".join(f"{p} {u.num(getattr(v, f'current{p}_a'))}" for p in "ABCN")
        rows: list[tuple[str, str | Text]] = [
            ("State", line),
            ("Vehicle", plug),
            ("Power", power),
            ("Current", self.ours(f"{u.amps(v.vehicle_current_a)} vehicle · {phases} A")),
            ("Grid", self.ours(f"{u.volts(v.grid_v)} · {u.hertz(v.grid_hz)}")),
            ("Session", self.ours(self.session(v))),
            ("Temps", self.temps(v)),
            ("Alerts", self.alerts(v)),
        ]
        if r.wifi is not None:
            rows.append(("WiFi", self.wifi(r.wifi)))
        if r.version is not None:
            ver = r.version
            rows.append(("Firmware", self.ours(" · ").join([
                self.net(ver.firmware_version) or self.ours("—"),
                f"part {self.net(ver.part_number, 30)}",
                f"serial {self.net(ver.serial_number, 30)}"])))
        if r.lifetime is not None:
            life = r.lifetime
            rows.append(("Lifetime", self.ours(
                f"{u.energy(life.energy_wh)} · {u.num(life.connector_cycles, 'd')} plug-ins"
                f" · {u.num(life.thermal_foldbacks, 'd')} thermal foldbacks")))
        rows.append(("Uptime", self.ours(u.duration(v.uptime_s))))
        for endpoint, message in r.errors.items():
            rows.append(("Error", T(f"{endpoint}: {self.net(message, 200)}", style="red")))
        return rows

    def session(self, v: Vitals) -> str:
        energy = self.u.kwh(v.session_energy_wh)
        if v.plugged:
            return f"{energy} · plugged in for {self.u.duration(v.session_s)}"
        return f"{energy} (last session; resets at the next plug-in)"

    def temps(self, v: Vitals) -> Text:
        out = self.Text()
        limits = {"handle_temp_c": self.settings.handle_warn_c,
                  "pcba_temp_c": self.settings.pcba_warn_c,
                  "mcu_temp_c": self.settings.pcba_warn_c}
        names = {"handle_temp_c": "handle", "pcba_temp_c": "PCBA", "mcu_temp_c": "MCU"}
        for key, name in names.items():
            if out:
                out.append("  ")
            value = getattr(v, key)
            if key in v.sentinels:
                out.append(self.ours(f"{name} ⚠ 255 (sensor failure)"), style="bold yellow")
            else:
                hot = value is not None and value >= limits[key]
                out.append(self.ours(f"{name} {self.u.celsius(value)}"),
                           style="bold yellow" if hot else "")
        return out

    def alerts(self, v: Vitals) -> Text:
        if not v.alerts:
            return self.Text("none", style="green")
        return self.Text("\n").join(
            self.Text(f"{self.net(a.code, 20)}: {self.net(a.text)}", style="bold yellow")
            for a in v.alerts
        )

    def wifi(self, w: WifiStatus) -> Text:
        u = self.u
        out = self.Text(self.net(w.ssid, 40) or self.ours("—"), style="bold")
        if w.ssid_decoded is not None:
            out.append(f" (raw {self.net(w.wifi_ssid, 30)})", style="dim")
        out.append(self.ours(f" · signal {u.num(w.wifi_signal_strength, 'd', '%')}"
                             f" · {u.num(w.wifi_rssi, 'd', 'dBm')}"
                             f" · SNR {u.num(w.wifi_snr, 'd', 'dB')}"))
        return out


def render_reports(reports: Sequence[ChargerReport], settings: Settings, console: Console) -> None:
    """One panel per charger, then a one-line summary that explains the exit code."""
    from twc_tui.core.charset import ascii_output

    ascii_only = ascii_output(console.file, forced=settings.ascii)
    view = _View(settings, ascii_only)
    for report in reports:
        console.print(view.panel(report))
    codes = [r.exit_code() for r in reports]
    console.print(f"{len(reports)} charger{'s' if len(reports) != 1 else ''}: "
                  f"{codes.count(0)} OK, {codes.count(1)} need a look, "
                  f"{codes.count(3)} unreachable; exit {exit_code(reports)}")
