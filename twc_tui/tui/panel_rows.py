"""What each detail panel says, built as rows of ``Content`` from charger state.

Pure functions: they read state and return rows, so they are easy to test and the widget that
shows them stays trivial.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.content import Content

from twc_tui.core import units
from twc_tui.core.models import Lifetime, Version, Vitals, WifiStatus
from twc_tui.engine.charger_state import ChargerState
from twc_tui.tui.look import safe

Row = tuple[str, Content] | str
"""A (label, value) pair, or a bare string for a group heading."""

LABEL_WIDTH = 14
"""Cells of a panel's label column."""
MUTED = "$text-muted"
WARN = "bold $text-warning"


def _yes(value: bool | None, yes: str = "yes", no: str = "no") -> Content:
    if value is None:
        return Content.styled(units.MISSING, MUTED)
    return Content(yes if value else no)


def _codes(values: Iterable[Any] | None) -> Content:
    if values is None:
        return Content.styled("not reported", MUTED)
    return safe("[" + ", ".join(str(v) for v in values) + "]", 40)


def _temp(value: float | None, sentinel: bool, warn_c: float) -> Content:
    if sentinel:
        return Content.styled("sensor error (255)", WARN)
    if value is not None and value >= warn_c:  # in words too: NO_COLOR has no warning colour
        return Content.styled(f"{units.celsius(value)}  hot (≥ {warn_c:g} °C)", WARN)
    return Content(units.celsius(value))


def vitals_rows(state: ChargerState, handle_warn_c: float = 60.0,
                pcba_warn_c: float = 85.0) -> list[Row]:
    v: Vitals | None = state.vitals
    if v is None:
        return [("", Content.styled("no vitals yet", MUTED))]
    s = v.state
    split = state.phase_mode == "split"
    label = Content.assemble(s.label, (" (unverified)" if not s.verified else "", MUTED))
    alerts = (
        safe("; ".join(a.text for a in v.alerts), 60, WARN)
        if v.alerts
        else Content("none")
    )
    config = Content(units.num(v.config_status, "d"))
    if v.config_status is not None and v.config_status != 5:
        config = Content.styled(f"{v.config_status} (unusual: every known unit says 5)", WARN)
    rows: list[Row] = [
        "Status",
        ("State", Content.assemble(label, f"  code {units.num(v.evse_state, 'd')}")),
        ("Plugged", _yes(v.vehicle_connected)),
        ("Contactor", _yes(v.contactor_closed, "closed", "open")),
        ("Alerts", alerts),
        ("Not ready", _codes(v.evse_not_ready_reasons)),
        ("Config", config),
        "Power",
        ("Power", Content.styled(f"{units.kw(state.power_w)}  ({state.phase_mode}-phase)",
                                 "bold")),
        ("Vehicle", Content(units.amps(v.vehicle_current_a))),
    ]
    for phase in "ABC":
        current = getattr(v, f"current{phase}_a")
        voltage = getattr(v, f"voltage{phase}_v")
        text = f"{units.amps(current):>8}  {units.volts(voltage):>8}"
        if phase == "C" and split:
            rows.append((f"Phase {phase}", Content.styled(text + "  n/a", MUTED)))
        else:
            rows.append((f"Phase {phase}", Content(text)))
    rows += [
        ("Neutral", Content(f"{units.amps(v.currentN_a):>8}")),
        ("Grid", Content(f"{units.volts(v.grid_v)}  {units.hertz(v.grid_hz)}")),
        "Session",
        ("Duration", Content(units.duration(v.session_s))),
        ("Energy", Content(units.kwh(v.session_energy_wh))),
        "Temperatures",
        ("Handle", _temp(v.handle_temp_c, "handle_temp_c" in v.sentinels, handle_warn_c)),
        ("PCBA", _temp(v.pcba_temp_c, "pcba_temp_c" in v.sentinels, pcba_warn_c)),
        ("MCU", _temp(v.mcu_temp_c, "mcu_temp_c" in v.sentinels, pcba_warn_c)),
        ("Thermopile", Content(units.num(v.input_thermopile_uv, ".0f", "µV"))),
        "Signals",
        ("Pilot", Content(f"{units.volts(v.pilot_high_v)} / {units.volts(v.pilot_low_v)}")),
        ("Prox", Content(units.volts(v.prox_v))),
    ]
    if v.relay_coil_v is not None and v.relay_k1_v is None:
        rows.append(("Relay coil", Content(units.volts(v.relay_coil_v))))
    else:
        rows.append(("Relay K1/K2", Content(f"{units.volts(v.relay_k1_v)} / "
                                            f"{units.volts(v.relay_k2_v)}")))
    rows.append(("Uptime", Content(units.duration(v.uptime_s))))
    rows += _extra_rows(v.extra, v.notes)
    return rows


