"""``twc-tui export samples|events [--csv|--json] [--since DATE]``: the rest of the history,
as CSV (the default) or JSON."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from twc_tui.commands.args import Parser
from twc_tui.commands.sessions import common_args, iso, open_for_reading
from twc_tui.core.text import csv_cell, safe_text
from twc_tui.engine.store import Store, StoreError
from twc_tui.engine.store_schema import SAMPLE_METRICS

EXIT_USAGE = 2

SAMPLE_FIELDS = ["time", "charger", "readings"] + [
    f"{metric}_{stat}" for metric in SAMPLE_METRICS for stat in ("min", "mean", "max")
]
"""One row per charger per 10 s: ``readings`` is 0 where the charger did not answer."""

EVENT_FIELDS = ["time", "charger", "kind", "level", "text"]


def main(argv: Sequence[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = Parser(prog="twc-tui export",
                    description="Export recorded samples or events as CSV or JSON.")
    parser.add_argument("what", choices=("samples", "events"),
                        help="samples: 10-second min/mean/max rows; events: the event log")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV with a header row (the default)")
    fmt.add_argument("--json", action="store_true",
                     help="a JSON array, one object per row (missing values are null)")
    common_args(parser)
    args = parser.parse_args(list(argv))
    store, _, since, code = open_for_reading("twc-tui export", args)
    if store is None:
        if code == 0 and args.json:  # nothing recorded yet: an empty export
            out.write("[]\n")
        elif code == 0:  # the same, with its header
            csv.writer(out, lineterminator="\n").writerow(
                SAMPLE_FIELDS if args.what == "samples" else EVENT_FIELDS)
        return code  # an error leaves stdout empty: a header alone reads as an empty export
    try:
        rows = _sample_rows(store, since) if args.what == "samples" else _event_rows(store, since)
        if args.json:
            _write_json(out, SAMPLE_FIELDS if args.what == "samples" else EVENT_FIELDS, rows)
            return 0
        # The header goes out with the first row (or alone at the end), after the first
        # read succeeded: a database that fails at once leaves stdout empty.
        writer = csv.writer(out, lineterminator="\n")
        header = SAMPLE_FIELDS if args.what == "samples" else EVENT_FIELDS
        for row in rows:
            if header:
                writer.writerow(header)
                header = None
            writer.writerow([csv_cell(cell) for cell in row])
        if header:
            writer.writerow(header)
    except StoreError as error:
        print(f"twc-tui export: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        store.close()
    return 0


def _write_json(out: TextIO, fields: list[str], rows: Iterator[list[object]]) -> None:
    """A JSON array written row by row (an export can be millions of rows); like the CSV,
    nothing is written until the first read succeeded."""
    opened = False
    for row in rows:
        out.write(",\n" if opened else "[\n")
        opened = True
        out.write(json.dumps({k: (None if v == "" else v) for k, v in zip(fields, row,
                                                                          strict=True)}))
    out.write("\n]\n" if opened else "[]\n")


def _sample_rows(store: Store, since: float | None) -> Iterator[list[object]]:
    for s in store.iter_samples(since):
        row: list[object] = [iso(s.t), s.charger, s.n]
        for metric in SAMPLE_METRICS:
            row += list(s.stats.get(metric, ("", "", "")))
        yield row


def _event_rows(store: Store, since: float | None) -> Iterator[list[object]]:
    for e in store.load_events(None, limit=-1, since=since):
        # Read back from a database anything may have written: never raw escapes.
        yield [iso(e.at), safe_text(e.charger, 200), safe_text(e.kind, 40), e.level,
               safe_text(e.text, 1000)]
