"""What crosses the wire between the hub and its clients, in both directions, in one place.

The hub serves poll outcomes as the device's own JSON plus the outcome's metadata, and a client
rebuilds the same :class:`PollEvent` from it with the same parser. Every derived value (power,
states, sessions, the event log) is then computed by the same functions on both sides, so a
monitor attached to a hub cannot drift from one that polls. Nothing here trusts its input: a
client parses a hub's JSON as tolerantly as a charger's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from twc_tui.core import client as charger_client
from twc_tui.core.alert_config import SEVERITIES
from twc_tui.core.client import ENDPOINTS, ChargerError
from twc_tui.core.models import parse
from twc_tui.core.text import safe_text
from twc_tui.engine.alert_rules import Notification
from twc_tui.engine.charger_state import ChargerState, LogEntry
from twc_tui.engine.poller import PollEvent, PollFailure, PollSuccess
from twc_tui.engine.series import METRICS, History

RANGES_S = {"5m": 300.0, "1h": 3600.0, "24h": 86400.0}
"""The chart ranges the hub serves history for."""

_ERRORS: dict[str, type[ChargerError]] = {
    cls.__name__: cls
    for cls in (ChargerError, charger_client.Unreachable, charger_client.ConnectTimeout,
                charger_client.ReadTimeout, charger_client.HttpStatus,
                charger_client.DecodeError)
}


def _num(value: Any, default: float | None = None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    value = float(value)
    return value if math.isfinite(value) else default


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# -- poll outcomes -------------------------------------------------------------------------
def event_to_wire(event: PollEvent) -> dict[str, Any]:
    """A poll outcome as JSON: the device's document for a success, the reason for a failure."""
    if isinstance(event, PollSuccess):
        return {"type": "poll", "charger": event.charger, "endpoint": event.endpoint,
                "ok": True, "at": event.at, "latency_s": _finite(event.latency_s),
                "raw": dict(event.raw) if event.raw is not None else {}}
    return {"type": "poll", "charger": event.charger, "endpoint": event.endpoint, "ok": False,
            "at": event.at, "error": str(event.error),
            "error_type": type(event.error).__name__, "failures": event.failures,
            "offline": event.offline, "retry_in_s": _finite(event.retry_in_s)}


def event_from_wire(data: Mapping[str, Any]) -> PollEvent | None:
    """The poll outcome a hub sent, or None when it is not one we can use."""
    charger, endpoint = data.get("charger"), data.get("endpoint")
    at = _num(data.get("at"))
    if not isinstance(charger, str) or endpoint not in ENDPOINTS or at is None:
        return None
    if data.get("ok") is True:
        raw = data.get("raw")
        if not isinstance(raw, dict):
            return None
        return PollSuccess(charger, endpoint, parse(endpoint, raw), at,
                           _num(data.get("latency_s"), 0.0) or 0.0, raw)
    cls = _ERRORS.get(str(data.get("error_type")), ChargerError)
    message = str(data.get("error") or "failed (no reason given by the hub)")
    error = cls(message, endpoint=endpoint) if cls is not charger_client.HttpStatus else (
        charger_client.HttpStatus(message, endpoint=endpoint))
    failures = data.get("failures")
    return PollFailure(charger, endpoint, error, at,
                       failures if isinstance(failures, int) and failures >= 0 else 1,
                       data.get("offline") is True, _num(data.get("retry_in_s"), 1.0) or 1.0)


def entry_to_wire(entry: LogEntry) -> dict[str, Any]:
    return {"type": "event", "charger": entry.charger, "at": entry.at, "kind": entry.kind,
            "text": entry.text, "level": entry.level}


def entry_from_wire(data: Mapping[str, Any]) -> LogEntry | None:
    at = _num(data.get("at"))
    charger, kind, text = data.get("charger"), data.get("kind"), data.get("text")
    level = data.get("level") if data.get("level") in ("info", "warning", "error") else "info"
    if at is None or not all(isinstance(x, str) for x in (charger, kind, text)):
        return None
    return LogEntry(at, charger, safe_text(kind, 40), safe_text(text, 400), level)  # type: ignore[arg-type]


# -- an alert -------------------------------------------------------------------------------
def notification_to_wire(n: Notification, charger: str) -> dict[str, Any]:
    """An alert the hub sent its sinks, for the monitors attached to it (``event: alert``)."""
    return {"type": "alert", "charger": charger, "rule": n.rule, "severity": n.severity,
            "name": n.name, "kind": n.kind, "text": n.text, "at": n.time,
            "resolved": n.resolved}


def notification_from_wire(data: Mapping[str, Any]) -> Notification | None:
    at = _num(data.get("at"))
    fields = [data.get(k) for k in ("charger", "rule", "name", "kind", "text")]
    if at is None or not all(isinstance(x, str) for x in fields):
        return None
    charger, rule, name, kind, text = fields
    severity = data.get("severity") if data.get("severity") in SEVERITIES else "info"
    return Notification(safe_text(rule, 60), str(severity), str(charger), safe_text(name, 80),
                        safe_text(kind, 40), safe_text(text, 300), at,
                        resolved=data.get("resolved") is True)


