"""Turning the simulator's truth into the JSON a real unit sends: noise, layouts, encoding.

The device sends compact JSON in a fixed key order, one decimal for most floats, three for
``grid_hz`` and ``session_energy_wh`` ("44.000"), integers for counters, and a bare ``nan``
on old firmware. Readings carry the noise real units show: idle phases read a few volts
and a few tenths of an amp (field notes §4).
"""

from __future__ import annotations

import base64
import json
import math
import random
from typing import Any

from twc_tui.sim.profiles import Profile
from twc_tui.sim.scenario import Truth


class Fixed(float):
    """A float the encoder writes with a fixed number of decimals."""

    decimals: int

    def __new__(cls, value: float, decimals: int = 1) -> Fixed:
        self = super().__new__(cls, round(value, decimals))
        self.decimals = decimals
        return self


class Raw(str):
    """A token written as is: the bare ``nan`` of old firmware."""


def encode(value: Any) -> bytes:
    """Compact JSON as the device writes it."""
    return _enc(value).encode("utf-8")


def _enc(v: Any) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, Fixed):
        return f"{float(v):.{v.decimals}f}"
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + _enc(x) for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ",".join(_enc(x) for x in v) + "]"
    return json.dumps(v)


def _wave(t: float, period_s: float) -> float:
    return math.sin(2 * math.pi * t / period_s)


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def grid(profile: Profile, t: float, amps: float, rng: random.Random) -> tuple[float, float]:
    """(grid_v, grid_hz): a slow drift, a little noise, a small sag under load."""
    v = profile.grid_v + 3.0 * _wave(t, 5 * 3600) + rng.gauss(0, 0.4) - 0.05 * amps
    v = _clamp(v, profile.grid_v - 6, profile.grid_v + 6)
    nominal = 60.0 if profile.grid_hz > 55 else 50.0
    hz = profile.grid_hz + 0.02 * _wave(t, 900) + rng.gauss(0, 0.008)
    if nominal == 60.0:
        hz = _clamp(hz, 59.9, 60.0)
    else:
        hz = _clamp(hz, 49.95, 50.05)
    return v, hz


def _phases(profile: Profile, truth: Truth, grid_v: float, rng: random.Random,
            ) -> tuple[list[float], list[float], float]:
    """([vA, vB, vC], [iA, iB, iC, iN], vehicle_current_a)."""
    g = rng.gauss
    amps = truth.current_a
    if truth.contactor:
        vehicle = max(0.0, amps + g(0, 0.12))
        if profile.layout == "split_ab":
            va = grid_v - 3.5 + g(0, 0.3)
            volts = [va, va + g(0, 0.2), grid_v / 2 - 1 + g(0, 0.3)]
            currents = [amps * 0.47, amps * 0.54, amps * 0.55, amps * 0.45]
        elif profile.layout == "split_b":
            # This layout reports the vehicle current itself on B and N (winksaville log).
            half = grid_v / 2 - 7 + g(0, 0.2)
            return [half, grid_v - 6 + g(0, 0.3), half + g(0, 0.2)], [
                0.0, vehicle, 0.0, vehicle], vehicle
        else:
            volts = [grid_v + d + g(0, 0.5) for d in (2.0, -1.5, -3.0)]
            currents = [vehicle + g(0, 0.08) for _ in range(3)] + [0.3]
        currents = [max(0.0, c + g(0, 0.05)) if c else 0.0 for c in currents]
        return volts, currents, vehicle
    idle = rng.uniform(0.2, 0.6)
    handshake_n = 0.3 if truth.phase == "handshake" else 0.0
    if profile.layout == "three":
        volts = [abs(g(0, 0.05)), 4.9 + g(0, 0.3), abs(g(0, 0.05))]
        currents = [rng.uniform(0.1, 0.3), idle, rng.uniform(0.1, 0.3), handshake_n]
    else:
        volts = [0.1, 5.4 + g(0, 0.1), 0.1]
        currents = [0.0, idle, 0.0, handshake_n]
    return volts, currents, idle


_PILOT = {"idle": (11.8, 11.8), "handshake": (0.4, 0.1), "unplugging": (4.6, -0.0)}


