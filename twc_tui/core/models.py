"""Frozen dataclasses for the four payloads, parsed tolerantly, with derived values.

Attribute names are the device's own JSON keys (``currentA_a``, ``IEEE1547VfTripsCrc``), so a
value can be traced to the wire without a lookup table and JSON output keeps the device's names.

Parsing never raises: a missing key is None, a value of the wrong type is None plus a note,
an unknown key is kept in ``extra``, and a temperature of 255 or more (the sensor's failure
sentinel) is None and named in ``sentinels``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

from twc_tui.core.codes import Alert, EvseState, evse_state
from twc_tui.core.parsing import EMPTY, PayloadBase, alert_code, decode_ssid, list_of

PhaseMode = Literal["auto", "split", "three"]
PHASE_MODES: tuple[str, ...] = ("auto", "split", "three")

CHARGING_MIN_CURRENT_A = 1.0
"""Idle units read 0.2–0.6 A of noise; above this with the contactor closed, energy flows."""


@dataclass(frozen=True, slots=True)
class Vitals(PayloadBase):
    """``/api/1/vitals``: what the charger is doing now."""

    FIELDS: ClassVar[dict[str, str]] = {
        "contactor_closed": "bool", "vehicle_connected": "bool", "session_s": "int",
        "grid_v": "float", "grid_hz": "float", "vehicle_current_a": "float",
        "currentA_a": "float", "currentB_a": "float", "currentC_a": "float",
        "currentN_a": "float", "voltageA_v": "float", "voltageB_v": "float",
        "voltageC_v": "float", "relay_coil_v": "float", "relay_k1_v": "float",
        "relay_k2_v": "float", "pcba_temp_c": "float", "handle_temp_c": "float",
        "mcu_temp_c": "float", "uptime_s": "int", "input_thermopile_uv": "float",
        "prox_v": "float", "pilot_high_v": "float", "pilot_low_v": "float",
        "session_energy_wh": "float", "config_status": "int", "evse_state": "int",
    }  # fmt: skip
    TEMPERATURES: ClassVar[frozenset[str]] = frozenset(
        {"pcba_temp_c", "handle_temp_c", "mcu_temp_c"}
    )
    _LISTS: ClassVar[frozenset[str]] = frozenset({"current_alerts", "evse_not_ready_reasons"})

    contactor_closed: bool | None = None
    vehicle_connected: bool | None = None
    session_s: int | None = None
    grid_v: float | None = None
    grid_hz: float | None = None
    vehicle_current_a: float | None = None
    currentA_a: float | None = None
    currentB_a: float | None = None
    currentC_a: float | None = None
    currentN_a: float | None = None
    voltageA_v: float | None = None
    voltageB_v: float | None = None
    voltageC_v: float | None = None
    relay_coil_v: float | None = None
    """Older firmware; newer firmware sends ``relay_k1_v``/``relay_k2_v`` instead."""
    relay_k1_v: float | None = None
    relay_k2_v: float | None = None
    pcba_temp_c: float | None = None
    handle_temp_c: float | None = None
    mcu_temp_c: float | None = None
    uptime_s: int | None = None
    """Seconds since boot; a drop means the charger rebooted."""
    input_thermopile_uv: float | None = None
    prox_v: float | None = None
    pilot_high_v: float | None = None
    pilot_low_v: float | None = None
    session_energy_wh: float | None = None
    """Persists after unplug and resets at the next plug-in."""
    config_status: int | None = None
    evse_state: int | None = None
    current_alerts: tuple[int | str, ...] | None = None
    evse_not_ready_reasons: tuple[int | str, ...] | None = None
    """Optional: missing on 2021–2023 firmware."""
    sentinels: tuple[str, ...] = ()
    """Temperature fields that held the 255 sensor-failure sentinel."""
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    """Keys this version does not know, kept as sent so they can be shown."""
    notes: tuple[str, ...] = ()
    """What parsing had to ignore, in words."""

    @classmethod
    def from_json(cls, raw: Any) -> Vitals:
        if not isinstance(raw, Mapping):
            return cls(notes=(f"expected a JSON object, got {type(raw).__name__}",))
        values = cls._parse_fields(raw)
        notes = list(values["notes"])
        values["current_alerts"] = list_of("current_alerts", raw, notes, alert_code)
        values["evse_not_ready_reasons"] = list_of(
            "evse_not_ready_reasons", raw, notes, alert_code
        )
        values["notes"] = tuple(notes)
        return cls(**values)

    def filled_from(self, known: Vitals | None) -> Vitals:
        """This reading with every missing field taken from ``known`` (the last values seen).

        A missing or null field means "not said", not "false" or "zero": one ``{}`` reply
        must not read as an unplug, a charge stop or a cleared alert. Whoever looks for
        changes compares against this, never against the raw reading."""
        if known is None:
            return self
        gaps = {key: getattr(known, key) for key in (*self.FIELDS, *self._LISTS)
                if getattr(self, key) is None and getattr(known, key) is not None}
        return replace(self, **gaps) if gaps else self

    @property
    def state(self) -> EvseState:
        """The decoded ``evse_state``."""
        return evse_state(self.evse_state)

    @property
    def plugged(self) -> bool:
        """A vehicle is connected."""
        return self.vehicle_connected is True

    @property
    def charging(self) -> bool:
        """Energy is flowing: contactor closed with a real current."""
        return self.contactor_closed is True and (self.vehicle_current_a or 0.0) > (
            CHARGING_MIN_CURRENT_A
        )

    @property
    def alerts(self) -> tuple[Alert, ...]:
        """Active alerts, decoded where we know them."""
        return tuple(Alert(code) for code in self.current_alerts or ())

    @property
    def relay_v(self) -> tuple[float | None, float | None]:
        """(K1, K2) relay voltages; older firmware's single coil reading stands in for K1."""
        k1 = self.relay_k1_v if self.relay_k1_v is not None else self.relay_coil_v
        return k1, self.relay_k2_v

    def detect_phase_mode(self) -> Literal["split", "three"]:
        """Guess the wiring: split-phase on a ~60 Hz grid or when phase C reads about half
        of grid_v (field notes §6), three-phase otherwise."""
        if self.grid_hz is not None and abs(self.grid_hz - 60.0) < 2.0:
            return "split"
        if (
            self.contactor_closed
            and self.voltageC_v is not None
            and self.grid_v is not None
            and abs(self.voltageC_v - self.grid_v / 2) < 25.0
        ):
            return "split"
        return "three"

    def phase_mode(self, setting: str = "auto") -> Literal["split", "three"]:
        """The phase mode to use: the user's setting, or the detected one for "auto"."""
        if setting in ("split", "three"):
            return setting  # type: ignore[return-value]
        return self.detect_phase_mode()

    def power_w(self, setting: str = "auto") -> float | None:
        """Power in watts: 0 with the contactor open (idle phases read volts of noise);
        grid_v × vehicle_current_a on split-phase; Σ V×I on three-phase."""
        if self.contactor_closed is False:
            return 0.0
        if self.phase_mode(setting) == "split":
            if self.grid_v is None or self.vehicle_current_a is None:
                return None
            return self.grid_v * self.vehicle_current_a
        pairs = (
            (self.voltageA_v, self.currentA_a),
            (self.voltageB_v, self.currentB_a),
            (self.voltageC_v, self.currentC_a),
        )
        if all(v is None or i is None for v, i in pairs):
            return None
        return sum((v or 0.0) * (i or 0.0) for v, i in pairs)


