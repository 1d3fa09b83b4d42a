"""``twc-tui record [HOST ...]``: poll chargers without a UI and keep their history.

Meant to run as a service on a home server. It is the database's priority writer: a monitor
that was writing hands over within seconds, and takes over again when this stops. SIGTERM and
SIGINT flush the last batch and exit 0. One line per event goes to stdout (the journal).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

from twc_tui.core.client import ChargerClient, make_http_client
from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import ConfigError, Settings, load_settings
from twc_tui.core.poller import ChargerPoller, PollEvent, PollSettings
from twc_tui.core.recorder import Recorder, default_db_path
from twc_tui.core.state import ChargerState
from twc_tui.core.store import Store, StoreError
from twc_tui.core.targets import ChargerConfig, resolve_chargers
from twc_tui.core.text import safe_text

EXIT_USAGE = 2

EPILOG = """\
examples:
  twc-tui record 192.168.1.50=Garage          record one charger
  twc-tui record                              the chargers in the config file
  twc-tui record --db /var/lib/twc-tui/history.db 192.168.1.50

The monitor (twc-tui) can run beside it on the same database: it reads while this records.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twc-tui record", description="Record chargers' history without a UI.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("hosts", nargs="*", metavar="HOST[:PORT][=NAME]",
                        help="chargers to record (default: those in the config file)")
    parser.add_argument("--config", metavar="PATH", help="config file")
    parser.add_argument("--db", metavar="PATH",
                        help="history database (default: config [history] db_path, else "
                             "the user state dir)")
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
    db = default_db_path(args.db or settings.db_path)
    try:
        return asyncio.run(record(chargers, settings, db))
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
) -> int:
    """Record until ``stop`` is set or SIGTERM/SIGINT arrives; returns the exit code."""
    out = out or sys.stdout
    try:
        store = Store.open(db)
    except StoreError as error:
        print(f"twc-tui record: {error}", file=sys.stderr)
        return EXIT_USAGE
    recorder = Recorder(store, priority=True, retention_days=settings.retention_days,
                        names={c.id: c.name for c in chargers if c.name})
    if recorder.lock is not None and recorder.lock.error:
        print(f"twc-tui record: {recorder.lock.error} ({db})", file=sys.stderr)
        recorder.close()
        store.close()
        return EXIT_USAGE
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)

    def say(line: str) -> None:
        try:
            print(f"{datetime.fromtimestamp(clock.time()).isoformat(timespec='seconds')} "
                  f"{safe_text(line, 400)}", file=out, flush=True)
        except (OSError, ValueError):  # stdout gone (a closed pipe): keep recording
            pass

    names = {c.id: c.label for c in chargers}
    say(f"recording {len(chargers)} charger(s) to {db} (pid {os.getpid()})")
    states = {c.id: ChargerState(c.id, c.label, c.phase_mode) for c in chargers}

    def on_event(event: PollEvent) -> None:
        # Runs inside the poller's loop: an exception here would end that charger's
        # polling silently while the service looks alive.
        try:
            state = states[event.charger]
            entries = state.apply(event)
            recorder.feed(event, entries, state.phase_mode_setting)
            for entry in entries:
                say(f"{names[entry.charger]}: {entry.text}")
        except Exception as error:
            say(f"internal error while recording {event.charger} (a twc-tui bug): {error}")

    http = make_http_client(settings.timeouts)
    tasks = [
        asyncio.create_task(ChargerPoller(
            c.id, ChargerClient(http, c.host, c.port, settings.timeouts), on_event,
            poll or settings.poll, clock=clock).run())
        for c in chargers
    ]
    status, error = "", None
    try:
        while not stop.is_set():
            recorder.tick()  # flush and lock upkeep even when no charger answers
            if recorder.status != status:
                status = recorder.status
                say(status)
            if recorder.last_error != error:
                error = recorder.last_error
                say("writing again" if error is None else
                    f"cannot write yet, keeping the data in memory: {error}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await http.aclose()
        recorder.close()
        store.close()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    say("stopped; history flushed")
    return 0
