"""The simulated charger: realistic payloads, the scripted day, faults, the farm and the CLI.

Everything runs on 127.0.0.1 with ephemeral ports. Time-dependent tests drive the simulator
with a hand-set clock, so "a simulated day" costs no real time and always gives the same day.
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
import time
from typing import Any

import httpx
import pytest

from twc_tui.commands import simulate
from twc_tui.core import models
from twc_tui.core.clock import Clock
from twc_tui.core.json_repair import tolerant_json
from twc_tui.sim.charger import BROKEN_PATHS, SimulatedCharger, SimulatorFarm
from twc_tui.sim.faults import FAULT_HELP, Faults

ENDPOINTS = ("vitals", "lifetime", "wifi_status", "version")


class ManualClock(Clock):
    """Simulated time that moves only when a test sets it."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


async def get(sim: SimulatedCharger, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False) as http:
        return await http.get(sim.url + path, **kwargs)


async def vitals_at(sim: SimulatedCharger, clock: ManualClock, t: float) -> dict[str, Any]:
    clock.now = t
    return tolerant_json((await get(sim, "/api/1/vitals")).text)


# --- payloads ---------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["na", "eu", "old"])
async def test_every_endpoint_parses_with_no_notes(profile: str) -> None:
    clock = ManualClock()
    async with SimulatedCharger(profile, clock=clock, seed=5) as sim:
        for t in (0.0, 7.5 * 3600 + 2, 18 * 3600 + 600, 18 * 3600 + 1700, 22.6 * 3600):
            clock.now = t
            for endpoint in ENDPOINTS:
                response = await get(sim, f"/api/1/{endpoint}")
                assert response.status_code == 200
                assert response.headers["content-type"] == "application/json"
                assert ", " not in response.text and '": ' not in response.text  # compact
                payload = models.parse(endpoint, tolerant_json(response.text))
                assert payload.notes == (), (endpoint, payload.notes)
                assert dict(payload.extra) == {}, endpoint
        clock.now = 0.0
        text = (await get(sim, "/api/1/vitals")).text
        assert re.search(r'"session_energy_wh":\d+\.\d{3},', text)
        lifetime = (await get(sim, "/api/1/lifetime")).text
        assert re.search(r'"energy_wh":\d+,', lifetime)
        version = tolerant_json((await get(sim, "/api/1/version")).text)
        vitals = tolerant_json(text)
        wifi = models.WifiStatus.from_json(tolerant_json((await get(sim, "/api/1/wifi_status"))
                                                          .text))
    assert wifi.ssid_decoded and wifi.ssid_decoded != wifi.wifi_ssid  # base64 on the wire
    assert 40 <= (wifi.wifi_signal_strength or 0) <= 90
    if profile == "na":
        assert len(version) == 8 and "IEEE1547VfTripsCrc" in version
        assert "relay_k1_v" in vitals and "relay_coil_v" not in vitals
        assert vitals["evse_not_ready_reasons"] == [4, 8]
    elif profile == "eu":
        assert len(version) == 5 and "relay_coil_v" in vitals
    else:
        assert len(version) == 3 and "evse_not_ready_reasons" not in vitals
        assert '"avg_startup_temp":nan,' in lifetime


async def test_paths_and_methods() -> None:
    async with SimulatedCharger() as sim, httpx.AsyncClient(trust_env=False) as http:
        for path in sorted(BROKEN_PATHS):
            assert (await http.get(sim.url + path)).status_code == 500, path
        for path in ("/api/2/vitals", "/tedapi/v1", "/", "/api/1/vitals/x", "/update"):
            assert (await http.get(sim.url + path)).status_code == 404, path
        for method in ("POST", "PUT", "DELETE", "PATCH", "HEAD"):
            response = await http.request(method, sim.url + "/api/1/vitals")
            assert response.status_code == 405, method
            assert response.headers["allow"] == "GET"
        assert (await http.get(sim.url + "/api/1/vitals?x=1")).status_code == 200
    assert [r.method for r in sim.log][-6:-1] == ["POST", "PUT", "DELETE", "PATCH", "HEAD"]
    assert len({r.peer for r in sim.log}) == 1  # one kept-alive connection throughout


