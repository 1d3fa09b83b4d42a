"""Alert rules as a pure, clock-driven state machine: what fires, what resolves, and when.

Each rule kind turns one charger's :class:`Observation` into either *events* (charging
finished, a reboot: they fire and are done) or *conditions* (offline, a hot handle: they fire
once they have held for ``for``, and send "resolved" when they clear). ``cooldown`` keeps a
rule from firing again within it of its last firing. Nothing here reads a clock or does I/O:
the caller passes the time, so a test can walk through a day in microseconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from twc_tui.core.alert_config import CONDITION_KINDS, AlertRule
from twc_tui.core.text import safe_text
from twc_tui.core.units import duration

HYSTERESIS_C = 2.0
"""A hot-handle condition clears this far below its threshold, so noise cannot flap it."""


@dataclass(frozen=True)
class Notification:
    """One message to the sinks: a rule fired, or resolved."""

    rule: str
    severity: str
    charger: str
    """The charger's id, ``host:port``."""
    name: str
    """What the user calls it (sanitised)."""
    kind: str
    text: str
    """Sanitised, one line."""
    time: float
    resolved: bool = False
    values: Mapping[str, Any] = field(default_factory=dict)
    sinks: tuple[str, ...] | None = None
    """The rule's ``notify`` list; None = every sink."""
    test: bool = False

    def document(self) -> dict[str, Any]:
        """The webhook body, the command's stdin and its TWC_* variables: exactly these."""
        return {"rule": self.rule, "severity": self.severity, "charger": self.charger,
                "name": self.name, "kind": self.kind, "text": self.text,
                "time": datetime.fromtimestamp(self.time).astimezone().isoformat(
                    timespec="seconds"),
                "resolved": self.resolved, "values": dict(self.values)}

    @property
    def title(self) -> str:
        return f"{'Resolved: ' if self.resolved else ''}{self.name}: {self.rule}"


@dataclass(frozen=True)
class Observation:
    """What a charger looks like at one moment, as the rules need it."""

    at: float
    events: Mapping[str, str] = field(default_factory=dict)
    """Event kind to its text, for events that happened just now."""
    offline: bool | None = None
    offline_since: float | None = None
    alerts: Mapping[str, str] | None = None
    """Active alert code to its text; None = unknown (no fresh vitals)."""
    handle_c: float | None = None
    grid_v: float | None = None
    grid_hz: float | None = None
    derate_minutes: int | None = None
    """Minutes to the predicted thermal derate; None = none predicted."""
    charging: bool | None = None


@dataclass
class Track:
    """One rule's state on one charger (per alert code for the ``alert`` kind)."""

    since: float | None = None
    firing: bool = False
    last_fired: float = -math.inf
    values: dict[str, Any] = field(default_factory=dict)
    text: str = ""


def nominal_v(params: Mapping[str, Any], grid_hz: float | None) -> float | None:
    """The rule's nominal voltage, or 240 V on 60 Hz grids and 230 V on 50 Hz ones."""
    if "nominal_v" in params:
        return float(params["nominal_v"])
    if grid_hz is None:
        return None
    return 240.0 if grid_hz > 55 else 230.0


def _conditions(rule: AlertRule, o: Observation,
                ) -> Iterable[tuple[str, bool | None, str, dict[str, Any], float | None]]:
    """(key, holding, text, values, since) per instance of a condition; holding None =
    unknown, keep the state."""
    p = rule.params
    if rule.kind == "offline":
        yield "", o.offline, "offline", {}, o.offline_since
        return
    if o.offline:
        return  # stale readings neither raise nor clear anything
    if rule.kind == "alert":
        if o.alerts is None:
            return
        codes = p.get("codes")
        for code, text in o.alerts.items():
            if codes is None or code in codes:
                yield code, True, text, {"code": code}, None
        return
    if rule.kind == "handle_temp":
        limit = float(p["above_c"])
        t = o.handle_c
        if t is None:
            yield "", None, "", {}, None
            return
        yield "", True if t >= limit else (False if t < limit - HYSTERESIS_C else None), (
            f"Handle at {t:.1f} °C (limit {limit:g} °C)"), {"handle_c": t, "limit_c": limit}, None
        return
    if rule.kind == "grid_voltage":
        nominal, v = nominal_v(p, o.grid_hz), o.grid_v
        if nominal is None or v is None:
            yield "", None, "", {}, None
            return
        off = abs(v - nominal) / nominal * 100
        yield "", off > float(p["tolerance_pct"]), (
            f"Grid at {v:.1f} V, {off:.0f} % off {nominal:g} V"), {
            "grid_v": v, "nominal_v": nominal}, None


