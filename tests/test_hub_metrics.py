"""``/metrics``: what a Prometheus scrape receives. Crafted poll outcomes go through the one
path every outcome takes (``engine.apply``), so each case is exact; then ``promtool`` checks a
real scrape, and a real Prometheus server scrapes the hub and answers a query."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.fixture_data import decoded
from tests.hub_rig import HubRig, sim
from twc_tui.core.client import Unreachable
from twc_tui.core.clock import FixedClock
from twc_tui.core.models import parse
from twc_tui.engine.poller import PollFailure, PollSuccess

AT = 1_795_000_000.0
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def answer(engine, charger: str, endpoint: str, raw: dict) -> None:  # type: ignore[no-untyped-def]
    engine.apply(PollSuccess(charger, endpoint, parse(endpoint, raw), AT, 0.01, raw))


def series(text: str) -> dict[str, float]:
    """``name{labels}`` to value, from the text format."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


async def test_every_series_with_units_labels_and_sentinels_absent() -> None:
    async with HubRig([sim()], ["Garage"], start_engine=False, proxies=False) as rig:
        engine, cid = rig.engine, rig.chargers[0].id
        answer(engine, cid, "vitals", {**decoded("synthetic_vitals_sentinel_255.json"),
                                       "current_alerts": [40]})
        answer(engine, cid, "lifetime", decoded("lifetime_fw26.json"))
        answer(engine, cid, "wifi_status", decoded("synthetic_wifi_ssid_base64.json"))
        answer(engine, cid, "version", {**decoded("version_fw26_ieee1547.json"),
                                        "serial_number": 'PGT\x1b[31m"evil"\n}'})
        engine.apply(PollFailure(cid, "wifi_status", Unreachable("refused"), AT, 0, False, 30))
        text = (await rig.http.get("/metrics")).text
    got = series(text)
    g = '{charger="garage"}'
    assert got[f"twc_up{g}"] == 1.0
    assert got[f"twc_power_watts{g}"] == pytest.approx(252.4 * 40.0)
    assert got[f"twc_vehicle_current_amperes{g}"] == 40.0
    assert got[f"twc_grid_voltage_volts{g}"] == 252.4
    assert got[f"twc_grid_frequency_hertz{g}"] == 59.875
    assert got['twc_phase_current_amperes{charger="garage",phase="b"}'] == 40.0
    assert got['twc_phase_voltage_volts{charger="garage",phase="c"}'] == 118.5
    # handle and mcu read the 255 sentinel: no series; pcba is real.
    temps = [k for k in got if k.startswith("twc_temperature_celsius")]
    assert temps == ['twc_temperature_celsius{charger="garage",sensor="pcba"}']
    assert got[f"twc_evse_state{g}"] == 11.0
    assert got[f"twc_vehicle_connected{g}"] == 1.0 and got[f"twc_contactor_closed{g}"] == 1.0
    assert got['twc_alert_active{charger="garage",code="40"}'] == 1.0
    assert got[f"twc_session_energy_joules{g}"] == pytest.approx(44.0 * 3600)
    assert got[f"twc_session_duration_seconds{g}"] == 53.0
    assert got[f"twc_uptime_seconds{g}"] == 2671492.0
    lifetime = decoded("lifetime_fw26.json")
    assert got[f"twc_lifetime_energy_joules_total{g}"] == lifetime["energy_wh"] * 3600
    assert got[f"twc_lifetime_charge_starts_total{g}"] == lifetime["charge_starts"]
    assert got[f"twc_wifi_rssi_dbm{g}"] == -58.0
    assert got['twc_wifi_info{charger="garage",ssid="My WiFi"}'] == 1.0  # decoded
    info = next(k for k in got if k.startswith("twc_info{"))
    assert "\x1b" not in info and "\n" not in info.replace("\\n", "")
    assert 'serial="PGT␛[31m\\"evil\\"␊}"' in info
    assert got['twc_last_success_timestamp_seconds{charger="garage",endpoint="vitals"}'] == AT
    assert got['twc_poll_requests_total{charger="garage",endpoint="vitals",result="ok"}'] == 1
    assert got['twc_poll_requests_total{charger="garage",endpoint="wifi_status",'
               'result="unreachable"}'] == 1
    for name in ("twc_power_watts", "twc_lifetime_energy_joules"):
        assert f"# TYPE {name}" in text
    assert "# TYPE twc_lifetime_energy_joules_total counter" in text
    assert "# TYPE twc_power_watts gauge" in text


async def test_offline_keeps_up_zero_and_drops_device_series_openmetrics_on_request() -> None:
    async with HubRig([sim()], ["Garage"], start_engine=False, proxies=False) as rig:
        engine, cid = rig.engine, rig.chargers[0].id
        before = series((await rig.http.get("/metrics")).text)
        assert before == {'twc_up{charger="garage"}': 0.0}  # nothing known yet
        answer(engine, cid, "vitals", decoded("vitals_na_charging_40a.json"))
        for n in (1, 2, 3):
            engine.apply(PollFailure(cid, "vitals", Unreachable("refused"), AT + n, n, n >= 3,
                                     5))
        scrape = await rig.http.get("/metrics", headers={"Accept": OPENMETRICS})
    assert scrape.headers["Content-Type"].startswith("application/openmetrics-text")
    assert scrape.text.endswith("# EOF\n")
    names = {re.split(r"[{ ]", line)[0] for line in scrape.text.splitlines()
             if line and not line.startswith("#")}
    assert names == {"twc_up", "twc_last_success_timestamp_seconds", "twc_poll_requests_total"}
    assert 'twc_up{charger="garage"} 0.0' in scrape.text


PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (Debian package "
                    "prometheus; .ci/run installs it)")
async def test_promtool_accepts_a_live_scrape() -> None:
    async with HubRig([sim(), sim("idle", seed=2)], ["Garage"], proxies=False) as rig:
        await rig.answered()
        text = (await rig.http.get("/metrics")).text
    checked = subprocess.run([PROMTOOL, "check", "metrics"], input=text, text=True,
                             capture_output=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(PROMETHEUS is None, reason="prometheus not installed (Debian package "
                    "prometheus; .ci/run installs it)")
async def test_a_real_prometheus_scrapes_the_hub_and_answers_with_the_chargers_power(
        tmp_path: Path) -> None:
    frozen = FixedClock()  # the simulator's and the hub's time stand still: power is fixed
    async with HubRig([sim(seed=3, clock=frozen)], ["Garage"], clock=FixedClock(),
                      proxies=False) as rig:
        await rig.answered(["vitals"])
        raw = (await rig.http.get("/c/garage/api/1/vitals")).json()
        power = raw["grid_v"] * raw["vehicle_current_a"]  # NA split-phase, as sent
        target = rig.url.removeprefix("http://")
        port = _free_port()
        (tmp_path / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"scrape_configs:\n  - job_name: twc\n    static_configs:\n"
            f"      - targets: ['{target}']\n")
        server = await asyncio.create_subprocess_exec(
            PROMETHEUS, f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        value = None
        try:
            async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
                async with asyncio.timeout(60):
                    while value is None:
                        await asyncio.sleep(0.5)
                        try:
                            answer_ = await client.get(
                                f"http://127.0.0.1:{port}/api/v1/query",
                                params={"query": 'twc_power_watts{charger="garage"}'})
                        except httpx.TransportError:
                            continue  # not listening yet
                        result = answer_.json().get("data", {}).get("result", [])
                        if result:
                            value = float(result[0]["value"][1])
        finally:
            server.terminate()
            await asyncio.wait_for(server.wait(), 20)
    assert value == pytest.approx(power, rel=1e-9)
