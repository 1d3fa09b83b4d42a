"""The MQTT bridge against a real Mosquitto and simulated NA and EU chargers over loopback:
what a Home Assistant (or anyone under ``#``) receives."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.mqtt_rig import Broker, Subscriber, needs_mosquitto
from twc_tui.core.clock import ScaledClock
from twc_tui.core.config import Settings
from twc_tui.core.mqtt_settings import MqttSettings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.engine import Engine
from twc_tui.hub.ids import slug
from twc_tui.hub.mqtt import MqttBridge
from twc_tui.sim.charger import SimulatedCharger

pytestmark = needs_mosquitto
SPEED = 5.0
_KEY = r"[A-Za-z_][A-Za-z0-9_]*"
_TEMPLATE = re.compile(rf"^\{{\{{ value_json\.({_KEY}(?:\.{_KEY})*) \}}\}}$")


def topic(sim: SimulatedCharger, kind: str) -> str:
    """Where the bridge publishes ``kind`` for ``sim``: under the hub's id for it."""
    return f"twc/{slug(sim.name)}/{kind}"


def render(template: str, payload: bytes) -> str:
    """Home Assistant's rendering of the plain ``{{ value_json.KEY }}`` form: Python's str()
    of the value (None, True, 12.5), which is what payload_on and "None" rely on."""
    match = _TEMPLATE.match(template)
    assert match, f"not the plain form: {template!r}"
    value: Any = json.loads(payload)
    for key in match.group(1).split("."):
        value = value[key]
    return str(value)


class Hub:
    """An engine polling simulated chargers, with the bridge publishing to ``broker``."""

    def __init__(self, tmp: Path, broker_url: str, sims: list[SimulatedCharger],
                 clock: ScaledClock, username: str | None = None, **bridge: Any) -> None:
        self.sims = sims
        self.engine = Engine([ChargerConfig("127.0.0.1", s.port, name=s.name) for s in sims],
                             Settings(), clock=clock, history=True, db=tmp / "history.db")
        mqtt = MqttSettings(url=broker_url, client_id="hub-test", username=username)
        self.bridge = MqttBridge(self.engine, mqtt, **bridge)

    async def __aenter__(self) -> Hub:
        await self.engine.start()
        await self.bridge.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.bridge.stop()
        await self.engine.stop()


async def _sims(clock: ScaledClock, *profiles: str) -> list[SimulatedCharger]:
    sims = [SimulatedCharger(p, scenario="charging", seed=i, clock=clock, name=f"Sim {p}")
            for i, p in enumerate(profiles)]
    for sim in sims:
        await sim.start()
    return sims


@pytest.fixture
def broker(tmp_path: Path):
    with Broker(tmp_path) as b:
        yield b


