"""Charging sessions as records: the rows of ``twc-tui sessions --json``/``--csv`` and of the
hub's ``/api/sessions``, made by one function so the two can never disagree."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from twc_tui.engine.session_totals import cost
from twc_tui.engine.session_tracker import Session
from twc_tui.engine.store import Store
from twc_tui.engine.tariff import Tariff, session_cost

FIELDS = ("charger", "started", "ended", "duration_s", "charging_s", "energy_kwh", "peak_kw",
          "max_handle_c", "alerts", "complete", "reboots", "lifetime_delta_kwh", "cost", "notes")
"""CSV columns and JSON keys. ``complete`` is false when the monitor saw only part of it;
``notes`` says it in words, as the Sessions screen does."""


def iso(at: float | None) -> str:
    """Local time with its offset, to the second; empty for None."""
    if at is None:
        return ""
    return datetime.fromtimestamp(at).astimezone().isoformat(timespec="seconds")


def session_record(s: Session, name: str, price: float | None,
                   priced: float | None = None) -> dict[str, Any]:
    """``priced``: the cost on a time-of-use tariff, when known (else at the flat price)."""
    def r(value: float | None, digits: int) -> float | None:
        return None if value is None or not math.isfinite(value) else round(value, digits)

    return {
        "charger": name, "started": iso(s.started), "ended": iso(s.ended),
        "duration_s": round(s.duration_s), "charging_s": round(s.charging_s),
        "energy_kwh": r(s.energy_wh / 1000, 3), "peak_kw": r(s.peak_power_w / 1000, 2),
        "max_handle_c": r(s.max_handle_c, 1), "alerts": " ".join(sorted(s.alerts)),
        "complete": s.complete, "reboots": s.reboots,
        "lifetime_delta_kwh": None if s.lifetime_delta_wh is None
        else r(s.lifetime_delta_wh / 1000, 3),
        "cost": r(cost(s.energy_wh, price) if priced is None else priced, 2),
        "notes": ", ".join(s.notes),
    }


def session_records(store: Store, names: Mapping[str, str], price: float | Tariff | None,
                    since: float | None = None) -> list[dict[str, Any]]:
    """Every session since ``since`` as a record. ``names`` (charger id to name, from the
    config) wins over the names the database remembers. Raises ``StoreError``."""
    rows = store.sessions(since)
    known = {**store.names(), **names}
    tariff = Tariff(fallback=price) if isinstance(price, int | float) else price
    return [session_record(s, known.get(s.charger, s.charger), None,
                           session_cost(store, s, tariff)) for s in rows]