@dataclass(frozen=True, slots=True)
class Lifetime(PayloadBase):
    """``/api/1/lifetime``: counters since installation."""

    FIELDS: ClassVar[dict[str, str]] = {
        "contactor_cycles": "int", "contactor_cycles_loaded": "int", "alert_count": "int",
        "thermal_foldbacks": "int", "avg_startup_temp": "float", "charge_starts": "int",
        "energy_wh": "float", "connector_cycles": "int", "uptime_s": "int",
        "charging_time_s": "int",
    }  # fmt: skip

    contactor_cycles: int | None = None
    contactor_cycles_loaded: int | None = None
    alert_count: int | None = None
    """Large on healthy units; its meaning is unknown."""
    thermal_foldbacks: int | None = None
    avg_startup_temp: float | None = None
    charge_starts: int | None = None
    """Counts contactor closures, not sessions (it equals contactor_cycles)."""
    energy_wh: float | None = None
    """Moves only when a session ends."""
    connector_cycles: int | None = None
    """Plug-ins."""
    uptime_s: int | None = None
    charging_time_s: int | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    notes: tuple[str, ...] = ()

    @property
    def kwh_per_plugin(self) -> float | None:
        """Average energy per plug-in, in kWh."""
        if self.energy_wh is None or not self.connector_cycles:
            return None
        return self.energy_wh / 1000.0 / self.connector_cycles


