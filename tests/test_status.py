"""``twc-tui status``: exit codes, the JSON document and the 80-column report.

The first half judges reports built from real captures (field notes §3), no network. The
second half runs the command against simulated chargers over real HTTP on loopback.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tests import fixture_data as fx
from twc_tui.commands import status
from twc_tui.commands.status import make_console, render_reports, report_text
from twc_tui.core.config import Settings
from twc_tui.core.models import Lifetime, Version, Vitals, WifiStatus
from twc_tui.core.report import ChargerReport, charger_document, document, exit_code
from twc_tui.core.targets import ChargerConfig
from twc_tui.sim.charger import Faults, SimulatedCharger, SimulatorFarm

HOSTILE = "[b]bold[/b] [@click=app.quit]x[/] \x1b]0;title\x07\x1b[2J\x00" + "Z" * 10_000


def healthy(**vitals: Any) -> ChargerReport:
    """An NA unit charging at 40.4 A (HA #87667), all four endpoints answered."""
    raw = fx.decoded("vitals_na_charging_40_4a_ha87667.json") | vitals
    return ChargerReport(
        ChargerConfig("192.168.1.50", name="Garage"),
        vitals=Vitals.from_json(raw),
        lifetime=fx.lifetime("lifetime_fw26.json"),
        wifi=fx.wifi("synthetic_wifi_ssid_base64.json"),
        version=fx.version("version_fw26_ieee1547.json"),
    )


def unreachable() -> ChargerReport:
    return ChargerReport(ChargerConfig("192.168.1.51"),
                         errors={"vitals": "connection refused by 192.168.1.51:80"})


# -- exit codes ----------------------------------------------------------------------------


def test_healthy_charger_exits_0() -> None:
    report = healthy()
    assert report.problems() == []
    assert exit_code([report]) == 0


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"current_alerts": [40]}, "alert 40: High handle temperature"),
        ({"current_alerts": ["27"]}, "alert 27"),
        ({"handle_temp_c": 255.0}, "handle_temp_c read 255"),
        ({"evse_state": 12}, "evse_state 12 is not a known state"),
        ({"evse_state": None}, "no evse_state"),
    ],
)
def test_alert_sentinel_or_unknown_state_exits_1(change: dict[str, Any], problem: str) -> None:
    report = healthy(**change)
    assert report.exit_code() == 1
    assert any(problem in p for p in report.problems()), report.problems()


def test_a_failing_secondary_endpoint_exits_1() -> None:
    report = healthy()
    report.errors["lifetime"] = "HTTP 500 from /api/1/lifetime"
    assert exit_code([report]) == 1


def test_precedence_unreachable_beats_attention_beats_ok() -> None:
    assert exit_code([healthy(), healthy(current_alerts=[40]), unreachable()]) == 3
    assert exit_code([healthy(), healthy(current_alerts=[40])]) == 1
    assert exit_code([healthy(), healthy()]) == 0


# -- the JSON document ----------------------------------------------------------------------


def test_json_document_shape_and_decoded_values() -> None:
    report = healthy()
    report.lifetime = fx.lifetime("lifetime_old_nan.json")  # avg_startup_temp: nan
    doc = json.loads(json.dumps(document([report]), allow_nan=False))
    (c,) = doc["chargers"]
    assert c["host"] == "192.168.1.50:80" and c["name"] == "Garage"
    assert c["reachable"] is True and c["error"] is None
    assert c["state"] == {"code": 11, "label": "Charging", "verified": True}
    assert c["plugged"] is True and c["charging"] is True
    assert c["phase_mode"] == "split"
    v = c["vitals"]
    assert c["power_w"] == pytest.approx(v["grid_v"] * v["vehicle_current_a"], abs=0.1)
    assert v["currentA_a"] == 18.7 and v["evse_state"] == 11  # the device's own key names
    assert c["lifetime"]["avg_startup_temp"] is None  # nan -> null
    assert c["wifi"]["ssid"] == "My WiFi" and c["wifi"]["ssid_raw"] == "TXkgV2lGaQ=="
    assert c["wifi"]["ssid_decoded"] is True
    assert c["wifi"]["wifi_rssi"] == -58 and "wifi_ssid" not in c["wifi"]
    assert c["version"]["IEEE1547VfTripsCrc"] == "BB5EABC5"
    assert c["alerts"] == [] and c["extra"] == {} and doc["exit_code"] == 0