async def test_connection_close_is_honoured() -> None:
    async with SimulatedCharger() as sim, httpx.AsyncClient(trust_env=False) as http:
        first = await http.get(sim.url + "/api/1/version", headers={"Connection": "close"})
        assert first.headers["connection"] == "close"
        await http.get(sim.url + "/api/1/version")
    assert sim.log[0].peer != sim.log[1].peer


# --- the scripted day -------------------------------------------------------------------


def scan(sim: SimulatedCharger, clock: ManualClock, end: float,
         moments: list[float]) -> list[tuple[float, dict[str, Any]]]:
    """Vitals every 30 simulated seconds, and every second around each of ``moments``,
    straight from the payload builder (HTTP is tested elsewhere; this is about the script)."""
    times = set(range(0, int(end), 30))
    for moment in moments:
        times.update(range(int(moment) - 40, int(moment) + 40))
    out = []
    for t in sorted(x for x in times if 0 <= x < end):
        clock.now = float(t)
        out.append((float(t), sim.payload("vitals")))
    return out


async def test_scripted_day_at_high_speed() -> None:
    clock = ManualClock()
    sim = SimulatedCharger("na", clock=clock, seed=2)
    await sim.start()
    try:
        segments = sim.timeline(0, 86_400)
        phases = [s.phase for s in segments]
        assert phases == ["idle", "handshake", "connected", "waiting", "charging", "complete",
                          "unplugging", "idle", "handshake", "connected", "waiting",
                          "charging", "derate", "derated", "complete", "unplugging", "idle"]
        end = 86_400 + 8 * 3600
        moments = [s.start_s for s in sim.timeline(0, end)] + [3 * 3600, 86_400 + 3 * 3600]
        samples = scan(sim, clock, end, moments)
    finally:
        await sim.stop()

    states = [v["evse_state"] for _, v in samples]
    compressed = [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]
    session = [1, 7, 4, 9, 11, 9, 7, 1]
    assert compressed == session + session[1:] + session[1:5]  # two sessions, then the next day

    # Charging: contactor closed, full current after the ramp, reasons [1].
    charging = [v for _, v in samples if v["evse_state"] == 11 and not v["current_alerts"]]
    assert all(v["contactor_closed"] and v["evse_not_ready_reasons"] == [1] for v in charging)
    assert max(v["vehicle_current_a"] for v in charging) == pytest.approx(48, abs=0.6)

    # The thermal derate: alert 40 at a 65 °C handle, current halves at once, state stays 11,
    # the alert clears near 60 °C and the derate lasts to the end of the charge.
    derate = next(s for s in segments if s.phase == "derate")
    before = [v for t, v in samples if derate.start_s - 60 < t < derate.start_s]
    alert = [v for t, v in samples if 40 in v["current_alerts"]]
    after = [v for t, v in samples if derate.end_s < t < derate.end_s + 3600]
    assert alert and all(v["evse_state"] == 11 for v in alert)
    assert alert[0]["handle_temp_c"] == pytest.approx(65, abs=0.5)
    assert before[0]["handle_temp_c"] < 64.8 and all(v["vehicle_current_a"] > 46 for v in before)
    assert all(v["vehicle_current_a"] == pytest.approx(24, abs=0.6) for v in alert + after)
    assert alert[-1]["handle_temp_c"] == pytest.approx(60, abs=0.6)
    assert all(v["evse_state"] == 11 and not v["current_alerts"] for v in after)

    # Unplug: session energy persists with nothing connected, then resets at the next plug-in.
    unplug = next(t for t, v in samples if t > derate.end_s and v["evse_state"] == 1)
    idle_after = [v for t, v in samples if unplug <= t < unplug + 3600]
    energy = idle_after[0]["session_energy_wh"]
    assert energy > 15_000 and not idle_after[0]["vehicle_connected"]
    assert all(v["session_energy_wh"] == energy and v["session_s"] == 0 for v in idle_after)
    plug = next(t for t, v in samples if t > 86_400 and v["evse_state"] == 7)
    first = dict(samples)[plug]
    assert first["session_energy_wh"] == 0.0 and first["session_s"] < 3
    assert first["evse_not_ready_reasons"] == [4]

    # session_s counts from plug-in, charging or not.
    waiting = [v for t, v in samples if 7.5 * 3600 < t < 7.5 * 3600 + 80]
    assert [v["session_s"] for v in waiting] == sorted(v["session_s"] for v in waiting)
    assert waiting[-1]["session_s"] >= 70 and not waiting[-1]["contactor_closed"]

    # The daily reboot at 03:00: uptime drops, the session energy shown resets.
    uptimes = [(t, v["uptime_s"]) for t, v in samples]
    drops = [t for (t, u), (_, prev) in zip(uptimes[1:], uptimes, strict=False) if u < prev]
    assert drops == [3 * 3600, 86_400 + 3 * 3600]