# -- a charger's state ----------------------------------------------------------------------
def state_to_wire(state: ChargerState, now: float, host: str = "",
                  log_tail: int = 0) -> dict[str, Any]:
    """One charger for ``/api/chargers``: a summary for tools, and (with ``raw``, ``updated``
    and the log tail) everything a client needs to rebuild the state."""
    vitals = state.vitals
    code = vitals.state if vitals is not None else None
    doc: dict[str, Any] = {
        "id": state.charger, "name": state.name, "host": host,
        "online": state.health in ("online", "error"), "health": state.health,
        "age_s": _finite(state.age(now)),
        "state": None if code is None else {"code": code.code, "label": code.label,
                                            "verified": code.verified},
        "power_w": _finite(state.power_w),
        "phase_mode": state.phase_mode,
        "phase_mode_setting": state.phase_mode_setting,
        "vehicle_connected": None if vitals is None else vitals.plugged,
        "charging": None if vitals is None else vitals.charging,
        "failures": state.failures, "offline": state.offline,
        "offline_since": state.offline_since, "last_error": state.last_error,
        "endpoint_errors": dict(state.endpoint_errors),
        "updated": dict(state.updated), "raw": {k: dict(v) for k, v in state.raw.items()},
    }
    if log_tail:
        doc["log"] = [entry_to_wire(e) for e in list(state.log)[-log_tail:]]
    return doc


def state_from_wire(data: Mapping[str, Any], state: ChargerState) -> None:
    """Fill a fresh ``state`` from a hub's ``state_to_wire`` document."""
    raw = data.get("raw") if isinstance(data.get("raw"), dict) else {}
    updated = data.get("updated") if isinstance(data.get("updated"), dict) else {}
    for endpoint in ENDPOINTS:
        payload = raw.get(endpoint)
        at = _num(updated.get(endpoint))
        if isinstance(payload, dict) and at is not None:
            parsed = parse(endpoint, payload)
            setattr(state, {"vitals": "vitals", "lifetime": "lifetime",
                            "wifi_status": "wifi", "version": "version"}[endpoint], parsed)
            state.raw[endpoint] = payload
            state.updated[endpoint] = at
            if endpoint == "vitals":  # what the next reading's changes are judged against
                state.known_vitals = parsed  # type: ignore[assignment]
    failures = data.get("failures")
    state.failures = failures if isinstance(failures, int) and failures >= 0 else 0
    state.offline = data.get("offline") is True
    state.offline_since = _num(data.get("offline_since"))
    error = data.get("last_error")
    if isinstance(error, str):
        state.last_error = safe_text(error, 160)
    errors = data.get("endpoint_errors") if isinstance(data.get("endpoint_errors"), dict) else {}
    state.endpoint_errors = {e: safe_text(m, 160) for e, m in errors.items()
                             if e in ENDPOINTS and isinstance(m, str)}
    log = data.get("log") if isinstance(data.get("log"), list) else []
    entries = [e for e in (entry_from_wire(x) for x in log if isinstance(x, dict)) if e]
    state.log.extend(entries)
    state.log_total += len(entries)
    state.revision += 1


# -- chart history ----------------------------------------------------------------------------
def history_to_wire(history: History, range_name: str, now: float) -> dict[str, Any]:
    """The stored rows behind one chart range (NaN, a gap, as null)."""
    span = RANGES_S[range_name]
    ring = history._ring_for(now - span)
    times: list[float] = []
    values: dict[str, list[float | None]] = {m: [] for m in METRICS}
    for col, metric in enumerate(METRICS):
        for t, value in ring.column(col, now - span):
            if col == 0:
                times.append(t)
            values[metric].append(None if math.isnan(value) else value)
    return {"range": range_name, "metrics": list(METRICS), "t": times, "values": values}


def history_from_wire(data: Mapping[str, Any], history: History, until: float | None = None,
                      since: float | None = None) -> int:
    """Add a hub's rows to ``history`` (those before ``until`` and after ``since``, when
    given); returns how many. A row whose values are all null is a gap."""
    times = data.get("t") if isinstance(data.get("t"), list) else []
    values = data.get("values") if isinstance(data.get("values"), dict) else {}
    columns = {m: values.get(m) for m in METRICS if isinstance(values.get(m), list)}
    added = 0
    for i, t in enumerate(times):
        t = _num(t)
        if t is None or (until is not None and t >= until) or (
                since is not None and t <= since):
            continue
        row = {m: _num(col[i]) if i < len(col) else None for m, col in columns.items()}
        if all(v is None for v in row.values()):
            history.add_gap(t)
        else:
            history.add(t, row)
        added += 1
    return added
