"""Sums of sessions: energy, charging time and duration per day, ISO week or month (local
time, by start), and what energy cost at a flat price."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from twc_tui.engine.session_tracker import Session


@dataclass(frozen=True)
class Total:
    """Sessions summed over one day, ISO week or month (local time, by start)."""

    period: str
    """``2026-11-01``, ``2026-W44`` or ``2026-11``."""
    start: float
    """Local midnight at the period's start, wall-clock seconds."""
    sessions: int
    energy_wh: float
    charging_s: float
    duration_s: float


def period_of(at: float, period: str) -> tuple[str, float]:
    """The key and start of the day, week or month holding wall time ``at`` (local time)."""
    day = datetime.fromtimestamp(at).date()
    if period == "day":
        first, key = day, day.isoformat()
    elif period == "week":
        year, week, weekday = day.isocalendar()
        first, key = day - timedelta(days=weekday - 1), f"{year}-W{week:02d}"
    elif period == "month":
        first, key = day.replace(day=1), f"{day.year}-{day.month:02d}"
    else:
        raise ValueError(f"period must be day, week or month, not {period!r}")
    return key, datetime.combine(first, datetime.min.time()).timestamp()


def totals(sessions: Iterable[Session], period: str = "day") -> list[Total]:
    """Per-period sums, oldest first; periods without sessions are left out."""
    sums: dict[str, list[float]] = {}
    for s in sessions:
        key, start = period_of(s.started, period)
        acc = sums.setdefault(key, [start, 0, 0.0, 0.0, 0.0])
        acc[1] += 1
        acc[2] += s.energy_wh
        acc[3] += s.charging_s
        acc[4] += s.duration_s
    return [Total(k, v[0], int(v[1]), v[2], v[3], v[4]) for k, v in sorted(sums.items())]


def cost(energy_wh: float, price_per_kwh: float | None) -> float | None:
    """What ``energy_wh`` cost at a flat price, or None without one."""
    return None if price_per_kwh is None else energy_wh / 1000.0 * price_per_kwh