def _extra_rows(extra: Any, notes: tuple[str, ...]) -> list[Row]:
    rows: list[Row] = []
    if extra:
        rows.append("Unknown fields")
        for key, value in list(extra.items())[:20]:
            rows.append((_short_key(key), safe(value, 40)))
    if notes:
        rows.append("Parse notes")
        rows += [("", safe(note, 60, WARN)) for note in notes[:5]]
    return rows


def _short_key(key: object) -> str:
    """A field name that fits the label column with a space to spare, so an unknown
    field's name never runs into its value."""
    from twc_tui.core.text import safe_text

    return safe_text(key, LABEL_WIDTH - 1)


def lifetime_rows(state: ChargerState) -> list[Row]:
    life: Lifetime | None = state.lifetime
    if life is None:
        return [("", Content.styled("none read yet", MUTED))]
    n = lambda value: Content(units.num(value, "d"))  # noqa: E731
    rows: list[Row] = [
        ("Energy", Content.styled(units.energy(life.energy_wh), "bold")),
        ("Per plug-in", Content(units.num(life.kwh_per_plugin, ".1f", "kWh"))),
        ("Charge starts", n(life.charge_starts)),
        ("Charging time", Content(units.duration(life.charging_time_s))),
        ("Contactor", Content(f"{units.num(life.contactor_cycles, 'd')}, "
                              f"{units.num(life.contactor_cycles_loaded, 'd')} loaded")),
        ("Plug-ins", n(life.connector_cycles)),
        ("Alerts", n(life.alert_count)),
        ("Thermal folds", n(life.thermal_foldbacks)),
        ("Avg start", Content(units.celsius(life.avg_startup_temp))),
        ("Uptime", Content(units.duration(life.uptime_s))),
    ]
    return rows + _extra_rows(life.extra, life.notes)


def signal_bar(quality: int | None, width: int = 10, ascii_only: bool = False) -> Content:
    if quality is None:
        return Content.styled(units.MISSING, MUTED)
    q = max(0, min(100, quality))
    filled = round(q / 100 * width)
    full, empty = ("#", "-") if ascii_only else ("█", "░")
    style = "$text-success" if q >= 50 else "$text-warning" if q >= 25 else "$text-error"
    return Content.assemble((full * filled, style), (empty * (width - filled), MUTED), f" {q}%")


def wifi_rows(state: ChargerState, ascii_only: bool = False) -> list[Row]:
    w: WifiStatus | None = state.wifi
    if w is None:
        return [("", Content.styled("no WiFi data yet", MUTED))]
    ssid = safe(w.ssid, 32)
    if w.ssid_decoded is None and w.wifi_ssid:
        ssid = Content.assemble(ssid, (" (raw)", MUTED))
    rows: list[Row] = [
        ("SSID", ssid),
        ("Signal", signal_bar(w.wifi_signal_strength, ascii_only=ascii_only)),
        ("RSSI / SNR", Content(f"{units.num(w.wifi_rssi, 'd', 'dBm')} / "
                               f"{units.num(w.wifi_snr, 'd', 'dB')}")),
        ("IP", safe(w.wifi_infra_ip, 40)),
        ("MAC", safe(w.wifi_mac, 40)),
        ("Connected", _yes(w.wifi_connected)),
        ("Internet", _yes(w.internet)),
    ]
    return rows + _extra_rows(w.extra, w.notes)


def version_rows(state: ChargerState) -> list[Row]:
    ver: Version | None = state.version
    if ver is None:
        return [("", Content.styled("no version data yet", MUTED))]
    rows: list[Row] = [
        ("Firmware", safe(ver.firmware_version, 40)),
        ("Part", safe(ver.part_number, 40)),
        ("Serial", safe(ver.serial_number, 40)),
    ]
    optional = (
        ("Branch", ver.git_branch),
        ("Service", ver.web_service),
        ("1547 VfTrips", ver.IEEE1547VfTripsCrc),
        ("1547 RideThru", ver.IEEE1547RideThruMomentaryCessationCrc),
        ("1547 Combined", ver.IEEE1547CombinedComplianceCrc),
    )
    rows += [(label, safe(value, 40)) for label, value in optional if value is not None]
    return rows + _extra_rows(ver.extra, ver.notes)


def split_rows(rows: list[Row], columns: int = 1) -> list[list[Row]]:
    """One list of rows per column: two on a wide enough panel, split at the group heading
    nearest the middle so groups stay whole."""
    starts = [i for i, row in enumerate(rows) if isinstance(row, str)]
    if columns < 2 or len(starts) < 2:
        return [rows]
    split = min(starts[1:], key=lambda start: abs(start - len(rows) / 2))
    return [rows[:split], rows[split:]]


def label_value_lines(rows: list[Row]) -> tuple[list[Content], list[Content]]:
    """The label column and the value column of ``rows``; a heading has an empty value."""
    labels: list[Content] = []
    values: list[Content] = []
    for row in rows:
        if isinstance(row, str):
            labels.append(Content.styled(row, "bold $text-accent"))
            values.append(Content(""))
        else:
            label, value = row
            labels.append(Content.styled(label, MUTED))
            values.append(value)
    return labels, values
