"""``twc-tui simulate``: serve simulated Wall Connectors over HTTP until Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import signal
import sys

from twc_tui.commands.args import Parser, number
from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm
from twc_tui.sim.faults import FAULT_HELP, Faults
from twc_tui.sim.profiles import PROFILES
from twc_tui.sim.scenario import SCRIPTS

DESCRIPTION = """\
Serve simulated Tesla Wall Connector Gen 3 chargers over real HTTP: the four endpoints
(/api/1/vitals, /lifetime, /wifi_status, /version) with what real units send, following a
scripted charging day. Non-working /api/1/... paths answer 500, others 404, non-GET 405.

profiles:  na   NA split-phase 60 Hz, current firmware (relay K1/K2, not-ready reasons)
           eu   EU three-phase 50 Hz, firmware 25.x (relay_coil_v, not-ready reasons)
           old  NA split-phase, old firmware (relay_coil_v, `nan` in lifetime, 3-key version)
scenarios: day       idle, plug-ins at 07:30 and 18:00, thermal derate, unplug, daily reboot
           charging  charging from the start (alert 40 derate ~23 simulated minutes in)
           idle      nothing ever plugged in
           plugin    idle for 30 simulated seconds, then plugged in; then the day script"""


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, not {text!r}")
    return int(text)


speed = number(0, 1_000_000, what="speed", low_inclusive=False)


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"count must be 1-100, not {text!r}")
    return int(text)


def _faults(text: str) -> Faults:
    try:
        return Faults.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"bad --faults: {error}") from None


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="twc-tui simulate", description=DESCRIPTION, epilog=FAULT_HELP,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=_port, default=8080,
                        help="first port; one port per charger, consecutive "
                             "(0 = ephemeral; default: %(default)s)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="na",
                        help="kind of unit (default: %(default)s)")
    parser.add_argument("--scenario", choices=sorted(SCRIPTS), default="day",
                        help="what happens over time (default: %(default)s)")
    parser.add_argument("--speed", type=speed, default=1.0,
                        help="simulated seconds per real second, e.g. 60 = a minute per "
                             "second (default: %(default)s)")
    parser.add_argument("--start-at", type=_seconds, default=0.0, metavar="S",
                        help="simulated seconds into the scenario at start (default: 0)")
    parser.add_argument("--faults", type=_faults, default=None, metavar="SPEC",
                        help="inject faults, e.g. latency=0.5,error_rate=0.2 (keys below)")
    parser.add_argument("--offline-every", type=_seconds, default=None, metavar="S",
                        help="every S real seconds, stop listening (connection refused) ...")
    parser.add_argument("--offline-for", type=_seconds, default=10.0, metavar="S",
                        help="... for S real seconds, then come back on the same port "
                             "(default: %(default)s), e.g. --offline-every 60 --offline-for 20")
    parser.add_argument("--count", type=_count, default=1, metavar="N",
                        help="how many chargers (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed for reading noise, for repeatable output")
    return parser


def main(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already reported in one line
        return int(done.code or 0)
    if args.offline_every is not None and not (args.offline_every > 0 and args.offline_for > 0):
        print("twc-tui simulate: --offline-every and --offline-for must be above 0",
              file=sys.stderr)
        return 2
    if args.port and args.port + args.count - 1 > 65535:
        print(f"twc-tui simulate: ports {args.port}-{args.port + args.count - 1} go past 65535",
              file=sys.stderr)
        return 2
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 0


async def _serve(args: argparse.Namespace) -> int:
    chargers = [
        SimulatedCharger(args.profile, host=args.host,
                         port=args.port + i if args.port else 0, speed=args.speed,
                         # A copy each, so one charger's faults can change on their own.
                         faults=dataclasses.replace(args.faults) if args.faults else None,
                         name=f"sim-{args.profile}-{i + 1}", scenario=args.scenario,
                         start_at_s=args.start_at,
                         seed=None if args.seed is None else args.seed + i)
        for i in range(args.count)
    ]
    farm = SimulatorFarm(chargers)
    try:
        await farm.start()
    except OSError as error:
        reason = error.strerror or str(error)
        print(f"twc-tui simulate: cannot listen on {args.host}:{args.port}: {reason}",
              file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for charger in chargers:
        print(f"{charger.url}  {charger.name} ({args.profile}, {args.scenario}, "
              f"speed {args.speed:g})", flush=True)
    if args.faults:
        print(f"faults: {', '.join(args.faults.active())}", file=sys.stderr, flush=True)
    print("serving; Ctrl+C to stop", file=sys.stderr, flush=True)
    flapping = asyncio.create_task(_flap(chargers, args.offline_every, args.offline_for))
    try:
        await stop.wait()
    finally:
        flapping.cancel()
        await asyncio.gather(flapping, return_exceptions=True)
        await farm.stop()
    return 0


async def _flap(chargers: list[SimulatedCharger], every: float | None, down_for: float) -> None:
    """Take the chargers offline now and then, as a charger dropping off Wi-Fi does."""
    if not every:
        return
    while True:
        await asyncio.sleep(every)
        print(f"offline for {down_for:g} s", file=sys.stderr, flush=True)
        for charger in chargers:
            await charger.go_offline(down_for)
        await asyncio.sleep(down_for)
        print("back online", file=sys.stderr, flush=True)