async def test_lifetime_counters_advance_plausibly() -> None:
    clock = ManualClock()
    async with SimulatedCharger("na", clock=clock) as sim:
        start = sim.scenario.lifetime(sim.script_time())
        evening = [s for s in sim.timeline(0, 86_400) if s.phase != "idle"][-1]

        async def lifetime(t: float) -> models.Lifetime:
            clock.now = t
            return models.Lifetime.from_json(tolerant_json((await get(sim, "/api/1/lifetime"))
                                                           .text))

        before = await lifetime(evening.end_s - 1)
        after = await lifetime(evening.end_s + 1)
        vitals = models.Vitals.from_json(await vitals_at(sim, clock, evening.end_s + 1))
        day = await lifetime(86_400)
    assert before.connector_cycles == start["connector_cycles"] + 2
    assert before.contactor_cycles == before.charge_starts == start["contactor_cycles"] + 2
    assert before.thermal_foldbacks == start["thermal_foldbacks"] + 1
    # energy_wh moves only when a session ends, by that session's energy.
    morning_wh = (before.energy_wh or 0) - start["energy_wh"]
    assert 5000 < morning_wh < 7000
    assert (after.energy_wh or 0) - (before.energy_wh or 0) == pytest.approx(
        vitals.session_energy_wh, abs=1)
    assert day.uptime_s == start["uptime_s"] + 86_400
    assert (day.charging_time_s or 0) - start["charging_time_s"] == 45 * 60 + 3 * 3600


async def test_real_clock_speed_plays_a_plug_in() -> None:
    # "plugin": plugged in after 30 simulated s; at speed 120 that is 0.25 real s.
    seen: list[int] = []
    async with SimulatedCharger("na", scenario="plugin", speed=120) as sim, \
            httpx.AsyncClient(trust_env=False) as http:
        started = time.monotonic()
        while 11 not in seen and time.monotonic() - started < 5:
            body = (await http.get(sim.url + "/api/1/vitals")).json()
            if not seen or seen[-1] != body["evse_state"]:
                seen.append(body["evse_state"])
            await asyncio.sleep(0.01)
        elapsed = time.monotonic() - started
        assert sim.sim_time() == pytest.approx(elapsed * 120, rel=0.2, abs=3)
    assert seen == [1, 7, 4, 9, 11]


async def test_reboot_resets_uptime_and_session() -> None:
    clock = ManualClock()
    async with SimulatedCharger("na", scenario="charging", clock=clock) as sim:
        clock.now = 600
        lifetime_before = sim.scenario.lifetime(sim.script_time())
        before = await vitals_at(sim, clock, 600)
        sim.reboot()
        just = await vitals_at(sim, clock, 601)
        resumed = await vitals_at(sim, clock, 640)
        lifetime_after = sim.scenario.lifetime(sim.script_time())
    assert before["uptime_s"] > 100_000 and before["session_energy_wh"] > 1000
    assert just["uptime_s"] == 1 and just["session_s"] == 1
    assert just["evse_state"] == 7 and not just["contactor_closed"]
    assert just["session_energy_wh"] == 0.0
    assert resumed["evse_state"] == 11 and resumed["contactor_closed"]
    assert 0 < resumed["session_energy_wh"] < 1000
    assert lifetime_after["contactor_cycles"] == lifetime_before["contactor_cycles"] + 1
    assert lifetime_after["uptime_s"] == lifetime_before["uptime_s"] + 40


# --- physics ----------------------------------------------------------------------------


async def sample(profile: str, scenario: str, n: int = 30) -> list[models.Vitals]:
    clock = ManualClock()
    async with SimulatedCharger(profile, scenario=scenario, clock=clock, seed=9) as sim:
        out = []
        for i in range(n):
            out.append(models.Vitals.from_json(await vitals_at(sim, clock, 60.0 + i * 7)))
        return out


