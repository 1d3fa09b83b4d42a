"""``twc-tui discover CIDR``: find Wall Connectors by asking each address for ``/api/1/version``.

One GET per address, at most ``--concurrency`` at a time, with a short connect timeout: most
addresses in a home range are empty and should cost a refused or timed-out connect, not a
long wait. A reply counts as a charger only if it is a JSON object carrying the version
endpoint's own keys, so a router's web UI answering 200 is not mistaken for one.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from twc_tui.commands.args import Parser
from twc_tui.core.charset import ascii_output
from twc_tui.core.targets import check_port

MAX_WITHOUT_FORCE = 1024
"""A /22: bigger ranges take long and look like a port scan, so they need --force."""
MAX_ADDRESSES = 65536
"""A /16 even with --force: past that it is a mistake, not a home network."""
VERSION_KEYS = ("firmware_version", "part_number", "serial_number")

EPILOG = """\
Only /api/1/version is requested, once per address. Ranges larger than /22 (1024
addresses) need --force. With power sharing only the leader is on your network, so
only the leader can be found.

exit codes: 0 chargers found, 1 none found, 2 bad usage

examples:
  twc-tui discover 192.168.1.0/24
  twc-tui discover 10.0.0.0/22 --timeout 2
  twc-tui discover 192.168.1.0/24 --json
  twc-tui discover 192.168.1.0/24 >> "$(twc-tui config path)"   (then edit the names)
"""


@dataclass(frozen=True)
class Found:
    """A charger that answered, with its version fields as sent (not yet sanitised)."""

    address: str
    port: int
    firmware_version: str
    part_number: str
    serial_number: str


def _positive(kind: type, low: float, high: float, what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low:g} and {high:g}, "
                                             f"not {value:g}")
        return value

    return parse


def _port(text: str) -> int:
    try:
        return check_port(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="twc-tui discover",
        description="Find Wall Connectors on a network range and print a config snippet.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("cidr", metavar="CIDR", help="addresses to probe, e.g. 192.168.1.0/24")
    parser.add_argument("--port", type=_port, default=80, help="TCP port (default: 80)")
    parser.add_argument("--timeout", type=_positive(float, 0.1, 30, "timeout"), default=1.0,
                        metavar="S", help="connect timeout per address (default: 1 s); "
                        "a connected charger gets 3x as long to answer")
    parser.add_argument("--concurrency", type=_positive(int, 1, 256, "concurrency"),
                        default=64, metavar="N", help="addresses probed at once (default: 64)")
    parser.add_argument("--force", action="store_true",
                        help=f"allow ranges over {MAX_WITHOUT_FORCE} addresses")
    parser.add_argument("--json", action="store_true", help="print the chargers found as JSON")
    return parser


def addresses(cidr: str, force: bool) -> list[str]:
    """The host addresses of ``cidr`` (a bare address is a range of one). Raises
    ``ValueError`` with a one-line message."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        raise ValueError(f"not an address range: {cidr!r} (expected e.g. 192.168.1.0/24)") \
            from None
    count = network.num_addresses
    if count > MAX_ADDRESSES:
        raise ValueError(f"{network} has {count} addresses; the limit is {MAX_ADDRESSES} (a /16)")
    if count > MAX_WITHOUT_FORCE and not force:
        raise ValueError(f"{network} has {count} addresses, more than a /22 "
                         f"({MAX_WITHOUT_FORCE}); add --force to probe them all")
    hosts = list(network.hosts())
    return [str(a) for a in hosts or [network.network_address]]


def looks_like_charger(body: object) -> bool:
    """The version endpoint's keys, as strings: at least two of the three."""
    if not isinstance(body, dict):
        return False
    return sum(isinstance(body.get(k), str) for k in VERSION_KEYS) >= 2


