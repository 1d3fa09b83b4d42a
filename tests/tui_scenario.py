"""Deterministic charger state for TUI tests: a fixed clock and scripted poll events.

No network, no timers: the app is built with ``live=False`` and fed the same events the
pollers would post, so snapshots depend only on this file and Textual's rendering.
"""

from __future__ import annotations

import math
from typing import Any

from twc_tui.core.client import ReadTimeout, Unreachable
from twc_tui.core.clock import FixedClock
from twc_tui.core.config import Settings
from twc_tui.core.models import parse
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.poller import PollFailure, PollSuccess
from twc_tui.tui.app import TwcApp

NOW = 1_795_000_000.0
"""2026-11-18 11:06:40 UTC; tests run with TZ=UTC."""

NA_VITALS: dict[str, Any] = {
    "contactor_closed": True, "vehicle_connected": True, "session_s": 3600, "grid_v": 241.5,
    "grid_hz": 59.98, "vehicle_current_a": 40.0, "currentA_a": 20.1, "currentB_a": 20.3,
    "currentC_a": 19.8, "currentN_a": 0.2, "voltageA_v": 241.2, "voltageB_v": 241.0,
    "voltageC_v": 120.6, "relay_k1_v": 5.8, "relay_k2_v": 5.9, "pcba_temp_c": 41.0,
    "handle_temp_c": 38.5, "mcu_temp_c": 45.2, "uptime_s": 270204,
    "input_thermopile_uv": -410, "prox_v": 1.5, "pilot_high_v": 4.6, "pilot_low_v": 4.5,
    "session_energy_wh": 9120.4, "config_status": 5, "evse_state": 11, "current_alerts": [],
    "evse_not_ready_reasons": [1],
}  # fmt: skip
EU_VITALS: dict[str, Any] = {
    **NA_VITALS, "grid_v": 231.0, "grid_hz": 50.01, "vehicle_current_a": 16.0,
    "currentA_a": 16.0, "currentB_a": 15.9, "currentC_a": 16.1, "currentN_a": 0.3,
    "voltageA_v": 232.0, "voltageB_v": 230.5, "voltageC_v": 229.8, "session_s": 5400,
    "session_energy_wh": 15720.0, "handle_temp_c": 66.0, "current_alerts": [40],
}  # fmt: skip
IDLE_VITALS: dict[str, Any] = {
    **NA_VITALS, "contactor_closed": False, "vehicle_connected": False, "session_s": 0,
    "vehicle_current_a": 0.3, "currentA_a": 0.0, "currentB_a": 0.3, "currentC_a": 0.0,
    "voltageA_v": 0.1, "voltageB_v": 5.4, "voltageC_v": 0.1, "relay_k1_v": 11.9,
    "relay_k2_v": 0.0, "pilot_high_v": 11.8, "pilot_low_v": 11.8, "evse_state": 1,
    "evse_not_ready_reasons": [4, 8], "session_energy_wh": 5560.0,
}  # fmt: skip
LIFETIME = {
    "contactor_cycles": 7833, "contactor_cycles_loaded": 190, "alert_count": 71,
    "thermal_foldbacks": 34, "avg_startup_temp": 0.0, "charge_starts": 7833,
    "energy_wh": 32981753, "connector_cycles": 1710, "uptime_s": 115853519,
    "charging_time_s": 8264162,
}  # fmt: skip
WIFI = {
    "wifi_ssid": "SG9tZU5ldA==", "wifi_signal_strength": 64, "wifi_rssi": -58, "wifi_snr": 35,
    "wifi_connected": True, "wifi_infra_ip": "192.168.1.221", "internet": True,
    "wifi_mac": "DC:44:27:10:AA:01",
}  # fmt: skip
VERSION = {
    "firmware_version": "26.18.0+g114f7602e40a09", "git_branch": "HEAD",
    "part_number": "1457768-02-G", "serial_number": "PGT23451234567",
    "web_service": "h3-hermes-prd.sn.tesla.services", "IEEE1547VfTripsCrc": "BB5EABC5",
}  # fmt: skip
HOSTILE = "[b]bold[/] [$error]x[/] [@click=app.quit]quit[/] \x1b]0;PWNED\x07\x1b[2J\x00" + "A" * 400