async def test_discovery_state_and_templates_for_na_and_eu(tmp_path: Path, broker: Broker
                                                           ) -> None:
    clock = ScaledClock(SPEED)
    sims = await _sims(clock, "na", "eu")
    try:
        async with Subscriber(broker.port) as sub, Hub(tmp_path, broker.url, sims, clock):
            configs = lambda: [t for t in sub.last if t.startswith("homeassistant/device/")]  # noqa: E731
            await sub.wait_for(lambda: len(configs()) == 2, 20, "two discovery messages")
            await sub.wait_for(lambda: all(sub.json(topic(s, "summary"))
                                           ["energy_delivered_wh"] is not None for s in sims),
                               20, "summaries with the energy counter")
            await sub.wait_for(lambda: all(sub.json(topic(s, "state"))[k] is not None
                                           for s in sims for k in ("vitals", "wifi", "version")),
                               20, "state documents with every endpoint's answer")
            assert sub.last["twc/bridge/availability"] == b"online"
            for config in configs():
                doc = json.loads(sub.last[config])
                node = config.split("/")[2]
                assert re.fullmatch(r"twc_[A-Za-z0-9_-]+", node)
                assert doc["device"]["manufacturer"] == "Tesla"
                assert doc["device"]["identifiers"] == [node]
                assert doc["device"]["model"] and doc["device"]["sw_version"]
                assert doc["origin"]["name"] == "twc-tui"
                assert doc["availability_mode"] == "all"
                assert [a["topic"] for a in doc["availability"]][1] == "twc/bridge/availability"
                state_topic = doc["state_topic"]
                charger = state_topic.split("/")[1]
                assert sub.last[f"twc/{charger}/availability"] == b"online"
                ids = {c["unique_id"] for c in doc["components"].values()}
                assert len(ids) == len(doc["components"]) == 14
                values: dict[str, str] = {}
                for key, comp in doc["components"].items():
                    assert comp["unique_id"] == f"{node}_{key}"
                    payload = sub.last[comp.get("state_topic", state_topic)]
                    values[key] = render(comp["value_template"], payload)
                state = json.loads(sub.last[state_topic])
                v = state["vitals"]
                if v["grid_hz"] > 55:  # NA split phase: grid V x vehicle A
                    expected = v["grid_v"] * v["vehicle_current_a"]
                    three = sum(v[f"voltage{p}_v"] * v[f"current{p}_a"] for p in "ABC")
                    assert abs(three - expected) > 100, "NA must not be summed over phases"
                else:
                    expected = sum(v[f"voltage{p}_v"] * v[f"current{p}_a"] for p in "ABC")
                assert float(values["power"]) == pytest.approx(expected, abs=0.06)
                assert float(values["power"]) > 1000
                assert float(values["vehicle_current"]) == v["vehicle_current_a"] > 5
                assert float(values["grid_voltage"]) > 200
                assert 45 < float(values["grid_frequency"]) < 65
                for t in ("handle", "pcba", "mcu"):
                    assert -40 < float(values[f"{t}_temperature"]) < 120
                assert float(values["session_energy"]) >= 0
                assert float(values["energy_delivered"]) >= 0
                assert values["vehicle_connected"] == doc["components"]["vehicle_connected"][
                    "payload_on"]
                assert values["charging"] == "True"
                assert values["state"] == "Charging"
                assert values["state"] in doc["components"]["state"]["options"]
                assert values["active_alerts"] == "0"
                assert int(values["wifi_rssi"]) < 0
    finally:
        for sim in sims:
            await sim.stop()