def vitals(profile: Profile, truth: Truth, t: float, rng: random.Random,
           sentinel: bool = False) -> dict[str, Any]:
    """The /vitals payload for ``truth`` at script time ``t``."""
    grid_v, grid_hz = grid(profile, t, truth.current_a, rng)
    volts, currents, vehicle = _phases(profile, truth, grid_v, rng)
    amb = profile.ambient_c
    handle = truth.handle_c + rng.gauss(0, 0.1)
    pcba = amb + 2.0 + 0.3 * (truth.handle_c - amb) + rng.gauss(0, 0.1)
    load = truth.current_a / profile.max_current_a
    thermopile = -100 - 3 * (pcba - 20) - 60 * load + rng.gauss(0, 6)
    if truth.phase in ("charging", "derate", "derated"):
        pilot = (profile.pilot_charging_v, profile.pilot_charging_v)
    else:
        pilot = _PILOT.get(truth.phase, (8.7, -11.8))
    pilot = tuple(p + rng.gauss(0, 0.05) if abs(p) > 1 else p for p in pilot)
    prox = 0.0 if not truth.connected else (
        2.7 if truth.phase == "unplugging" else profile.prox_plugged_v)
    out: dict[str, Any] = {
        "contactor_closed": truth.contactor,
        "vehicle_connected": truth.connected,
        "session_s": truth.session_s,
        "grid_v": Fixed(grid_v),
        "grid_hz": Fixed(grid_hz, 3),
        "vehicle_current_a": Fixed(vehicle),
    }
    for key, value in zip(("currentA_a", "currentB_a", "currentC_a", "currentN_a"), currents,
                          strict=True):
        out[key] = Fixed(value)
    for key, value in zip(("voltageA_v", "voltageB_v", "voltageC_v"), volts, strict=True):
        out[key] = Fixed(value)
    if profile.relay == "k1k2":
        out["relay_k1_v"] = Fixed(5.8 if truth.contactor else 11.9)
        out["relay_k2_v"] = Fixed(5.8 if truth.contactor else 0.0)
    else:
        closed_v = 6.1 if profile.three_phase else 5.7
        out["relay_coil_v"] = Fixed(closed_v if truth.contactor else profile.coil_open_v)
    out.update({
        "pcba_temp_c": Fixed(pcba),
        "handle_temp_c": Fixed(255.0 if sentinel else handle),
        "mcu_temp_c": Fixed(pcba + 5.5 + rng.gauss(0, 0.1)),
        "uptime_s": truth.uptime_s,
        "input_thermopile_uv": round(thermopile),
        "prox_v": Fixed(prox),
        "pilot_high_v": Fixed(pilot[0]),
        "pilot_low_v": Fixed(pilot[1]),
        # The device's meter counts in tenths of a watt-hour but prints three decimals.
        "session_energy_wh": Fixed(round(truth.session_wh, 1), 3),
        "config_status": 5,
        "evse_state": truth.evse_state,
        "current_alerts": list(truth.alerts),
    })
    if profile.not_ready_reasons:
        out["evse_not_ready_reasons"] = list(truth.reasons)
    return out


def lifetime(profile: Profile, counters: dict[str, float]) -> dict[str, Any]:
    """The /lifetime payload; old firmware's ``avg_startup_temp`` is a bare ``nan``."""
    out: dict[str, Any] = {}
    for key, value in counters.items():
        if key == "avg_startup_temp":
            out[key] = Raw("nan") if profile.lifetime_nan else Fixed(value)
        else:
            out[key] = int(value)
    return out


def wifi(profile: Profile, t: float, rng: random.Random) -> dict[str, Any]:
    """The /wifi_status payload: base64 SSID, a drifting signal, RSSI and SNR to match."""
    signal = round(_clamp(64 + 12 * _wave(t, 7200) + rng.gauss(0, 2), 40, 90))
    rssi = -90 + signal // 2
    snr = round(_clamp(rssi + 93 + rng.gauss(0, 1), 10, 40))
    return {
        "wifi_ssid": base64.b64encode(profile.ssid.encode()).decode("ascii"),
        "wifi_signal_strength": signal,
        "wifi_rssi": rssi,
        "wifi_snr": snr,
        "wifi_connected": True,
        "wifi_infra_ip": profile.ip,
        "internet": True,
        "wifi_mac": profile.mac,
    }


def version(profile: Profile) -> dict[str, Any]:
    """The /version payload: three keys on old firmware, eight on the newest."""
    return dict(profile.version)