async def test_na_split_phase_power_is_grid_v_times_current() -> None:
    for v in await sample("na", "charging"):
        assert v.grid_v is not None and v.vehicle_current_a is not None
        assert 240 <= v.grid_v <= 252 and 59.9 <= (v.grid_hz or 0) <= 60.0
        assert v.voltageC_v == pytest.approx(v.grid_v / 2, abs=5)
        assert v.detect_phase_mode() == "split"
        power = v.power_w()
        assert power == pytest.approx(v.grid_v * v.vehicle_current_a)
        assert 11_000 < (power or 0) < 12_300
        # Σ V×I over the three reported phases overstates split-phase power (field notes §6).
        assert (v.power_w("three") or 0) > 1.25 * (power or 0)


async def test_old_na_layout_puts_the_current_on_b() -> None:
    for v in await sample("old", "charging", 5):
        assert v.currentA_a == v.currentC_a == 0.0
        assert v.currentB_a == v.currentN_a == v.vehicle_current_a
        assert v.voltageA_v == pytest.approx(118, abs=8)
        assert v.detect_phase_mode() == "split"


async def test_eu_three_phase_power_is_the_sum_over_phases() -> None:
    for v in await sample("eu", "charging"):
        assert 49.95 <= (v.grid_hz or 0) <= 50.05
        assert v.detect_phase_mode() == "three"
        for volts, amps in ((v.voltageA_v, v.currentA_a), (v.voltageB_v, v.currentB_a),
                            (v.voltageC_v, v.currentC_a)):
            assert 220 <= (volts or 0) <= 242
            assert amps == pytest.approx(v.vehicle_current_a, abs=0.5)
        assert (v.currentN_a or 0) < 1
        assert v.power_w() == pytest.approx(3 * 230 * 16, rel=0.06)


@pytest.mark.parametrize("profile", ["na", "eu"])
async def test_idle_noise_is_not_power(profile: str) -> None:
    for v in await sample(profile, "idle", 10):
        assert v.contactor_closed is False and v.power_w() == 0.0
        assert 0.2 <= (v.vehicle_current_a or 0) <= 0.6
        assert all(0 <= (x or 0) < 10 for x in (v.voltageA_v, v.voltageB_v, v.voltageC_v))
        assert v.pilot_high_v == pytest.approx(11.8, abs=0.3)


# --- going away, the log, in-flight -----------------------------------------------------


async def test_go_offline_refuses_then_comes_back_on_the_same_port() -> None:
    async with SimulatedCharger() as sim, httpx.AsyncClient(trust_env=False) as http:
        port = sim.port
        await sim.go_offline(None)
        with pytest.raises(httpx.ConnectError):
            await http.get(sim.url + "/api/1/vitals")
        await sim.come_back()
        assert sim.port == port
        assert (await http.get(sim.url + "/api/1/vitals")).status_code == 200
        await sim.go_offline(0.2)
        with pytest.raises(httpx.ConnectError):
            await http.get(sim.url + "/api/1/vitals")
        await asyncio.sleep(0.4)
        assert sim.online and sim.port == port
        assert (await http.get(sim.url + "/api/1/vitals")).status_code == 200


async def test_request_log_and_max_in_flight() -> None:
    async with SimulatedCharger(faults=Faults(latency_s=0.2)) as sim, \
            httpx.AsyncClient(trust_env=False) as http:
        paths = [f"/api/1/{e}" for e in ENDPOINTS]
        responses = await asyncio.gather(*(http.get(sim.url + p) for p in paths))
        assert [r.status_code for r in responses] == [200] * 4
        assert sim.max_in_flight == 4 and sim.in_flight == 0
        sim.faults.latency_s = 0.0
        await http.get(sim.url + "/api/1/vitals")
        assert sim.max_in_flight == 4
    assert sorted(r.path for r in list(sim.log)[:4]) == sorted(paths)
    for record in sim.log:
        assert record.method == "GET" and record.status == 200
        assert record.started <= record.ended
        assert record.peer.startswith("127.0.0.1:")
    assert sim.log[0].ended - sim.log[0].started >= 0.2


