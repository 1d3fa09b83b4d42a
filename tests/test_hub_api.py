"""The hub's JSON API over real loopback, against simulated chargers: what a client gets."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime

from tests.hub_rig import HubRig, sim
from twc_tui.core.clock import FixedClock


async def test_chargers_lists_every_charger_in_order_with_its_state() -> None:
    async with HubRig([sim(), sim("idle", seed=2)], ["Garage"]) as rig:
        chargers = await rig.answered()
        assert [c["id"] for c in chargers] == ["garage", f"127-0-0-1-{rig.sims[1].port}"]
        garage, other = chargers
        assert garage["name"] == "Garage" and garage["host"] == f"127.0.0.1:{rig.sims[0].port}"
        assert garage["online"] is True and garage["state"]["code"] == 11
        assert garage["power_w"] > 1000 and other["power_w"] == 0
        assert garage["raw"]["vitals"]["evse_state"] == 11
        assert "log" not in garage
        full = (await rig.http.get("/api/chargers?full=1")).json()["chargers"][0]
        assert [e["charger"] for e in full["log"]] == ["garage"] * len(full["log"])
        assert full["log"][0]["text"].startswith("First answer")


async def test_an_endpoint_is_the_devices_last_answer_with_its_age() -> None:
    clock = FixedClock()
    async with HubRig([sim()], ["Garage"], clock=clock) as rig:
        await rig.answered()
        state = rig.engine.states[rig.chargers[0].id]
        clock.advance(42.7)
        answer = await rig.http.get("/c/garage/api/1/vitals")
        assert answer.status_code == 200
        assert answer.json() == dict(state.raw["vitals"])
        assert answer.headers["Age"] == "42"
        fetched = datetime.fromisoformat(answer.headers["X-TWC-Fetched-At"])
        assert abs(fetched.timestamp() - state.updated["vitals"]) < 1.0
        assert answer.headers["X-TWC-Fetched-At"].endswith("Z")
        for endpoint in ("lifetime", "wifi_status", "version"):
            assert (await rig.http.get(f"/c/garage/api/1/{endpoint}")).json() == dict(
                state.raw[endpoint])
        assert (await rig.http.get("/c/garage/api/1/status")).status_code == 404
        assert (await rig.http.get("/c/nowhere/api/1/vitals")).status_code == 404


async def test_503_before_the_first_answer_and_while_offline_never_stale_data() -> None:
    down = sim()
    async with HubRig([sim(), down], ["Up", "Down"], start_engine=False) as rig:
        await down.go_offline()  # refuses connections from the start: before the first poll
        await rig.engine.start()
        async with asyncio.timeout(10):
            while "vitals" not in (await rig.http.get("/api/chargers")).json()[
                    "chargers"][0]["updated"]:
                await asyncio.sleep(0.05)
        answer = await rig.http.get("/c/down/api/1/vitals")
        assert answer.status_code == 503
        assert int(answer.headers["Retry-After"]) > 0
        assert "no answer" in answer.json()["error"]
    # Answered, then gone: after three failed polls it is offline and 503 again.
    gone = sim()
    async with HubRig([gone], ["Gone"]) as rig:
        await rig.answered()
        assert (await rig.http.get("/c/gone/api/1/vitals")).status_code == 200
        await gone.go_offline()
        async with asyncio.timeout(15):
            while not rig.engine.states[rig.chargers[0].id].offline:
                await asyncio.sleep(0.1)
        answer = await rig.http.get("/c/gone/api/1/vitals")
        assert answer.status_code == 503 and "offline" in answer.json()["error"]
        assert "Age" not in answer.headers
        doc = (await rig.http.get("/api/chargers")).json()["chargers"][0]
        assert doc["online"] is False and doc["offline"] is True


async def test_history_serves_a_chart_range() -> None:
    async with HubRig([sim()], ["Garage"]) as rig:
        await rig.answered(["vitals"])
        doc = (await rig.http.get("/c/garage/history", params={"range": "5m"})).json()
        assert doc["range"] == "5m" and doc["t"]
        assert doc["values"]["power_kw"][-1] > 1.0
        bad = await rig.http.get("/c/garage/history", params={"range": "7m"})
        assert bad.status_code == 400 and "5m, 1h, 24h" in bad.json()["error"]


async def test_sessions_are_what_twc_tui_sessions_json_prints(tmp_path) -> None:
    db = tmp_path / "history.db"
    charger = sim()
    async with HubRig([charger], ["Garage"], db=db, proxies=False) as rig:
        await rig.answered(["vitals"])
    # A second hub on the same database: the first one's session was flushed at its stop.
    async with HubRig([sim()], ["Garage"], db=db, proxies=False) as rig:
        served = (await rig.http.get("/api/sessions", params={"since": "0"})).json()
        bad = await rig.http.get("/api/sessions", params={"since": "yesterday"})
        assert bad.status_code == 400
        cli = subprocess.run([sys.executable, "-m", "twc_tui", "sessions", "--json",
                              "--db", str(db)], capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    printed = json.loads(cli.stdout)
    assert served["sessions"] and served["sessions"][0]["charger"] == "Garage"
    # The live recorder may have extended the open session since; the fields are the same.
    assert [sorted(s) for s in served["sessions"]] == [sorted(s) for s in printed]
    assert served["sessions"][0]["started"] == printed[0]["started"]


async def test_healthz_is_200_while_the_engine_ticks_and_503_when_it_stops() -> None:
    clock = FixedClock()
    async with HubRig([sim()], ["Garage"], clock=clock) as rig:
        await rig.answered(["vitals"])
        ok = await rig.http.get("/healthz")
        assert ok.status_code == 200
        assert ok.json()["chargers"]["garage"]["online"] is True
        rig.server.health_checks["mqtt"] = lambda: {"ok": True, "broker": "up"}
        assert (await rig.http.get("/healthz")).json()["mqtt"] == {"ok": True, "broker": "up"}
        clock.advance(10.0)  # ten seconds without a tick of the engine's loop
        stuck = await rig.http.get("/healthz")
        assert stuck.status_code == 503 and stuck.json()["ok"] is False
