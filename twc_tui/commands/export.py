"""``twc-tui export samples|events --csv [--since DATE]``: the rest of the history as CSV."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from typing import TextIO

from twc_tui.commands.sessions import common_args, iso, open_for_reading
from twc_tui.core.text import safe_text
from twc_tui.engine.store import StoreError
from twc_tui.engine.store_schema import SAMPLE_METRICS

EXIT_USAGE = 2

SAMPLE_FIELDS = ["time", "charger", "readings"] + [
    f"{metric}_{stat}" for metric in SAMPLE_METRICS for stat in ("min", "mean", "max")
]
"""One row per charger per 10 s: ``readings`` is 0 where the charger did not answer."""

EVENT_FIELDS = ["time", "charger", "kind", "level", "text"]


def main(argv: Sequence[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="twc-tui export",
                                     description="Export recorded samples or events as CSV.")
    parser.add_argument("what", choices=("samples", "events"),
                        help="samples: 10-second min/mean/max rows; events: the event log")
    parser.add_argument("--csv", action="store_true", help="CSV with a header row (the default "
                        "and only format)")
    common_args(parser)
    args = parser.parse_args(list(argv))
    store, _, since, code = open_for_reading("twc-tui export", args)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SAMPLE_FIELDS if args.what == "samples" else EVENT_FIELDS)
    if store is None:
        return code
    try:
        if args.what == "samples":
            for s in store.iter_samples(since):
                row: list[object] = [iso(s.t), s.charger, s.n]
                for metric in SAMPLE_METRICS:
                    row += list(s.stats.get(metric, ("", "", "")))
                writer.writerow(row)
        else:
            for e in store.load_events(None, limit=-1, since=since):
                # Read back from a database anything may have written: never raw escapes.
                writer.writerow([iso(e.at), safe_text(e.charger, 200), safe_text(e.kind, 40),
                                 e.level, safe_text(e.text, 1000)])
    except StoreError as error:
        print(f"twc-tui export: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        store.close()
    return 0