@dataclass(frozen=True, slots=True)
class WifiStatus(PayloadBase):
    """``/api/1/wifi_status``."""

    FIELDS: ClassVar[dict[str, str]] = {
        "wifi_ssid": "str", "wifi_signal_strength": "int", "wifi_rssi": "int",
        "wifi_snr": "int", "wifi_connected": "bool", "wifi_infra_ip": "str",
        "internet": "bool", "wifi_mac": "str",
    }  # fmt: skip

    wifi_ssid: str | None = None
    """As sent: base64 of the SSID bytes on every real unit."""
    wifi_signal_strength: int | None = None
    """A 0–100 quality figure, not dBm."""
    wifi_rssi: int | None = None
    """dBm."""
    wifi_snr: int | None = None
    """dB."""
    wifi_connected: bool | None = None
    wifi_infra_ip: str | None = None
    internet: bool | None = None
    wifi_mac: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    notes: tuple[str, ...] = ()

    @property
    def ssid_decoded(self) -> str | None:
        """The decoded SSID, or None if ``wifi_ssid`` is not valid base64 of printable text."""
        return decode_ssid(self.wifi_ssid)

    @property
    def ssid(self) -> str | None:
        """What to show: the decoded SSID, falling back to the raw value."""
        return self.ssid_decoded or self.wifi_ssid


@dataclass(frozen=True, slots=True)
class Version(PayloadBase):
    """``/api/1/version``: three keys on old firmware, up to eight on new."""

    FIELDS: ClassVar[dict[str, str]] = {
        "firmware_version": "str", "git_branch": "str", "part_number": "str",
        "serial_number": "str", "web_service": "str", "IEEE1547VfTripsCrc": "str",
        "IEEE1547RideThruMomentaryCessationCrc": "str",
        "IEEE1547CombinedComplianceCrc": "str",
    }  # fmt: skip

    firmware_version: str | None = None
    git_branch: str | None = None
    part_number: str | None = None
    serial_number: str | None = None
    web_service: str | None = None
    IEEE1547VfTripsCrc: str | None = None
    IEEE1547RideThruMomentaryCessationCrc: str | None = None
    IEEE1547CombinedComplianceCrc: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    notes: tuple[str, ...] = ()


PAYLOAD_TYPES: dict[str, type[PayloadBase]] = {
    "vitals": Vitals,
    "lifetime": Lifetime,
    "wifi_status": WifiStatus,
    "version": Version,
}
"""Endpoint name to the dataclass that parses it."""


def parse(endpoint: str, raw: Any) -> Vitals | Lifetime | WifiStatus | Version:
    """Parse the decoded JSON of ``endpoint``."""
    return PAYLOAD_TYPES[endpoint].from_json(raw)  # type: ignore[return-value]


__all__ = [
    "PHASE_MODES",
    "Alert",
    "EvseState",
    "Lifetime",
    "PhaseMode",
    "Version",
    "Vitals",
    "WifiStatus",
    "parse",
]
