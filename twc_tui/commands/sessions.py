"""``twc-tui sessions [--csv|--json] [--since DATE]``: the charging sessions on record."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from twc_tui.commands.args import Parser
from twc_tui.core.config import ConfigError, Settings, load_settings
from twc_tui.core.text import csv_cell, safe_text
from twc_tui.core.units import duration
from twc_tui.engine.recorder import default_db_path
from twc_tui.engine.session_records import FIELDS, session_records
from twc_tui.engine.session_records import iso as iso  # `export` and older callers
from twc_tui.engine.store import Store, StoreError
from twc_tui.engine.tariff import Tariff

EXIT_USAGE = 2


def parse_date(text: str) -> float:
    """``2026-11-01`` (local midnight) or an ISO timestamp (local time unless it has an
    offset) to wall-clock seconds. Raises ``ValueError`` with a one-line message."""
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"not a date: {text!r} (use 2026-11-01 or 2026-11-01T18:00)") from None


def common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="DATE", help="from this date or time (ISO 8601)")
    parser.add_argument("--db", metavar="PATH", help="history database (default: the config's "
                        "[history] db_path, else the user state dir)")
    parser.add_argument("--config", metavar="PATH", help="config file")


def open_for_reading(prog: str, args: argparse.Namespace) -> tuple[Store | None, Settings,
                                                                   float | None, int]:
    """Settings, the store and ``--since`` for a reading command, or an exit code.

    A database that does not exist yet at the default place is not an error (nothing was
    recorded yet: empty output, a note on stderr); a ``--db`` that does not exist is.
    """
    try:
        settings = load_settings(Path(args.config).expanduser() if args.config else None)
        since = None if args.since is None else parse_date(args.since)
    except (ConfigError, ValueError) as error:
        print(f"{prog}: {'--since: ' if isinstance(error, ValueError) else ''}{error}",
              file=sys.stderr)
        return None, Settings(), None, EXIT_USAGE
    db = default_db_path(args.db or settings.db_path)
    if not db.exists():
        print(f"{prog}: no history database at {db}" + (
            "" if args.db else " yet (run the monitor or `twc-tui record`)"), file=sys.stderr)
        return None, settings, since, EXIT_USAGE if args.db else 0
    try:
        # Reading never needs to write: a database we may not change is opened read-only
        # (the store falls back to immutable=1 when even the lock file cannot be made).
        writable = os.access(db.parent, os.W_OK) and os.access(db, os.W_OK)
        store = Store.open(db, readonly=not writable)
    except StoreError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return None, settings, since, EXIT_USAGE
    return store, settings, since, 0


def write_table(records: list[dict[str, Any]], out: TextIO, currency: str) -> None:
    if not records:
        print("no sessions recorded", file=out)
        return
    head = f"{'charger':<16} {'started':<19} {'duration':>9} {'charging':>9} {'kWh':>8}"
    head += f" {'peak kW':>7} {'handle':>6}  {'cost':>8}  notes"
    print(head, file=out)
    for rec in records:
        money = "" if rec["cost"] is None else f"{currency}{rec['cost']:.2f}"
        handle = "" if rec["max_handle_c"] is None else f"{rec['max_handle_c']:.0f}°C"
        print(f"{safe_text(rec['charger'], 16):<16} {rec['started'][:19].replace('T', ' '):<19} "
              f"{duration(rec['duration_s']):>9} {duration(rec['charging_s']):>9} "
              f"{rec['energy_kwh']:>8.3f} {rec['peak_kw']:>7.2f} {handle:>6}  {money:>8}  "
              f"{safe_text(rec['notes'], 60)}", file=out)


def main(argv: Sequence[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = Parser(prog="twc-tui sessions",
                    description="List recorded charging sessions.")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV with a header row")
    fmt.add_argument("--json", action="store_true", help="a JSON array")
    common_args(parser)
    args = parser.parse_args(list(argv))
    store, settings, since, code = open_for_reading("twc-tui sessions", args)
    records: list[dict[str, Any]] = []
    if store is not None:
        try:
            # The config's names win; the database remembers names given to `record` or
            # the monitor.
            records = session_records(store, {c.id: c.name for c in settings.chargers
                                              if c.name}, Tariff.of(settings), since)
        except StoreError as error:
            print(f"twc-tui sessions: {error}", file=sys.stderr)
            return EXIT_USAGE
        finally:
            store.close()
    elif code:
        return code
    if args.json:
        json.dump(records, out, indent=2)
        out.write("\n")
    elif args.csv:
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: csv_cell(v) for k, v in rec.items()} for rec in records)
    else:
        write_table(records, out, (Tariff.of(settings) or Tariff()).currency or settings.currency)
    return 0