class RuleBook:
    """Every rule's state for every charger; ``step`` is the whole machine."""

    def __init__(self, rules: Iterable[AlertRule]) -> None:
        self.rules = [r for r in rules if r.enabled]
        self.tracks: dict[tuple[str, str, str], Track] = {}
        self._listed: dict[tuple[str, str], dict[str, None]] = {}
        """The codes each charger listed when last known, per alert rule: the candidates
        for clearing (found by scanning every track of every charger, that was a tenth of a
        300-charger hub's CPU)."""

    def applies(self, rule: AlertRule, charger: str, name: str) -> bool:
        if rule.chargers is None:
            return True
        host = charger.rsplit(":", 1)[0]
        return any(c in (charger, name, host) for c in rule.chargers)

    def step(self, charger: str, name: str, o: Observation) -> list[Notification]:
        """Fold one observation in; return what to send."""
        out: list[Notification] = []
        for rule in self.rules:
            if not self.applies(rule, charger, name):
                continue
            if rule.kind in CONDITION_KINDS:
                out += self._condition(rule, charger, name, o)
            else:
                out += self._event(rule, charger, name, o)
        return out

    def _notify(self, rule: AlertRule, charger: str, name: str, at: float, text: str,
                values: Mapping[str, Any], resolved: bool = False) -> Notification:
        return Notification(rule.name, rule.severity, charger, safe_text(name, 60), rule.kind,
                            safe_text(text, 300), at, resolved, dict(values), rule.notify)

    def _event(self, rule: AlertRule, charger: str, name: str, o: Observation,
               ) -> list[Notification]:
        text = o.events.get(rule.kind)
        if rule.kind == "derate_predicted":
            text = self._derate(rule, charger, o)
        if text is None:
            return []
        track = self.tracks.setdefault((rule.name, charger, ""), Track())
        if o.at - track.last_fired < rule.cooldown_s:
            return []
        track.last_fired = o.at
        values = {"minutes": o.derate_minutes} if rule.kind == "derate_predicted" else {}
        return [self._notify(rule, charger, name, o.at, text, values)]

    def _derate(self, rule: AlertRule, charger: str, o: Observation) -> str | None:
        """Once per charge: the latch resets when no derate is predicted any more."""
        track = self.tracks.setdefault((rule.name, charger, "latch"), Track())
        minutes = o.derate_minutes
        if minutes is None or minutes * 60 > float(rule.params.get("within_s", 1800.0)):
            if o.charging is False:
                track.firing = False
            return None
        if track.firing:
            return None
        track.firing = True
        return f"Thermal derate predicted in about {minutes} min at the present current"

    def _condition(self, rule: AlertRule, charger: str, name: str, o: Observation,
                   ) -> list[Notification]:
        out: list[Notification] = []
        seen: dict[str, None] = {}  # in the charger's order: a set's would vary by run
        for key, holding, text, values, since in _conditions(rule, o):
            seen[key] = None
            out += self._hold(rule, charger, name, key, holding, text, values, since, o.at)
        if rule.kind == "alert" and o.alerts is not None and not o.offline:
            # A code that is no longer listed has cleared.
            listed = self._listed.get((rule.name, charger), {})
            self._listed[(rule.name, charger)] = seen
            gone = [k for k in listed if k not in seen
                    and ((t := self.tracks[(rule.name, charger, k)]).firing
                         or t.since is not None)]
            for key in gone:
                out += self._hold(rule, charger, name, key, False, "", {}, None, o.at)
        return out

    def _hold(self, rule: AlertRule, charger: str, name: str, key: str, holding: bool | None,
              text: str, values: dict[str, Any], since: float | None, at: float,
              ) -> list[Notification]:
        track = self.tracks.setdefault((rule.name, charger, key), Track())
        if holding is None:
            return []
        if not holding:
            was_firing, began = track.firing, track.since
            track.since, track.firing = None, False
            if not was_firing:
                return []
            lasted = "" if began is None else f" after {duration(at - began)}"
            return [self._notify(rule, charger, name, at,
                                 _resolved(rule, text or track.text, lasted),
                                 values or track.values, resolved=True)]
        if track.since is None:
            track.since = since if since is not None else at
        track.text, track.values = text, values
        if track.firing or at - track.since < rule.for_s:
            return []
        if at - track.last_fired < rule.cooldown_s:
            return []
        track.firing, track.last_fired = True, at
        shown = text
        if rule.kind == "offline":
            shown = f"Offline for {duration(at - track.since)}"
        elif rule.kind == "alert":
            shown = f"Alert {safe_text(key, 20)}: {text}"
        return [self._notify(rule, charger, name, at, shown, values)]

    def standing(self, rule: AlertRule) -> tuple[list[str], list[str]]:
        """The chargers (engine ids) on which ``rule`` fires now, and those where its
        condition holds but has not lasted its ``for`` yet: what ``alerts list`` shows."""
        firing = {c for (r, c, _), t in self.tracks.items() if r == rule.name and t.firing}
        pending = {c for (r, c, _), t in self.tracks.items()
                   if r == rule.name and t.since is not None and not t.firing} - firing
        return sorted(firing), sorted(pending)


def _resolved(rule: AlertRule, text: str, lasted: str) -> str:
    if rule.kind == "offline":
        return f"Back online{lasted}"
    if rule.kind == "alert":
        return f"Alert cleared: {text}{lasted}"
    return f"Back to normal{lasted}" + (f" ({text})" if text else "")