async def scan(
    hosts: Sequence[str], port: int, timeout: float, concurrency: int,
    progress: Callable[[], None] | None = None,
) -> list[Found]:
    """Probe ``hosts`` with ``concurrency`` workers; return the chargers in address order."""
    from twc_tui.core.client import ChargerClient, ChargerError, Timeouts, make_http_client

    timeouts = Timeouts(connect=timeout, read=timeout * 3)
    found: list[Found] = []
    queue: Iterator[str] = iter(hosts)

    async def worker(http: object) -> None:
        for host in queue:  # a shared iterator: each address is taken exactly once
            client = ChargerClient(http, host, port, timeouts)  # type: ignore[arg-type]
            try:
                body = await client.fetch("version")
            except ChargerError:
                body = None
            if looks_like_charger(body):
                assert isinstance(body, dict)
                found.append(Found(host, port, *(str(body.get(k) or "") for k in VERSION_KEYS)))
            if progress is not None:
                progress()

    async with make_http_client(timeouts) as http:
        await asyncio.gather(*(worker(http) for _ in range(min(concurrency, len(hosts)))))
    return sorted(found, key=lambda f: ipaddress.ip_address(f.address))


def _scan_with_progress(hosts: Sequence[str], args: argparse.Namespace) -> list[Found]:
    """A Rich progress bar on stderr, only when stderr is a terminal (never in a pipe/log)."""
    if not (sys.stderr.isatty() and os.environ.get("TERM") != "dumb"):
        return asyncio.run(scan(hosts, args.port, args.timeout, args.concurrency))
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"probing {len(hosts)} addresses", total=len(hosts))
        return asyncio.run(scan(hosts, args.port, args.timeout, args.concurrency,
                                progress=lambda: bar.advance(task)))


def snippet(found: Sequence[Found], ascii_only: bool = False) -> str:
    """``[[chargers]]`` tables to paste into the config file. Charger strings appear only
    sanitised, inside TOML comments."""
    from twc_tui.core.text import safe_text

    lines = ["# Paste into your config file (twc-tui config path), then name the chargers."]
    for n, f in enumerate(found, start=1):
        serial = safe_text(f.serial_number, 40, ascii_only=ascii_only)
        lines += ["", "[[chargers]]",
                  f'name = "Wall Connector {n}"',
                  f"host = {json.dumps(f.address)}"
                  + (f"  # serial {serial}" if serial else "")]
        if f.port != 80:
            lines.append(f"port = {f.port}")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    try:
        hosts = addresses(args.cidr, args.force)
    except ValueError as error:
        print(f"twc-tui discover: {error}", file=sys.stderr)
        return 2
    found = _scan_with_progress(hosts, args)
    if args.json:
        print(json.dumps({"scanned": len(hosts), "chargers": [
            {"host": f.address, "port": f.port, "firmware_version": f.firmware_version,
             "part_number": f.part_number, "serial_number": f.serial_number} for f in found
        ]}, indent=2))
        return 0 if found else 1
    if not found:
        print(f"twc-tui discover: no Wall Connector answered on {_count(len(hosts))}; is the "
              "range right? With power sharing only the leader is on the network.",
              file=sys.stderr)
        return 1
    ascii_only = ascii_output(sys.stdout)
    print(table(found, len(hosts), ascii_only))
    print()
    print(snippet(found, ascii_only))
    return 0


def _count(n: int) -> str:
    return f"{n} address{'es' if n != 1 else ''}"


def table(found: Sequence[Found], scanned: int, ascii_only: bool = False) -> str:
    """Plain columns (no Rich needed): IP, serial, part number, firmware, all sanitised.

    Each line is a TOML comment, so the whole output can be appended to the config file."""
    from twc_tui.core.text import safe_text

    def s(value: str, n: int) -> str:
        return safe_text(value, n, ascii_only=ascii_only)

    rows = [("ADDRESS", "SERIAL", "PART", "FIRMWARE")] + [
        (f.address if f.port == 80 else f"{f.address}:{f.port}", s(f.serial_number, 20),
         s(f.part_number, 16), s(f.firmware_version, 26)) for f in found
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["# " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    lines.append(f"# {len(found)} Wall Connector{'s' if len(found) != 1 else ''} found "
                 f"on {_count(scanned)}")
    return "\n".join(lines)