def test_json_sentinel_alert_and_unknown_keys() -> None:
    report = healthy(handle_temp_c=255, current_alerts=[40], shiny_new_field=1e999)
    c = json.loads(json.dumps(charger_document(report), allow_nan=False))
    assert c["vitals"]["handle_temp_c"] is None and c["sentinels"] == ["handle_temp_c"]
    assert c["alerts"] == [{"code": 40, "text": "High handle temperature, charging limited"}]
    assert c["extra"] == {"vitals": {"shiny_new_field": None}}  # inf -> null, still valid JSON
    assert c["exit_code"] == 1


def test_json_ssid_that_is_not_base64_is_kept_as_sent() -> None:
    report = healthy()
    report.wifi = fx.wifi("synthetic_wifi_ssid_invalid_utf8.json")
    wifi = charger_document(report)["wifi"]
    assert wifi["ssid"] == wifi["ssid_raw"] and wifi["ssid_decoded"] is False


def test_json_for_an_unreachable_charger() -> None:
    c = charger_document(unreachable())
    assert c["reachable"] is False
    assert c["error"] == "connection refused by 192.168.1.51:80"
    assert c["state"] is None and c["vitals"] is None and c["power_w"] is None
    assert c["exit_code"] == 3


def test_eu_power_is_the_sum_over_phases() -> None:
    report = ChargerReport(ChargerConfig("10.0.0.9"),
                           vitals=fx.vitals("vitals_eu_three_phase_charging.json"))
    v = charger_document(report)["vitals"]
    expected = sum(v[f"voltage{p}_v"] * v[f"current{p}_a"] for p in "ABC")
    assert charger_document(report)["phase_mode"] == "three"
    assert charger_document(report)["power_w"] == pytest.approx(expected, abs=0.1)


# -- the human report -----------------------------------------------------------------------


def lines_of(reports: list[ChargerReport]) -> list[str]:
    return report_text(reports, Settings(), width=80).splitlines()


def test_report_fits_80_columns_and_says_the_key_facts() -> None:
    alert = healthy(current_alerts=[40], handle_temp_c=66.0)
    alert.charger = ChargerConfig("192.168.1.52", name="Driveway")
    lines = lines_of([healthy(), alert, unreachable()])
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    for fact in ("Garage", "Charging (11)", "verified", "9.24 kW", "split-phase",
                 "40.4 A", "My WiFi", "signal 64 %", "26.18.0+g114f7602e40a09", "1457768-02-G",
                 "High handle temperature", "NEEDS A LOOK", "UNREACHABLE",
                 "connection refused by 192.168.1.51:80", "leader", "exit 3"):
        assert fact in text, fact


def test_report_shows_sentinels_unknown_states_and_endpoint_errors() -> None:
    report = healthy(handle_temp_c=255, evse_state=12)
    report.errors["version"] = "invalid JSON from /api/1/version: '<html>'"
    text = "\n".join(lines_of([report]))
    assert "handle ⚠ 255 (sensor failure)" in text
    assert "state 12 (12)" in text and "not a known state" in text
    assert "version: invalid JSON" in text