def test_faults_parse() -> None:
    faults = Faults.parse("latency=0.5, error_rate=0.2,truncate_rate=0.1,hostile,status=503,"
                          "wrong_shape=array,seed=4,stall_s=20,missing_fields=off")
    assert (faults.latency_s, faults.error_rate, faults.truncate_rate) == (0.5, 0.2, 0.1)
    assert faults.hostile and faults.status == 503 and faults.wrong_shape == "array"
    assert faults.seed == 4 and faults.stall_s == 20 and not faults.missing_fields
    assert Faults.parse("") == Faults()
    for field in ("latency", "stall", "error_rate", "status", "truncate_rate", "reset_rate",
                  "html", "empty", "garbage", "oversize", "wrong_shape", "wrong_types",
                  "missing_fields", "extra_fields", "hostile", "sentinel_rate", "seed"):
        assert re.search(rf"^  {field}\b", FAULT_HELP, re.M), field
    for bad, message in (("bogus", "unknown fault 'bogus'"), ("latency=x", "needs a number"),
                         ("error_rate=2", "between 0 and 1"), ("status=99", "HTTP status"),
                         ("wrong_shape=dict", "'array' or 'string'"),
                         ("hostile=maybe", "on or off"), ("latency", "needs a value")):
        with pytest.raises(ValueError, match=re.escape(message)):
            Faults.parse(bad)


async def test_demo_farm() -> None:
    farm = SimulatorFarm.demo(speed=20)
    async with farm:
        assert [c.profile for c in farm.chargers] == ["na", "eu", "na"]
        assert len({c.port for c in farm.chargers}) == 3
        states = [(await get(c, "/api/1/vitals")).json()["evse_state"] for c in farm.chargers]
        assert states == [11, 11, 1]
        # Within a simulated minute...: the EU unit derates at 300 s, the idle one plugs in
        # at 30 s (1.5 real s at speed 20); the NA one derates within 25 simulated minutes.
        assert any(s.phase == "derate" and s.start_s == pytest.approx(300, abs=1)
                   for s in farm.chargers[1].timeline(0, 600))
        assert next(s for s in farm.chargers[2].timeline(0, 600)
                    if s.phase == "handshake").start_s == pytest.approx(30)
        assert any(s.phase == "derate" for s in farm.chargers[0].timeline(0, 25 * 60))


def test_monitor_start_demo_uses_the_farm() -> None:
    from twc_tui.commands.demo import start_demo

    chargers, stop = start_demo(speed=20)
    try:
        assert [c.max_current_a for c in chargers] == [48.0, 16.0, 48.0]
        response = httpx.get(f"http://127.0.0.1:{chargers[0].port}/api/1/vitals",
                             trust_env=False)
        assert response.status_code == 200
    finally:
        stop()


# --- the command ------------------------------------------------------------------------


async def test_simulate_command_serves_until_sigint() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "twc_tui", "simulate", "--port", "0", "--count", "2",
        "--speed", "60", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        lines = [await asyncio.wait_for(proc.stdout.readline(), 10) for _ in range(2)]
        urls = [re.match(rb"(http://127\.0\.0\.1:\d+)\s", line) for line in lines]
        assert all(urls), lines
        async with httpx.AsyncClient(trust_env=False) as http:
            for url in urls:
                base = url.group(1).decode()  # type: ignore[union-attr]
                vitals = await http.get(base + "/api/1/vitals")
                assert models.Vitals.from_json(tolerant_json(vitals.text)).notes == ()
                assert (await http.get(base + "/api/1/status")).status_code == 500
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 10)
        err = (await proc.stderr.read()).decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert code == 0, err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["--port", "70000"], ["--port", "-1"], ["--profile", "jp"], ["--scenario", "week"],
    ["--faults", "bogus"], ["--faults", "error_rate=5"], ["--speed", "0"], ["--count", "0"],
    ["--port", "65535", "--count", "2"], ["--offline-every", "-1"], ["--frobnicate"],
])
def test_simulate_bad_input(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert simulate.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("twc-tui simulate: "), err


def test_simulate_help_documents_every_fault(capsys: pytest.CaptureFixture[str]) -> None:
    assert simulate.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert FAULT_HELP in out and "--offline-every" in out


def test_simulate_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert simulate.main(["--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in err
