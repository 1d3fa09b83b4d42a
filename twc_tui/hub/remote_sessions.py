"""Sessions as the hub's ``/api/sessions`` sends them, back into :class:`Session` rows.

The hub sends the records of ``twc-tui sessions --json`` (times in ISO 8601, energy in kWh);
the Sessions screen wants the tracker's rows. Every field is checked: a record that does not
make sense is dropped, never shown half-read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from twc_tui.core.text import safe_text
from twc_tui.engine.session_tracker import Session

MAX_SESSIONS = 20_000
"""Years of plug-ins; a longer list is cut rather than held."""


def _time(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except (ValueError, OverflowError, OSError):
        return None


def _number(value: Any, default: float | None = 0.0) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value) if math.isfinite(value) and value >= 0 else default


def session_from_wire(record: Mapping[str, Any]) -> Session | None:
    """One record, or None when it has no charger or no start."""
    charger, started = record.get("charger"), _time(record.get("started"))
    if not isinstance(charger, str) or not charger or started is None:
        return None
    ended = _time(record.get("ended"))
    duration = _number(record.get("duration_s")) or 0.0
    complete = record.get("complete") is True
    alerts = record.get("alerts")
    codes = alerts.split() if isinstance(alerts, str) else (
        [a for a in alerts if isinstance(a, str | int)] if isinstance(alerts, list) else [])
    delta = _number(record.get("lifetime_delta_kwh"), None)
    reboots = record.get("reboots")
    return Session(
        charger=safe_text(charger, 60), started=started, ended=ended,
        last_seen=ended if ended is not None else started + duration,
        charging_s=_number(record.get("charging_s")) or 0.0,
        energy_wh=(_number(record.get("energy_kwh")) or 0.0) * 1000.0,
        peak_power_w=(_number(record.get("peak_kw")) or 0.0) * 1000.0,
        max_handle_c=_number(record.get("max_handle_c"), None),
        alerts={safe_text(str(a), 8) for a in codes[:50]},
        # The record says only whether the session was seen whole; one in progress was
        # seen from its plug-in unless the hub says otherwise.
        saw_start=record.get("saw_start", complete or ended is None) is True,
        saw_end=complete,
        reboots=reboots if isinstance(reboots, int) and reboots >= 0 else 0,
        lifetime_delta_wh=None if delta is None else delta * 1000.0,
    )


def sessions_from_wire(doc: Mapping[str, Any]) -> list[Session]:
    """The usable sessions of a ``{"sessions": [...]}`` answer."""
    records = doc.get("sessions")
    if not isinstance(records, list):
        return []
    out = [session_from_wire(r) for r in records[:MAX_SESSIONS] if isinstance(r, dict)]
    return [s for s in out if s is not None]
