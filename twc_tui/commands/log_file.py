"""``--log FILE``: where handled failures leave their trace, for every long-running command.

The monitor owns the terminal, so a warning printed to stderr would be swallowed by Textual
(or garble the screen); without ``--log`` those records go nowhere. With it, the monitor,
``record`` and ``serve`` append the same lines to FILE.

A record may quote a charger (an error excerpt, a firmware string), and a log is read with
``cat``/``less`` on a terminal, so every line goes through the one sanitising path.
"""

from __future__ import annotations

import logging
from pathlib import Path

from twc_tui.core.text import safe_text

HELP = "append warnings and handled failures (with their tracebacks) to FILE"
_LINE_MAX = 2000
"""One logged line at most this long: a 400 KB hostile body quoted in an error stays a line."""


class SafeFormatter(logging.Formatter):
    """Format as usual, then sanitise each line (a traceback keeps its line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return "\n".join(safe_text(line, _LINE_MAX) for line in text.split("\n"))


def start_log(path: str) -> str | None:
    """Send the ``twc_tui`` loggers' INFO and above to ``path``; the problem if it cannot be
    opened (for the caller's one line and exit code 2), else None."""
    try:
        handler = logging.FileHandler(Path(path).expanduser(), encoding="utf-8")
    except OSError as error:
        return f"--log: {error.strerror or error}: {path}"
    handler.setFormatter(SafeFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger("twc_tui")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return None
