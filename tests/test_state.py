"""Charger state: last good data kept, events noticed, failures told in words."""

from __future__ import annotations

from typing import Any

from twc_tui.core.client import ReadTimeout
from twc_tui.core.models import Version, Vitals, WifiStatus
from twc_tui.engine.charger_state import ChargerState
from twc_tui.engine.poller import PollFailure, PollSuccess

BASE: dict[str, Any] = {
    "vehicle_connected": False, "contactor_closed": False, "vehicle_current_a": 0.3,
    "grid_v": 240.0, "grid_hz": 60.0, "evse_state": 1, "uptime_s": 1000,
    "current_alerts": [], "session_energy_wh": 0.0, "handle_temp_c": 30.0,
}  # fmt: skip


def vitals(at: float, **changes: Any) -> PollSuccess:
    return PollSuccess("c1", "vitals", Vitals.from_json({**BASE, **changes}), at, 0.01)


def fail(at: float, n: int) -> PollFailure:
    error = ReadTimeout("timed out after 15 s waiting for /api/1/vitals", endpoint="vitals")
    return PollFailure("c1", "vitals", error, at, n, n >= 3, 5.0)


def kinds(state: ChargerState) -> list[str]:
    return [e.kind for e in state.log]


def test_a_charging_session_is_told_as_events() -> None:
    s = ChargerState("c1", "Garage")
    s.apply(vitals(0))
    s.apply(vitals(1, vehicle_connected=True, evse_state=7))
    s.apply(vitals(2, vehicle_connected=True, evse_state=11, contactor_closed=True,
                   vehicle_current_a=32.0))
    s.apply(vitals(3, vehicle_connected=True, evse_state=11, contactor_closed=True,
                   vehicle_current_a=16.0, current_alerts=[40]))
    s.apply(vitals(4, vehicle_connected=True, evse_state=9, current_alerts=[],
                   session_energy_wh=12345.0))
    s.apply(vitals(5, session_energy_wh=12345.0))
    assert kinds(s) == [
        "connected", "plug", "state", "charge_start", "state", "alert_raised", "charge_stop",
        "state", "alert_cleared", "unplug", "state",
    ]  # fmt: skip
    assert "12.35 kWh" in s.log[-2].text
    assert "High handle temperature" in s.log[5].text
    assert s.power_w == 0.0


def test_reboot_wifi_internet_and_firmware() -> None:
    s = ChargerState("c1", "Garage")
    s.apply(vitals(0, uptime_s=5000))
    s.apply(vitals(1, uptime_s=20))
    wifi = {"wifi_connected": True, "internet": True}
    s.apply(PollSuccess("c1", "wifi_status", WifiStatus.from_json(wifi), 2, 0.0))
    s.apply(PollSuccess("c1", "wifi_status",
                        WifiStatus.from_json({**wifi, "internet": False}), 3, 0.0))
    s.apply(PollSuccess("c1", "version", Version.from_json({"firmware_version": "25.1"}), 4, 0))
    s.apply(PollSuccess("c1", "version",
                        Version.from_json({"firmware_version": "26.1\x1b[2J"}), 5, 0))
    assert kinds(s) == ["connected", "reboot", "internet_lost", "firmware"]
    assert "\x1b" not in s.log[-1].text


def test_failures_keep_last_data_then_go_offline_and_recover() -> None:
    s = ChargerState("c1", "Garage")
    s.apply(vitals(100, vehicle_connected=True, evse_state=9))
    s.apply(fail(101, 1))
    assert s.health == "error" and s.vitals is not None
    assert "timed out after 15 s" in (s.last_error or "")
    s.apply(fail(102, 2))
    s.apply(fail(103, 3))
    assert s.health == "offline" and s.offline_since == 103
    assert s.vitals is not None and s.vitals.plugged  # last good data is kept
    assert s.age(160) == 60
    s.apply(vitals(700, vehicle_connected=True, evse_state=9))
    assert s.health == "online" and s.last_error is None
    assert kinds(s) == ["connected", "error", "offline", "online"]
    # From the last good answer (100), not from the third failure (103): what went unseen.
    assert "after 10m 00s offline" in s.log[-1].text


def test_log_is_bounded() -> None:
    s = ChargerState("c1", "Garage", log_size=10)
    for i in range(100):
        s.apply(vitals(i, evse_state=1 if i % 2 else 4))
    assert len(s.log) == 10 and s.log_total == 100  # the first answer, then 99 changes
