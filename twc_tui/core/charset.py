"""Whether our output must be pure ASCII: one decision for the monitor, ``status``,
``discover`` and the charts.

In the C or POSIX locale Python switches itself to UTF-8 (PEP 538 and 540), so a stream's
``encoding`` says "utf-8" to a terminal that cannot show it: asking the stream, as ``status``
and ``discover`` did, printed box drawing and ✓ under ``LANG=C``. UTF-8 mode that nobody asked
for means the locale was C or POSIX (or one not installed, which falls back to C).
"""

from __future__ import annotations

import locale
import os
import sys
from typing import TextIO


def ascii_output(stream: TextIO | None = None, forced: bool = False) -> bool:
    """True when ``stream`` (default stdout) should get ASCII only: ``forced`` (``--ascii``
    or the config), a C/POSIX locale, or a stream whose encoding is not UTF-8."""
    if forced:
        return True
    asked = os.environ.get("PYTHONUTF8") or "utf8" in getattr(sys, "_xoptions", {})
    if sys.flags.utf8_mode and not asked:
        return True
    out = sys.stdout if stream is None else stream
    encoding = getattr(out, "encoding", None) or locale.getpreferredencoding(False)
    return encoding.lower().replace("-", "").replace("_", "") not in ("utf8", "utf8sig")
