"""What the hub logs of requests it cannot parse: one line, at most once a minute.

aiohttp logs every malformed request (a 6 KB URL, 80 headers, a non-HTTP probe) as "Error
handling request" with a full traceback, so any client on the network could fill the
journal of a home server at ten lines a request. The filter keeps the fact and its reason,
drops the traceback, and counts what it held back in between.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from aiohttp.http_exceptions import HttpProcessingError

from twc_tui.core.text import safe_text

AIOHTTP_LOGGER = "aiohttp.server"
EVERY_S = 60.0


class BadRequestFilter(logging.Filter):
    """A filter for aiohttp's server logger; other records pass as they are."""

    def __init__(self, every_s: float = EVERY_S,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.every_s = every_s
        self._monotonic = monotonic
        self._last = -float("inf")
        self.held_back = 0
        """Malformed requests not logged since the last line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError):
            return True
        now = self._monotonic()
        if now - self._last < self.every_s:
            self.held_back += 1
            return False
        reason = safe_text(getattr(error, "message", "") or type(error).__name__, 100)
        more = f" ({self.held_back} more since the last line)" if self.held_back else ""
        record.msg, record.args = "%s: answered 400: %s%s", (record.getMessage(), reason, more)
        record.exc_info, record.exc_text, record.levelno = None, None, logging.WARNING
        record.levelname = "WARNING"
        self._last, self.held_back = now, 0
        return True


def install() -> BadRequestFilter:
    """Put one filter on aiohttp's server logger (again after a restart, not twice)."""
    logger = logging.getLogger(AIOHTTP_LOGGER)
    for existing in logger.filters:
        if isinstance(existing, BadRequestFilter):
            return existing
    bad = BadRequestFilter()
    logger.addFilter(bad)
    return bad