def test_hostile_strings_print_literally_and_never_as_escapes() -> None:
    report = healthy()
    report.version = Version.from_json({"firmware_version": HOSTILE, "part_number": HOSTILE,
                                        "serial_number": "[red]S[/red]"})
    report.wifi = WifiStatus.from_json({"wifi_ssid": HOSTILE})
    report.vitals = Vitals.from_json(fx.decoded("vitals_na_charging_40_4a_ha87667.json")
                                     | {"current_alerts": [HOSTILE]})
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=True, color_system="256")
    render_reports([report], Settings(), console)
    out = buffer.getvalue()
    assert "\x1b]" not in out and "\x07" not in out and "\x00" not in out
    assert "\x1b[2J" not in out
    plain = report_text([report], Settings())
    assert "[b]bold[/b]" in plain and "[red]S[/red]" in plain and "␛" in plain
    assert max(len(line) for line in plain.splitlines()) <= 80


def test_ascii_console_gets_no_unicode() -> None:
    buffer = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    console = make_console(buffer, width=80)
    assert not console.encoding.startswith("utf")
    render_reports([healthy(handle_temp_c=255), unreachable()], Settings(), console)
    buffer.flush()
    text = buffer.buffer.getvalue().decode("ascii")  # raises if anything non-ASCII slipped
    assert "handle ! 255" in text and "+ verified" in text


def test_idle_unit_reads_zero_power_and_last_session() -> None:
    report = ChargerReport(ChargerConfig("10.0.0.7"),
                           vitals=fx.vitals("vitals_eu_idle_fw21_8_5_scrambled.json"),
                           lifetime=Lifetime())
    assert report.power_w == 0.0 and report.exit_code() == 0
    text = "\n".join(lines_of([report]))
    assert "0.00 kW" in text and "not plugged in" in text and "last session" in text


# -- over real HTTP against simulated chargers (loopback) ------------------------------------

DERATED_S = 24 * 60
""""charging" + this many seconds: past the alert-40 derate (about 23 minutes in)."""


@pytest.fixture
async def farm() -> AsyncIterator[dict[str, SimulatedCharger]]:
    sims = {
        "na": SimulatedCharger("na", scenario="charging", seed=1),
        "eu": SimulatedCharger("eu", scenario="charging", seed=2),
        "idle": SimulatedCharger("na", scenario="idle", seed=3),
    }
    async with SimulatorFarm(list(sims.values())):
        yield sims


def hosts(*sims: SimulatedCharger) -> list[str]:
    return [f"127.0.0.1:{s.port}" for s in sims]


async def run_status(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                     *argv: str) -> tuple[int, str]:
    """``status.main`` in a worker thread, so this loop keeps serving the simulators."""
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    code = await asyncio.to_thread(status.main, ["--config", str(empty), *argv])
    return code, capsys.readouterr().out