CHARGERS = (
    ChargerConfig("192.168.1.50", name="Garage", max_current_a=48.0),
    ChargerConfig("192.168.1.51", name="Driveway", max_current_a=16.0),
    ChargerConfig("192.168.1.52", name="Carport"),
)


def success(charger: str, endpoint: str, raw: Any, at: float) -> PollSuccess:
    return PollSuccess(charger, endpoint, parse(endpoint, raw), at, 0.05)


def feed_charging(app: TwcApp, charger: str, base: dict[str, Any], minutes: int = 10) -> None:
    """A charging session's last ``minutes`` of vitals at 5 s, with a gentle wave."""
    start = NOW - minutes * 60
    for i in range(minutes * 12):
        at = start + i * 5
        amps = base["vehicle_current_a"] * (0.85 + 0.15 * math.sin(i / 9))
        raw = {**base, "vehicle_current_a": round(amps, 1),
               "handle_temp_c": base["handle_temp_c"] - 8 + 8 * i / (minutes * 12),
               "session_s": base["session_s"] - (minutes * 60 - i * 5)}
        app.apply_event(success(charger, "vitals", raw, at))
    for endpoint, raw in (("lifetime", LIFETIME), ("wifi_status", WIFI), ("version", VERSION)):
        app.apply_event(success(charger, endpoint, raw, NOW - 20))


def feed_offline(app: TwcApp, charger: str) -> None:
    """Idle data, then three failed polls: OFFLINE with the last data kept."""
    for i in range(12):
        app.apply_event(success(charger, "vitals", IDLE_VITALS, NOW - 600 + i * 5))
    app.apply_event(success(charger, "wifi_status", WIFI, NOW - 600))
    app.apply_event(success(charger, "version", VERSION, NOW - 600))
    for n, at in enumerate((NOW - 520, NOW - 500, NOW - 470), start=1):
        error = (ReadTimeout("timed out after 15 s waiting for /api/1/vitals", endpoint="vitals")
                 if n < 3 else Unreachable("connection refused by 192.168.1.52:80",
                                           endpoint="vitals"))
        app.apply_event(PollFailure(charger, "vitals", error, at, n, n >= 3, 60.0))


def make_app(count: int = 3, *, hostile: bool = False, offline: bool = True) -> TwcApp:
    """An app with ``count`` chargers in known states at a fixed time."""
    clock = FixedClock(NOW)
    app = TwcApp(CHARGERS[:count], Settings(), live=False, clock=clock,
                 config_path="~/.config/twc-tui/config.toml")
    ids = [c.id for c in CHARGERS[:count]]
    feed_charging(app, ids[0], NA_VITALS)
    if count > 1:
        feed_charging(app, ids[1], EU_VITALS)
    if count > 2:
        if offline:
            feed_offline(app, ids[2])
        else:
            feed_charging(app, ids[2], IDLE_VITALS)
    if hostile:
        evil_version = {**VERSION, "firmware_version": HOSTILE, "serial_number": HOSTILE,
                        "part_number": HOSTILE, HOSTILE[:30]: HOSTILE}
        evil_wifi = {**WIFI, "wifi_ssid": HOSTILE, "wifi_mac": HOSTILE}
        app.apply_event(success(ids[0], "version", evil_version, NOW - 10))
        app.apply_event(success(ids[0], "wifi_status", evil_wifi, NOW - 10))
        app.apply_event(success(ids[0], "vitals", {**NA_VITALS, "current_alerts": [HOSTILE],
                                                   HOSTILE: HOSTILE}, NOW - 5))
    return app
