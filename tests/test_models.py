"""The model decodes exactly what real Wall Connectors send (field notes §3–§6).

Every fixture under ``tests/fixtures`` goes through the client's ``tolerant_json`` and then
``models.parse``, the same path a live body takes. Derived values are checked against figures
worked out by hand, with the arithmetic next to each.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from tests.fixture_data import (
    DERIVED,
    REPAIRED,
    all_fixtures,
    decoded,
    endpoint_of,
    lifetime,
    load,
    raw_text,
    real_captures,
    version,
    vitals,
    wifi,
)
from twc_tui.core.codes import VERIFIED_CODES, Alert, evse_state
from twc_tui.core.json_repair import tolerant_json
from twc_tui.core.models import (
    PAYLOAD_TYPES,
    Lifetime,
    Version,
    Vitals,
    WifiStatus,
    parse,
)
from twc_tui.core.parsing import decode_ssid

FIELD_NOTES = Path(__file__).resolve().parents[2] / "shared" / "docs" / "field-notes.md"
PYTHON_TYPES: dict[str, type] = {"bool": bool, "float": float, "int": int, "str": str}


def approx(value: float) -> Any:
    return pytest.approx(value, abs=1e-6)


# -- every capture decodes -----------------------------------------------------------------


def test_fixture_set_is_complete() -> None:
    names = all_fixtures()
    # 16 vitals + 3 lifetime + 4 wifi + 3 version captures + the sanitized library version.
    assert len(real_captures()) == 27
    assert DERIVED <= set(names) and REPAIRED <= set(names)
    assert sum(n.startswith("synthetic_") for n in names) >= 8


@pytest.mark.skipif(not FIELD_NOTES.exists(), reason="field notes not checked out")
def test_real_captures_are_verbatim_and_cover_every_sample_in_section_3() -> None:
    notes = FIELD_NOTES.read_text(encoding="utf-8")
    section = notes[notes.index("## 3. ") : notes.index("## 4. ")]
    fixtures = {raw_text(n).rstrip("\n") for n in real_captures()}
    for name in real_captures():
        assert raw_text(name).rstrip("\n") in section, f"{name} is not verbatim from §3"
    blocks = [b.split("```", 1)[0].strip("\n") for b in section.split("```json\n")[1:]]
    assert len(blocks) == 26
    missing = [b[:60] for b in blocks if b not in fixtures]
    assert not missing, f"§3 samples without a fixture: {missing}"


@pytest.mark.parametrize("name", all_fixtures())
def test_every_fixture_decodes_into_its_model(name: str) -> None:
    payload = load(name)
    assert type(payload) is PAYLOAD_TYPES[endpoint_of(name)]
    assert payload.notes == ()
    assert dict(payload.extra) == {}


@pytest.mark.parametrize("name", real_captures())
def test_real_captures_lose_nothing(name: str) -> None:
    """Every key a real unit sends is a known field, and every value it sends survives."""
    raw = decoded(name)
    payload = load(name)
    known = {f.name for f in fields(payload)}
    assert set(raw) <= known, f"unknown keys in a real capture: {set(raw) - known}"
    for key, value in raw.items():
        got = getattr(payload, key)
        if value is None:  # a repaired nan
            assert got is None
        elif isinstance(value, list):
            assert got is not None and list(got) == value
        else:
            assert got == value, key


@pytest.mark.parametrize("name", sorted(REPAIRED))
def test_invalid_bodies_need_and_get_repair(name: str) -> None:
    with pytest.raises(ValueError):
        json.loads(raw_text(name))
    assert isinstance(decoded(name), dict)


def test_truncated_body_decodes_like_the_whole_one() -> None:
    assert not raw_text("vitals_na_charging_40a_truncated.json").rstrip().endswith("}")
    whole, cut = "vitals_na_charging_40a.json", "vitals_na_charging_40a_truncated.json"
    assert decoded(cut) == decoded(whole)
    assert load(cut) == load(whole)
    assert decoded("lifetime_old_nan_truncated.json") == decoded("lifetime_old_nan.json")


def test_bare_nan_becomes_none_without_a_note() -> None:
    life = lifetime("lifetime_old_nan.json")
    assert life.avg_startup_temp is None
    assert life.notes == ()
    assert (life.contactor_cycles, life.energy_wh, life.connector_cycles) == (44, 270093, 11)


def test_several_non_finite_tokens_in_one_body() -> None:
    life = lifetime("synthetic_lifetime_multi_nan.json")
    # nan, nan, -nan, nan, Infinity: every one is missing, the rest is intact.
    assert life.contactor_cycles_loaded is None
    assert life.alert_count is None
    assert life.thermal_foldbacks is None
    assert life.avg_startup_temp is None
    assert life.charge_starts is None
    assert (life.contactor_cycles, life.energy_wh, life.charging_time_s) == (44, 270093, 65738)


@pytest.mark.parametrize("token", ["nan", "-nan", "NaN", "inf", "-inf", "Infinity", "-Infinity"])
def test_each_non_finite_token_becomes_null(token: str) -> None:
    assert tolerant_json(f'{{"avg_startup_temp":{token},"energy_wh":1}}') == {
        "avg_startup_temp": None,
        "energy_wh": 1,
    }
    # Together with a missing final brace, as firmware sends mid-charge.
    assert tolerant_json(f'{{"x": [1, {token}]')["x"] == [1, None]


@pytest.mark.parametrize(
    "body",
    [
        '{"a": "nan", "b": nan}',
        '{"a": "x -nan Infinity", "b": -nan}',
    ],
)
def test_nan_inside_strings_is_left_alone(body: str) -> None:
    data = tolerant_json(body)
    assert data["b"] is None
    assert data["a"] in ("nan", "x -nan Infinity")


@pytest.mark.parametrize("body", ['{"grid_v": 252.4, "grid_hz":', "<html>500</html>", "", "[1,"])
def test_unrepairable_bodies_raise_value_error(body: str) -> None:
    with pytest.raises(ValueError):
        tolerant_json(body)


# -- SSID ------------------------------------------------------------------------------------


def test_base64_ssid_is_decoded_and_raw_kept() -> None:
    w = wifi("synthetic_wifi_ssid_base64.json")
    assert w.wifi_ssid == "TXkgV2lGaQ=="
    assert w.ssid_decoded == "My WiFi"
    assert w.ssid == "My WiFi"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("synthetic_wifi_ssid_not_base64.json", "Home Net!"),
        ("synthetic_wifi_ssid_invalid_utf8.json", "//79/A=="),  # ff fe fd fc
        ("synthetic_wifi_ssid_control_chars.json", "ZXZpbBtbMko="),  # "evil\x1b[2J"
        ("wifi_fw25.json", "[REDACTED base64, 12 chars ending in ==]"),
        ("wifi_fw26.json", "[REDACTED base64]"),
        ("wifi_einarhauks6_2022.json", "BASE64_REDACTED"),
        ("wifi_fw21_twcmanager.json", "redacted"),  # valid base64 alphabet, not UTF-8
    ],
)
def test_ssid_falls_back_to_raw(name: str, raw: str) -> None:
    w = wifi(name)
    assert w.wifi_ssid == raw
    assert w.ssid_decoded is None
    assert w.ssid == raw


@pytest.mark.parametrize("raw", [None, "", "TXkgV2lGaQ", "TXkg V2lGaQ==", "AA=="])
def test_decode_ssid_is_strict(raw: str | None) -> None:
    # No padding, embedded space, and a decoded NUL are all rejected.
    assert decode_ssid(raw) is None


def test_wifi_fields() -> None:
    w = wifi("wifi_fw26.json")
    assert (w.wifi_signal_strength, w.wifi_rssi, w.wifi_snr) == (48, -66, 26)
    assert w.wifi_connected is True and w.internet is True
    assert w.wifi_infra_ip == "10.69.2.236"


# -- sentinels, unknown keys, wrong types, missing keys --------------------------------------


def test_255_temperature_sentinel_is_none_and_listed() -> None:
    v = vitals("synthetic_vitals_sentinel_255.json")
    assert v.handle_temp_c is None
    assert v.mcu_temp_c is None  # sent as the int 255
    assert v.pcba_temp_c == 20.7
    assert set(v.sentinels) == {"handle_temp_c", "mcu_temp_c"}
    assert v.notes == ()


def test_temperature_just_below_sentinel_is_kept() -> None:
    v = parse("vitals", {"handle_temp_c": 254.9, "pcba_temp_c": 300})
    assert isinstance(v, Vitals)
    assert v.handle_temp_c == 254.9
    assert v.pcba_temp_c is None and v.sentinels == ("pcba_temp_c",)


@pytest.mark.parametrize("name", real_captures())
def test_real_captures_have_no_sentinels(name: str) -> None:
    payload = load(name)
    if isinstance(payload, Vitals):
        assert payload.sentinels == ()


def test_unknown_keys_are_kept_in_extra() -> None:
    raw = decoded("vitals_fw26_connected_idle_relay_k1k2.json")
    raw["thermal_model_c"] = 41.5
    raw["new_thing"] = {"nested": [1, 2]}
    v = parse("vitals", raw)
    assert dict(v.extra) == {"thermal_model_c": 41.5, "new_thing": {"nested": [1, 2]}}
    assert v.notes == ()
    assert parse("lifetime", {"energy_wh": 1, "kwh_future": 2}).extra == {"kwh_future": 2}
    assert parse("version", {"firmware_version": "27.1.0", "hw_rev": "H"}).extra == {"hw_rev": "H"}


def test_wrong_types_become_none_with_a_note() -> None:
    v = parse(
        "vitals",
        {
            "grid_v": "252.4",
            "contactor_closed": "true",
            "session_s": True,
            "evse_state": 11.5,
            "vehicle_current_a": [40],
            "current_alerts": "40",
            "evse_not_ready_reasons": [1, {"x": 1}, None, 2.5],
            "handle_temp_c": 17.3,
        },
    )
    assert isinstance(v, Vitals)
    assert v.grid_v is None and v.contactor_closed is None and v.session_s is None
    assert v.evse_state is None and v.vehicle_current_a is None
    assert v.current_alerts is None
    assert v.evse_not_ready_reasons == (1,)
    assert v.handle_temp_c == 17.3
    text = "\n".join(v.notes)
    for key in ("grid_v", "contactor_closed", "session_s", "evse_state", "vehicle_current_a",
                "current_alerts", "evse_not_ready_reasons"):
        assert key in text
    assert len(v.notes) == 9  # 5 scalars + alerts + 3 ignored reason items


def test_integral_float_is_accepted_for_an_int_field() -> None:
    v = parse("vitals", {"evse_state": 11.0, "uptime_s": 2671492})
    assert isinstance(v, Vitals)
    assert v.evse_state == 11 and isinstance(v.evse_state, int)
    assert v.notes == ()


GARBAGE: list[Any] = [
    "x", "", "²", [], [1], {}, {"a": 1}, True, False, 1.5, -1, 0,
    10**400, -(10**400), 1e308, float("nan"), float("inf"), None,
]  # fmt: skip


@pytest.mark.parametrize("endpoint", sorted(PAYLOAD_TYPES))
@pytest.mark.parametrize("value", GARBAGE, ids=lambda v: repr(v)[:24])
def test_garbage_in_every_field_never_raises(endpoint: str, value: Any) -> None:
    model = PAYLOAD_TYPES[endpoint]
    keys = [*model.FIELDS, *getattr(model, "_LISTS", ())]
    payload = parse(endpoint, dict.fromkeys(keys, value))
    for key, kind in model.FIELDS.items():
        got = getattr(payload, key)
        assert got is None or type(got) is PYTHON_TYPES[kind], (key, got)
        if isinstance(got, float):
            assert math.isfinite(got)


@pytest.mark.parametrize("value", ["²", "٤٠", "1e3", " 40 ", -40, "-40", 40.0, [40], {}])
def test_odd_alert_ids_never_raise(value: Any) -> None:
    v = parse("vitals", {"current_alerts": [value], "evse_not_ready_reasons": [value]})
    assert isinstance(v, Vitals)
    for code in v.current_alerts or ():
        assert isinstance(code, int | str)
        assert isinstance(Alert(code).text, str)


@pytest.mark.parametrize("raw", [[1, 2], "vitals", 42, None])
def test_a_non_object_body_is_an_empty_payload_with_a_note(raw: Any) -> None:
    for endpoint in PAYLOAD_TYPES:
        payload = parse(endpoint, raw)
        assert len(payload.notes) == 1 and "expected a JSON object" in payload.notes[0]


def test_missing_keys_are_none() -> None:
    v = parse("vitals", {})
    assert isinstance(v, Vitals)
    assert all(getattr(v, key) is None for key in Vitals.FIELDS)
    assert v.current_alerts is None and v.evse_not_ready_reasons is None
    assert v.notes == () and v.sentinels == () and v.extra == {}
    assert v.state.label == "unknown" and v.state.code is None
    assert v.plugged is False and v.charging is False
    assert v.power_w() is None
    assert v.alerts == ()
    for endpoint in ("lifetime", "wifi_status", "version"):
        payload = parse(endpoint, {})
        assert all(getattr(payload, key) is None for key in type(payload).FIELDS)


# -- firmware generations --------------------------------------------------------------------


def test_relay_coil_generation() -> None:
    v = vitals("vitals_na_charging_40a.json")
    assert v.relay_coil_v == 5.7
    assert v.relay_k1_v is None and v.relay_k2_v is None
    assert v.relay_v == (5.7, None)


def test_relay_k1_k2_generation() -> None:
    v = vitals("vitals_fw26_connected_idle_relay_k1k2.json")
    assert v.relay_coil_v is None
    assert (v.relay_k1_v, v.relay_k2_v) == (11.9, 0.0)
    assert v.relay_v == (11.9, 0.0)


def test_not_ready_reasons_are_optional() -> None:
    assert vitals("vitals_na_charging_30_8a_evcc7599.json").evse_not_ready_reasons is None
    assert vitals("vitals_na_after_factory_reset.json").evse_not_ready_reasons == (2, 4, 8)
    assert vitals("vitals_na_idle_unplugged.json").evse_not_ready_reasons == (4, 8)


def test_version_generations() -> None:
    old = version("version_old_3key.json")
    assert old.firmware_version == "21.8.5+g51eba2369815d7"
    assert old.part_number == "1529455-02-D" and old.serial_number == "PGT21115010123"
    optional = ("git_branch", "web_service", "IEEE1547VfTripsCrc",
                "IEEE1547RideThruMomentaryCessationCrc", "IEEE1547CombinedComplianceCrc")
    assert all(getattr(old, key) is None for key in optional)
    assert old.notes == ()

    mid = version("version_fw25.json")
    assert mid.git_branch == "HEAD" and mid.web_service == "h3-hermes-prd.sn.tesla.services"
    assert mid.IEEE1547VfTripsCrc is None
    assert mid.serial_number == "[REDACTED]"

    new = version("version_fw26_ieee1547.json")
    assert new.firmware_version == "26.18.0+g114f7602e40a09"
    assert new.IEEE1547VfTripsCrc == "BB5EABC5"
    assert new.IEEE1547RideThruMomentaryCessationCrc == "753C17D3"
    assert new.IEEE1547CombinedComplianceCrc == "81DD267F"


def test_wire_number_formats() -> None:
    v = vitals("vitals_na_charging_30_8a_evcc7599.json")
    # "pilot_high_v": 0 and "pilot_low_v": -0 are JSON ints for a float field.
    assert v.pilot_high_v == 0.0 and isinstance(v.pilot_high_v, float)
    assert v.pilot_low_v == 0.0 and isinstance(v.pilot_low_v, float)
    assert vitals("vitals_na_idle_unplugged.json").session_energy_wh == 55.6  # "55.600"
    life = lifetime("lifetime_fw26.json")
    assert life.energy_wh == 32981753 and life.thermal_foldbacks == 34


# -- derived: power and phase mode -----------------------------------------------------------


def test_power_na_40a_is_grid_v_times_vehicle_current() -> None:
    v = vitals("vitals_na_charging_40a.json")
    assert v.phase_mode() == "split"
    # grid_v × vehicle_current_a = 252.4 × 40.0 = 10096 W
    assert v.power_w() == approx(10096.0)
    # NOT Σ V×I = 118.8×0.0 + 246.5×40.0 + 118.5×0.0 = 9860 W (what "three" would say)
    assert v.power_w("three") == approx(9860.0)


def test_power_na_30_8a_evcc7599() -> None:
    v = vitals("vitals_na_charging_30_8a_evcc7599.json")
    assert v.phase_mode() == "split"
    # 238.5 × 30.8 = 7345.8 W
    assert v.power_w() == approx(7345.8)
    # Σ V×I = 242.6×11.4 + 242.7×13.1 + 119.2×12.7 = 2765.64 + 3179.37 + 1513.84 = 7458.85 W
    assert v.power_w("three") == approx(7458.85)


def test_power_na_ha87667() -> None:
    v = vitals("vitals_na_charging_40_4a_ha87667.json")
    assert v.phase_mode() == "split"
    # 228.6 × 40.4 = 9235.44 W
    assert v.power_w() == approx(9235.44)
    # Σ V×I = 236.7×18.7 + 236.5×21.7 + 117.7×22.1 = 4426.29 + 5132.05 + 2601.17 = 12159.51 W,
    # 31.7 % too high: the bogus phase C at work (field notes §6).
    assert v.power_w("three") == approx(12159.51)


def test_power_eu_three_phase() -> None:
    v = vitals("vitals_eu_three_phase_charging.json")
    assert v.phase_mode() == "three"
    # Σ V×I = 242.8×6.1 + 234.3×6.1 + 228.8×6.1 = 6.1 × 705.9 = 4305.99 W
    assert v.power_w() == approx(4305.99)
    # Forcing split would say grid_v × vehicle_current_a = 239.1 × 6.1 = 1458.51 W.
    assert v.power_w("split") == approx(1458.51)


def test_derated_power_with_alert_40() -> None:
    v = vitals("synthetic_vitals_alerts_int.json")
    # 252.4 × 20.0 = 5048 W
    assert v.power_w() == approx(5048.0)


@pytest.mark.parametrize("name", real_captures())
def test_power_is_zero_with_the_contactor_open(name: str) -> None:
    payload = load(name)
    if not isinstance(payload, Vitals) or payload.contactor_closed is not False:
        return
    for setting in ("auto", "split", "three"):
        assert payload.power_w(setting) == 0.0


def test_idle_noise_would_otherwise_show_power() -> None:
    na = vitals("vitals_na_idle_unplugged.json")
    # Without the contactor rule: 253.7 × 0.3 = 76.11 W of noise.
    assert (na.grid_v or 0) * (na.vehicle_current_a or 0) == approx(76.11)
    assert na.power_w() == 0.0
    eu = vitals("vitals_eu_idle_fw21_8_5_scrambled.json")
    # Without it: 0.0×0.2 + 5.5×0.1 + 9.3×0.0 = 0.55 W.
    assert eu.power_w("three") == 0.0


def test_power_zero_when_contactor_closed_but_no_current() -> None:
    v = vitals("vitals_na_contactor_closed_0a_pcs_a052.json")
    # 245.8 × 0.0 = 0 W, although Σ V×I over 117.2/242.9/117.2 V at 0 A is 0 as well.
    assert v.power_w() == 0.0


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("vitals_na_charging_40a.json", "split"),  # 59.875 Hz
        ("vitals_na_charging_30_8a_evcc7599.json", "split"),  # 59.918 Hz
        ("vitals_fw26_connected_idle_relay_k1k2.json", "split"),  # 59.979 Hz, idle
        ("vitals_na_idle_unplugged.json", "split"),  # 59.853 Hz, idle
        ("vitals_eu_three_phase_charging.json", "three"),  # 49.975 Hz
        ("vitals_eu_state8_ha74219.json", "three"),  # 49.804 Hz
        ("vitals_eu_idle_fw21_twcmanager.json", "three"),  # 50.020 Hz
    ],
)
def test_phase_mode_auto_detection(name: str, mode: str) -> None:
    assert vitals(name).phase_mode("auto") == mode
    assert vitals(name).detect_phase_mode() == mode


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        # No grid_hz: phase C vs grid_v/2 decides. |119.2 − 238.5/2| = 0.05 < 25 → split.
        ("vitals_na_charging_30_8a_evcc7599.json", "split"),
        # |118.5 − 252.4/2| = 7.7 < 25 → split.
        ("vitals_na_charging_40a.json", "split"),
        # |228.8 − 239.1/2| = 109.25 → three.
        ("vitals_eu_three_phase_charging.json", "three"),
    ],
)
def test_phase_mode_from_voltage_c_without_frequency(name: str, mode: str) -> None:
    raw = decoded(name)
    del raw["grid_hz"]
    v = parse("vitals", raw)
    assert isinstance(v, Vitals)
    assert v.phase_mode() == mode


def test_forced_phase_mode_wins() -> None:
    na = vitals("vitals_na_charging_40a.json")
    eu = vitals("vitals_eu_three_phase_charging.json")
    assert na.phase_mode("three") == "three" and eu.phase_mode("split") == "split"
    assert na.phase_mode("split") == "split" and eu.phase_mode("three") == "three"


# -- derived: states, plugged/charging, alerts, lifetime -------------------------------------


@pytest.mark.parametrize(
    ("code", "label", "verified"),
    [
        (1, "No vehicle", True),
        (4, "Connected, idle", True),
        (9, "Connected, not charging", True),
        (11, "Charging", True),
        (7, "Plug-in transition", False),
        (2, "Vehicle detected", False),
        (8, "Charging finished", False),
        (42, "state 42", False),
    ],
)
def test_state_labels(code: int, label: str, verified: bool) -> None:
    state = evse_state(code)
    assert (state.code, state.label, state.verified) == (code, label, verified)


def test_reference_mapping_is_not_what_we_say() -> None:
    assert VERIFIED_CODES == {1, 4, 9, 11}
    assert evse_state(4).label != "Charging"
    assert "error" not in evse_state(5).label.lower()
    assert "error" not in evse_state(7).label.lower()
    assert evse_state(42).known is False and evse_state(11).known is True


@pytest.mark.parametrize(
    ("name", "state", "plugged", "charging"),
    [
        ("vitals_na_charging_40a.json", 11, True, True),
        ("vitals_na_idle_unplugged.json", 1, False, False),
        ("vitals_na_plugin_state7.json", 7, True, False),
        ("vitals_na_latch_pressed_state7.json", 7, True, False),
        ("vitals_na_plugin_state2.json", 2, True, False),
        ("vitals_na_plugin_state3.json", 3, True, False),
        ("vitals_na_after_factory_reset.json", 1, False, False),
        # Contactor closed, state 11, 0 A: the car is failing (PCS_a052), nothing flows.
        ("vitals_na_contactor_closed_0a_pcs_a052.json", 11, True, False),
        ("vitals_fw26_connected_idle_relay_k1k2.json", 4, True, False),
        ("vitals_na_charging_30_8a_evcc7599.json", 11, True, True),
        ("vitals_na_charging_40_4a_ha87667.json", 11, True, True),
        ("vitals_eu_three_phase_charging.json", 11, True, True),
        ("vitals_eu_connected_not_charging_state9.json", 9, True, False),
        ("vitals_eu_state8_ha74219.json", 8, True, False),
        ("vitals_eu_idle_fw21_twcmanager.json", 1, False, False),
        ("vitals_eu_idle_fw21_8_5_scrambled.json", 1, False, False),
    ],
)
def test_plugged_and_charging(name: str, state: int, plugged: bool, charging: bool) -> None:
    v = vitals(name)
    assert v.state.code == state
    assert v.plugged is plugged
    assert v.charging is charging


def test_every_vitals_capture_is_in_the_state_table() -> None:
    covered = {n for n in real_captures() if n.startswith("vitals_")}
    assert len(covered) == 16


def test_session_energy_persists_after_unplug() -> None:
    v = vitals("vitals_na_idle_unplugged.json")
    assert v.plugged is False and v.session_energy_wh == 55.6


def test_alert_ids_as_ints() -> None:
    v = vitals("synthetic_vitals_alerts_int.json")
    assert v.current_alerts == (40, 27)
    assert [a.text for a in v.alerts] == ["High handle temperature, charging limited", "alert 27"]
    assert v.charging is True and v.handle_temp_c == 65.2


def test_alert_ids_as_strings() -> None:
    v = vitals("synthetic_vitals_alerts_str.json")
    # A digit string is the same alert as the number; other strings stay as sent.
    assert v.current_alerts == ("alert1", "alert2", 40)
    texts = [a.text for a in v.alerts]
    assert texts[2] == "High handle temperature, charging limited"
    assert "alert1" in texts[0] and "alert2" in texts[1]


def test_no_alerts_in_real_captures() -> None:
    for name in real_captures():
        payload = load(name)
        if isinstance(payload, Vitals):
            assert payload.current_alerts == () and payload.alerts == ()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # 5 276 620 Wh / 1000 / 483 plug-ins = 5276.62 / 483 = 10.924679… kWh
        ("lifetime_fw25.json", 10.924679089),
        # 32 981 753 Wh / 1000 / 1710 = 32981.753 / 1710 = 19.287575… kWh
        ("lifetime_fw26.json", 19.287574854),
        # 270 093 Wh / 1000 / 11 = 270.093 / 11 = 24.553909… kWh
        ("lifetime_old_nan.json", 24.553909091),
    ],
)
def test_kwh_per_plugin(name: str, expected: float) -> None:
    assert lifetime(name).kwh_per_plugin == pytest.approx(expected, abs=1e-8)


def test_kwh_per_plugin_without_plugins() -> None:
    assert Lifetime(energy_wh=1000.0, connector_cycles=0).kwh_per_plugin is None
    assert Lifetime(energy_wh=None, connector_cycles=3).kwh_per_plugin is None


def test_lifetime_charge_starts_equals_contactor_cycles() -> None:
    for name in ("lifetime_fw25.json", "lifetime_fw26.json", "lifetime_old_nan.json"):
        life = lifetime(name)
        assert life.charge_starts == life.contactor_cycles


def test_models_are_frozen() -> None:
    for payload in (Vitals(), Lifetime(), WifiStatus(), Version()):
        with pytest.raises(AttributeError):
            payload.notes = ("x",)  # type: ignore[misc]
