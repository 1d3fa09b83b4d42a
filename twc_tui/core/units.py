"""Fixed-width formatting of the quantities we show.

Widths are stable for a given quantity, so the UI can update values without a relayout
(``Static.update(..., layout=False)``). Missing values render as an em dash.
"""

from __future__ import annotations

import math
import time

MISSING = "—"
MAX_DAYS = 9999


def _ok(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def num(value: float | None, fmt: str = ".1f", unit: str = "") -> str:
    """A number with a unit, or the missing mark."""
    if not _ok(value):
        return MISSING
    return f"{value:{fmt}}{(' ' + unit) if unit else ''}"


def kw(watts: float | None) -> str:
    return num(None if watts is None else watts / 1000.0, ".2f", "kW")


def kwh(wh: float | None) -> str:
    return num(None if wh is None else wh / 1000.0, ".2f", "kWh")


def energy(wh: float | None) -> str:
    """Lifetime energy: kWh below 10 MWh, MWh above."""
    if not _ok(wh):
        return MISSING
    assert wh is not None
    return f"{wh / 1e6:.2f} MWh" if wh >= 1e7 else f"{wh / 1000:.1f} kWh"


def amps(a: float | None) -> str:
    return num(a, ".1f", "A")


def volts(v: float | None) -> str:
    return num(v, ".1f", "V")


def hertz(hz: float | None) -> str:
    return num(hz, ".3f", "Hz")


def celsius(c: float | None) -> str:
    return num(c, ".1f", "°C")


def duration(seconds: float | None) -> str:
    """Compact: 45s, 3m 07s, 2h 05m, 4d 7h."""
    if not _ok(seconds):
        return MISSING
    assert seconds is not None
    seconds = int(max(0, seconds))
    if seconds >= MAX_DAYS * 86400:
        # A confused charger's count of centuries must not push the title off the screen.
        return f">{MAX_DAYS}d"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def age(seconds: float | None) -> str:
    """How old a reading is: "now", "12s ago", "3m 10s ago"."""
    if seconds is None:
        return "never"
    if seconds < 1.5:
        return "now"
    return f"{duration(seconds)} ago"


def clock(at: float | None, with_seconds: bool = True) -> str:
    """Local wall-clock time, HH:MM[:SS]."""
    if at is None:
        return MISSING
    return time.strftime("%H:%M:%S" if with_seconds else "%H:%M", time.localtime(at))