async def test_json_against_na_eu_and_idle(farm: dict[str, SimulatedCharger], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out = await run_status(capsys, tmp_path, "--json", *hosts(*farm.values()))
    doc = json.loads(out)
    na, eu, idle = doc["chargers"]
    assert code == 0 and doc["exit_code"] == 0, doc
    for c in (na, eu, idle):
        assert c["reachable"] and c["error"] is None and c["problems"] == []
        assert c["endpoint_errors"] == {} and c["alerts"] == []
        assert c["wifi"]["ssid"] == base64.b64decode(c["wifi"]["ssid_raw"]).decode()
        assert c["version"]["serial_number"] and c["lifetime"]["energy_wh"] > 0
    v = na["vitals"]
    assert na["state"] == {"code": 11, "label": "Charging", "verified": True}
    assert na["plugged"] and na["charging"] and na["phase_mode"] == "split"
    assert na["power_w"] == pytest.approx(v["grid_v"] * v["vehicle_current_a"], abs=0.1)
    assert na["power_w"] > 5000
    v = eu["vitals"]
    assert eu["state"]["code"] == 11 and eu["charging"] and eu["phase_mode"] == "three"
    assert eu["power_w"] == pytest.approx(
        sum(v[f"voltage{p}_v"] * v[f"current{p}_a"] for p in "ABC"), abs=0.1)
    assert eu["power_w"] > 5000
    assert idle["state"]["code"] == 1 and not idle["plugged"] and not idle["charging"]
    assert idle["power_w"] == 0.0


async def test_polite_one_request_at_a_time_each_endpoint_once(
    farm: dict[str, SimulatedCharger], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await run_status(capsys, tmp_path, *hosts(*farm.values()))
    for sim in farm.values():
        assert sim.max_in_flight == 1
        assert Counter((r.method, r.path) for r in sim.log) == Counter(
            ("GET", f"/api/1/{e}") for e in ("vitals", "lifetime", "wifi_status", "version"))


async def test_alert_40_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async with SimulatedCharger("na", scenario="charging", start_at_s=DERATED_S) as hot:
        code, out = await run_status(capsys, tmp_path, "--json", *hosts(hot))
    (c,) = json.loads(out)["chargers"]
    assert code == 1
    assert c["alerts"] == [{"code": 40, "text": "High handle temperature, charging limited"}]
    assert c["state"]["code"] == 11  # a real derate stays in 11


async def test_unreachable_exits_3_and_the_others_still_report(
    farm: dict[str, SimulatedCharger], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = await run_status(capsys, tmp_path, *hosts(farm["na"]), "127.0.0.1:9=Dead")
    assert code == 3
    assert "Dead" in out and "connection refused" in out and "Charging (11)" in out


@pytest.mark.parametrize(("faults", "words"), [
    (Faults(status=500), "HTTP 500 from /api/1/vitals"),
    (Faults(stall_s=5.0), "timed out after 0.6 s"),
    (Faults(wrong_shape="array"), "expected a JSON object, got an array"),
])  # fmt: skip
async def test_a_failing_vitals_is_unreachable_in_words(
    faults: Faults, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with SimulatedCharger("eu", scenario="idle", faults=faults) as sim:
        code, out = await run_status(capsys, tmp_path, "--json", "--timeout", "0.2", *hosts(sim))
        (c,) = json.loads(out)["chargers"]
        assert code == 3 and c["reachable"] is False and words in c["error"]
        if faults.stall_s:  # a silent charger is not asked three more times
            assert sim.max_in_flight == 1 and all(r.path == "/api/1/vitals" for r in sim.log)
            assert all(c["endpoint_errors"][e].startswith("skipped")
                       for e in ("lifetime", "wifi_status", "version"))


async def test_hostile_charger_report_is_safe_at_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with SimulatedCharger("na", scenario="charging", faults=Faults(hostile=True)) as sim:
        code, out = await run_status(capsys, tmp_path, *hosts(sim))
        json_code, doc = await run_status(capsys, tmp_path, "--json", *hosts(sim))
    assert code == json_code == 1  # hostile alert values are alerts
    assert "\x1b" not in out and "\x07" not in out and "\x00" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "[b]" in out and "Charging (11)" in out
    assert doc.isascii() and json.loads(doc)["chargers"][0]["extra"]["vitals"]


async def test_end_to_end_subprocess_report(farm: dict[str, SimulatedCharger],
                                            tmp_path: Path) -> None:
    """The installed entry point as a user runs it, stdout a pipe, TERM=dumb."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "twc_tui", "status", *hosts(farm["na"], farm["idle"]),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "TERM": "dumb"},
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    text = out.decode()
    assert proc.returncode == 0, err.decode()
    assert "\x1b" not in text  # no colour codes into a pipe
    assert "Charging (11)" in text and "No vehicle (1)" in text and "0 unreachable" in text
    assert max(len(line) for line in text.splitlines()) <= 80


async def test_a_charger_listed_twice_is_polled_once_and_quiet_prints_nothing(
    farm: dict[str, SimulatedCharger], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    na = farm["na"]
    code, out = await run_status(capsys, tmp_path, "-q", *hosts(na, na))
    assert code == 0 and out == ""
    assert na.max_in_flight == 1
    assert [r.path for r in na.log].count("/api/1/vitals") == 1