async def _wait(condition: Any, seconds: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {seconds:g} s: {what}")
        await asyncio.sleep(0.02)


def _vitals_requests(sim: SimulatedCharger) -> int:
    return sum(1 for r in sim.log if r.path == "/api/1/vitals")


async def test_availability_follows_an_outage_and_events_arrive(tmp_path: Path, broker: Broker
                                                                ) -> None:
    clock = ScaledClock(10.0)
    sims = await _sims(clock, "na")
    sim = sims[0]
    avail = topic(sim, "availability")
    events = topic(sim, "event")
    try:
        async with Subscriber(broker.port) as sub, Hub(tmp_path, broker.url, sims, clock):
            await sub.wait_for(lambda: sub.last[avail] == b"online", 20, "online")
            await sim.go_offline()
            await sub.wait_for(lambda: sub.last[avail] == b"offline", 20, "offline")
            # The state follows within the 1 s limit of availability (published first).
            await sub.wait_for(lambda: sub.json(topic(sim, "state"))["reachable"] is False, 5,
                               "state says unreachable")
            assert sub.json(topic(sim, "state"))["error"]
            await sim.come_back()
            await sub.wait_for(lambda: sub.last[avail] == b"online", 30, "back online")
            kinds = lambda: [json.loads(p)["kind"] for p in sub.by_topic[events]]  # noqa: E731
            await sub.wait_for(lambda: "online" in kinds(), 10, "the back-online event")
            assert "offline" in kinds()
            # An event names its charger as its topic does, with the name beside.
            first = json.loads(sub.by_topic[events][0])
            assert (first["charger"], first["name"]) == (slug(sim.name), sim.name)
            retained = [r for t, _, r in sub.seen if t == events]
            assert not any(retained), "events are never retained"
            assert sub.by_topic[avail] == [b"online", b"offline", b"online"], "no flapping"
    finally:
        await sim.stop()


async def test_last_will_fires_when_the_hub_is_killed(tmp_path: Path, broker: Broker) -> None:
    import signal
    import subprocess

    from tests.mqtt_rig import hub_script

    async with Subscriber(broker.port) as sub:
        proc = subprocess.Popen(hub_script(broker.url, tmp_path / "h.db"),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            await sub.wait_for(lambda: sub.last["twc/bridge/availability"] == b"online", 30,
                               "the hub online")
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            await sub.wait_for(lambda: sub.last["twc/bridge/availability"] == b"offline", 10,
                               "the last will")
        finally:
            proc.kill()
            proc.wait(10)


async def test_broker_restart_down_at_start_and_refused_credentials_never_stop_polling(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="twc_tui.hub.mqtt")
    clock = ScaledClock(5.0)
    sims = await _sims(clock, "na")
    sim = sims[0]
    broker = Broker(tmp_path)  # not started: down at start
    try:
        async with Hub(tmp_path, broker.url, sims, clock, backoff_max_s=0.5) as hub:
            before = _vitals_requests(sim)
            await asyncio.sleep(1.0)
            assert _vitals_requests(sim) >= before + 3, "polling goes on without a broker"
            assert hub.bridge.health()["state"] == "unreachable"
            broker.start()
            async with Subscriber(broker.port) as sub:
                await sub.wait_for(lambda: sub.last["twc/bridge/availability"] == b"online",
                                   20, "connected once the broker is up")
                await sub.wait_for(lambda: topic(sim, "state") in sub.last, 20,
                                   "state after the late start")
            broker.stop()
            await _wait(lambda: hub.bridge.health()["state"] != "connected", 10,
                        "the bridge notices the broker went away")
            before = _vitals_requests(sim)
            await asyncio.sleep(1.0)
            assert _vitals_requests(sim) >= before + 3
            broker.start()  # same port, empty broker: everything must come back
            async with Subscriber(broker.port) as sub:
                await sub.wait_for(lambda: topic(sim, "state") in sub.last
                                   and any(t.startswith("homeassistant/device/")
                                           for t in sub.last), 20, "republished after restart")
            assert hub.bridge.health()["ok"] is True
        lines = [r.getMessage() for r in caplog.records]
        assert sum("connected" in m and "disconnected" not in m for m in lines) == 2
        assert sum("unreachable" in m for m in lines) <= 2, lines  # one line per change
        broker.stop()
        (tmp_path / "secured").mkdir()
        with Broker(tmp_path / "secured", users={"twc": "right"}) as secured:
            async with Hub(tmp_path, secured.url, sims, clock, username="twc",
                           password="wrong", backoff_max_s=0.5) as hub:
                await _wait(lambda: hub.bridge.health()["state"] == "refused", 10, "refused")
                before = _vitals_requests(sim)
                await asyncio.sleep(1.0)
                assert _vitals_requests(sim) >= before + 3
                assert hub.bridge.health()["last_error"] == "the broker refused the credentials"
    finally:
        broker.stop()
        await sim.stop()


async def test_a_changing_charger_is_sent_once_a_second_and_a_silent_one_each_heartbeat(
        tmp_path: Path, broker: Broker) -> None:
    """A pass looks at the chargers that changed, yet the heartbeat still re-sends a state
    that never changes (an offline charger's), and a charger that changes on every poll
    is sent once a second, never more."""
    clock = ScaledClock(SPEED)
    sims = await _sims(clock, "na", "eu")
    live, dead = sims
    await dead.go_offline()
    live_state, dead_state = topic(live, "state"), topic(dead, "state")
    try:
        async with Subscriber(broker.port) as sub, Hub(tmp_path, broker.url, sims, clock,
                                                       heartbeat_s=4.0):
            await sub.wait_for(lambda: dead_state in sub.last
                               and sub.json(dead_state)["reachable"] is False, 20,
                               "the offline charger's state")
            await sub.wait_for(lambda: len(sub.by_topic[live_state]) >= 3, 20, "live states")
            await clock.sleep(6.0)  # the offline charger's document has settled
            start = clock.monotonic()
            live0, dead0 = len(sub.by_topic[live_state]), len(sub.by_topic[dead_state])
            docs0 = set(sub.by_topic[dead_state][dead0 - 1:])
            await clock.sleep(20.0)
            seconds = clock.monotonic() - start
            live_sent = len(sub.by_topic[live_state]) - live0
            dead_sent = sub.by_topic[dead_state][dead0:]
            assert seconds - 2 <= live_sent <= seconds + 1
            # Due 4 s after the last, sent on the pass that follows: 4 or 5 in 20 s.
            assert len(dead_sent) in (4, 5)
            assert set(dead_sent) == docs0, "the heartbeat re-sends the same document"
    finally:
        for sim in sims:
            await sim.stop()
