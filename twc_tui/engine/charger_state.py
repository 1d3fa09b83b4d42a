"""What the monitor knows about one charger, and the events it notices.

The UI owns one :class:`ChargerState` per charger and feeds it every poll event. The state keeps
the last good payloads (never blanked by a failure), a bounded history and a bounded event log;
widgets only read it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from twc_tui.core.models import Lifetime, Version, Vitals, WifiStatus
from twc_tui.core.text import safe_text
from twc_tui.core.units import duration as _duration
from twc_tui.core.units import kwh as _kwh
from twc_tui.engine.poller import PollEvent, PollFailure, PollSuccess
from twc_tui.engine.series import History

Level = Literal["info", "warning", "error"]
Health = Literal["waiting", "online", "error", "offline"]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the event log."""

    at: float
    """Wall-clock time."""
    charger: str
    kind: str
    """A stable key: connected, plug, unplug, charge_start, charge_stop, state, alert_raised,
    alert_cleared, reasons, reboot, error, offline, online, wifi_lost, wifi_restored,
    internet_lost, internet_restored, firmware."""
    text: str
    """Already sanitised; show it as plain text."""
    level: Level = "info"


class ChargerState:
    """Everything known about one charger."""

    def __init__(
        self,
        charger: str,
        name: str,
        phase_mode: str = "auto",
        log_size: int = 500,
        history: History | None = None,
    ) -> None:
        self.charger = charger
        """A stable id, e.g. "127.0.0.1:8080"."""
        self.name = name
        """What the user calls it; defaults to the host."""
        self.phase_mode_setting = phase_mode
        self.vitals: Vitals | None = None
        """The newest vitals as sent (a missing field is None)."""
        self.known_vitals: Vitals | None = None
        """Every vitals field at its last reported value: what changes are judged against."""
        self.lifetime: Lifetime | None = None
        self.wifi: WifiStatus | None = None
        self.version: Version | None = None
        self.raw: dict[str, Mapping[str, Any]] = {}
        """The last good JSON object per endpoint, as the device sent it (repaired)."""
        self.updated: dict[str, float] = {}
        """Wall-clock time of the last good answer per endpoint."""
        self.failures = 0
        self.offline = False
        self.offline_since: float | None = None
        self.last_error: str | None = None
        """The newest failure in words; cleared by the next good vitals."""
        self.endpoint_errors: dict[str, str] = {}
        self.history = history or History()
        self.log: deque[LogEntry] = deque(maxlen=log_size)
        self.revision = 0
        """Bumped on every change so views can skip redraws."""
        self.log_total = 0
        """How many entries were ever logged; tells a view which entries are new."""

    # -- derived -------------------------------------------------------------------------
    @property
    def health(self) -> Health:
        if self.offline:
            return "offline"
        if self.failures:
            return "error"
        return "online" if self.vitals is not None else "waiting"

    @property
    def phase_mode(self) -> str:
        if self.vitals is None:
            return self.phase_mode_setting if self.phase_mode_setting != "auto" else "?"
        return self.vitals.phase_mode(self.phase_mode_setting)

    @property
    def power_w(self) -> float | None:
        return None if self.vitals is None else self.vitals.power_w(self.phase_mode_setting)

    def age(self, now: float, endpoint: str = "vitals") -> float | None:
        """Seconds since the last good answer from ``endpoint``."""
        at = self.updated.get(endpoint)
        return None if at is None else max(0.0, now - at)

    # -- updates -------------------------------------------------------------------------
    def apply(self, event: PollEvent) -> list[LogEntry]:
        """Fold one poll event in; return the log entries it caused (also kept in ``log``)."""
        entries: list[LogEntry] = []

        def note(kind: str, text: str, level: Level = "info") -> None:
            entries.append(LogEntry(event.at, self.charger, kind, text, level))

        if isinstance(event, PollSuccess):
            self._success(event, note)
        else:
            self._failure(event, note)
        self.add_log(entries)
        return entries

    def add_log(self, entries: list[LogEntry]) -> None:
        """Keep entries in the (bounded) event log, as a poll's own are kept."""
        self.log.extend(entries)
        self.log_total += len(entries)
        self.revision += 1

    def _success(self, event: PollSuccess, note) -> None:  # type: ignore[no-untyped-def]
        last_good = self.updated.get(event.endpoint)
        self.updated[event.endpoint] = event.at
        if event.raw is not None:
            self.raw[event.endpoint] = event.raw
        self.endpoint_errors.pop(event.endpoint, None)
        payload = event.payload
        if isinstance(payload, Vitals):
            if self.offline or self.failures:
                if self.offline:
                    # The outage is what the user lived through: from the last good answer,
                    # not from the third failure (which came a minute later with timeouts).
                    start = last_good if last_good is not None else self.offline_since
                    since = "" if start is None else (
                        f" after {_duration(event.at - start)} offline"
                    )
                    note("online", f"Back online{since}")
                self.failures = 0
                self.offline = False
                self.offline_since = None
                self.last_error = None
            known = payload.filled_from(self.known_vitals)
            self._vitals_events(self.known_vitals, known, note)
            self.known_vitals = known
            self.vitals = payload
            self._record(event.at, payload)
        elif isinstance(payload, WifiStatus):
            old = self.wifi
            if old is not None:
                _edge(note, old.wifi_connected, payload.wifi_connected, "wifi", "WiFi")
                _edge(note, old.internet, payload.internet, "internet", "Internet")
            self.wifi = payload
        elif isinstance(payload, Version):
            old_fw = None if self.version is None else self.version.firmware_version
            if old_fw is not None and payload.firmware_version != old_fw:
                note(
                    "firmware",
                    f"Firmware changed: {safe_text(old_fw, 40)} → "
                    f"{safe_text(payload.firmware_version, 40)}",
                    "warning",
                )
            self.version = payload
        elif isinstance(payload, Lifetime):
            self.lifetime = payload

    def _failure(self, event: PollFailure, note) -> None:  # type: ignore[no-untyped-def]
        reason = safe_text(str(event.error), 160)
        self.endpoint_errors[event.endpoint] = reason
        if event.endpoint != "vitals":
            return
        first = self.failures == 0
        self.failures = event.failures
        self.last_error = reason
        self.history.add_gap(event.at)
        if event.offline and not self.offline:
            self.offline = True
            self.offline_since = event.at
            note("offline", f"Offline: {reason}", "error")
        elif first:
            note("error", f"Poll failed: {reason}", "warning")

    def _record(self, at: float, v: Vitals) -> None:
        power = v.power_w(self.phase_mode_setting)
        self.history.add(
            at,
            {
                "power_kw": None if power is None else power / 1000.0,
                "vehicle_a": v.vehicle_current_a,
                "phase_a": v.currentA_a,
                "phase_b": v.currentB_a,
                "phase_c": v.currentC_a,
                "handle_c": v.handle_temp_c,
                "pcba_c": v.pcba_temp_c,
                "mcu_c": v.mcu_temp_c,
                "grid_v": v.grid_v,
                "grid_hz": v.grid_hz,
            },
        )

    def _vitals_events(self, old: Vitals | None, new: Vitals, note) -> None:  # type: ignore[no-untyped-def]
        if old is None:
            s = new.state
            note("connected", f"First answer: {s.label}{'' if s.verified else '?'} "
                              f"(state {new.evse_state})")
            return
        if not old.plugged and new.plugged:
            note("plug", "Vehicle plugged in")
        elif old.plugged and not new.plugged:
            note("unplug", f"Vehicle unplugged, session {_kwh(new.session_energy_wh)}")
        if not old.charging and new.charging:
            note("charge_start", "Charging started")
        elif old.charging and not new.charging:
            note("charge_stop", f"Charging stopped at {_kwh(new.session_energy_wh)}")
        if old.evse_state != new.evse_state:
            s = new.state
            mark = "" if s.verified else "?"
            note("state", f"State {old.evse_state} → {new.evse_state} ({s.label}{mark})")
        old_alerts = set(old.current_alerts or ())
        new_alerts = set(new.current_alerts or ())
        for alert in new.alerts:
            if alert.code not in old_alerts:
                note("alert_raised", f"Alert raised: {safe_text(alert.text, 60)}", "warning")
        for alert in old.alerts:
            if alert.code not in new_alerts:
                note("alert_cleared", f"Alert cleared: {safe_text(alert.text, 60)}")
        if old.evse_not_ready_reasons != new.evse_not_ready_reasons:
            reasons = ",".join(safe_text(r, 8) for r in new.evse_not_ready_reasons or ())
            note("reasons", f"Not-ready reasons now [{reasons}]")
        if (
            old.uptime_s is not None
            and new.uptime_s is not None
            and new.uptime_s < old.uptime_s
        ):
            note("reboot", f"Charger rebooted (uptime was {_duration(old.uptime_s)})", "warning")


def _edge(note, old: bool | None, new: bool | None, kind: str, label: str) -> None:  # type: ignore[no-untyped-def]
    if old is True and new is False:
        note(f"{kind}_lost", f"{label} lost", "warning")
    elif old is False and new is True:
        note(f"{kind}_restored", f"{label} restored")

