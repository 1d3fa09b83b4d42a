"""``twc-tui serve --mqtt`` as a user runs it: a real hub process, simulated chargers, a real
Mosquitto, and what a subscriber (``mosquitto_sub``, as the issue's "tried by hand") and an
HTTP client of the hub receive."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from tests.hub_rig import frozen, sim
from tests.mqtt_rig import Broker, needs_mosquitto
from tests.process_rig import TWC, TwcProcess
from tests.pty_harness import ROOT, simulator

MOSQUITTO_SUB = shutil.which("mosquitto_sub")
MOSQUITTO_PUB = shutil.which("mosquitto_pub")
pytestmark = [needs_mosquitto, pytest.mark.skipif(
    MOSQUITTO_SUB is None or MOSQUITTO_PUB is None,
    reason="needs mosquitto_sub and mosquitto_pub (Debian's mosquitto-clients)")]
_HUB_AT = r"serve: hub at (http://127\.0\.0\.1:\d+)"
_SOFT = (KeyError, ValueError, IndexError, TypeError)
"""What a condition raises while the message it looks at has not arrived yet."""


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of a process we start: its own config, state and runtime dirs, no
    token or MQTT password unless the test gives one."""
    env = {k: v for k, v in os.environ.items() if k not in ("TWC_MQTT_PASSWORD", "TWC_HUB_TOKEN")}
    env.update(XDG_CONFIG_HOME=str(tmp / "config"), XDG_STATE_HOME=str(tmp / "state"),
               XDG_RUNTIME_DIR=str(tmp / "run"), PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def _holds(condition: Callable[[], Any]) -> bool:
    try:
        return bool(condition())
    except _SOFT:
        return False


def until(condition: Callable[[], Any], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not _holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:g} s: {what}")
        time.sleep(0.05)


async def until_async(condition: Callable[[], Any], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not _holds(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:g} s: {what}")
        await asyncio.sleep(0.05)


def serve(tmp: Path, hosts: list[str], *flags: str, **env: str) -> TwcProcess:
    """``twc-tui serve`` on a free loopback port, its history in ``tmp``."""
    return TwcProcess(["serve", "--listen", "127.0.0.1:0", "--db", str(tmp / "hub.db"), *flags,
                 *hosts], _env(tmp, **env))


def hub_url(proc: TwcProcess, seconds: float = 30) -> str:
    until(lambda: proc.found(_HUB_AT), seconds, "serve says where the hub is")
    return proc.found(_HUB_AT)


async def hub_url_async(proc: TwcProcess, seconds: float = 30) -> str:
    await until_async(lambda: proc.found(_HUB_AT), seconds, "serve says where the hub is")
    return proc.found(_HUB_AT)


@dataclass(frozen=True)
class Message:
    at: float
    """When mosquitto_sub received it (its %U: Unix time, nanoseconds)."""
    retained: bool
    topic: str
    payload: bytes


class Sub:
    """``mosquitto_sub -t '#'`` at QoS 1: every message with its time of receipt, and
    ``last[topic]``, what a newcomer would be given as retained."""

    def __init__(self, port: int, username: str | None = None,
                 password: str | None = None) -> None:
        assert MOSQUITTO_SUB is not None
        self.port = port
        self.auth = ["-u", username, "-P", password or ""] if username else []
        self.messages: list[Message] = []
        self.last: dict[str, bytes] = {}
        self.proc = subprocess.Popen(
            [MOSQUITTO_SUB, "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-t", "#",
             "-F", "%U\t%r\t%t\t%p", *self.auth], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in iter(self.proc.stdout.readline, b""):
            at, retained, topic, payload = line.rstrip(b"\n").split(b"\t", 3)
            message = Message(float(at), retained == b"1", topic.decode(), payload)
            if payload:
                self.last[message.topic] = payload
            else:
                self.last.pop(message.topic, None)
            self.messages.append(message)

    def ready(self) -> Sub:
        """Subscribed: a probe of our own has come back (sent again until it does)."""
        assert MOSQUITTO_PUB is not None
        probe = f"probe/{uuid.uuid4().hex}"
        deadline = time.monotonic() + 15
        while probe not in self.last:
            assert time.monotonic() < deadline, "mosquitto_sub did not subscribe"
            subprocess.run([MOSQUITTO_PUB, "-h", "127.0.0.1", "-p", str(self.port), "-q", "1",
                            "-t", probe, "-m", "x", *self.auth], check=False, timeout=10,
                           capture_output=True)
            sent = time.monotonic()
            while probe not in self.last and time.monotonic() - sent < 0.5:
                time.sleep(0.02)
        return self

    def json(self, topic: str) -> Any:
        return json.loads(self.last[topic])

    def on(self, topic: str) -> list[Message]:
        return [m for m in list(self.messages) if m.topic == topic]

    def topics(self) -> set[str]:
        return {m.topic for m in list(self.messages) if not m.topic.startswith("probe/")}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self._thread.join(5)

    def __enter__(self) -> Sub:
        try:
            return self.ready()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def publish(port: int, topic: str, payload: str) -> None:
    assert MOSQUITTO_PUB is not None
    subprocess.run([MOSQUITTO_PUB, "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-t", topic,
                    "-m", payload], check=True, timeout=10, capture_output=True)


def complete(sub: Sub, base: str, hub_id: str) -> bool:
    """The charger's state has every endpoint's answer, and its summary is there."""
    state = sub.json(f"{base}/{hub_id}/state")
    return (all(state[k] is not None for k in ("vitals", "lifetime", "wifi", "version"))
            and sub.json(f"{base}/{hub_id}/summary")["energy_delivered_wh"] is not None)


def discoveries(sub: Sub, prefix: str = "homeassistant") -> dict[str, Any]:
    return {t: json.loads(p) for t, p in list(sub.last.items())
            if t.startswith(f"{prefix}/device/") and t.endswith("/config")}


async def healthz(url: str) -> dict[str, Any]:
    """The hub's /healthz as a monitoring probe reads it: 200 while the hub works."""
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        response = await client.get(f"{url}/healthz")
    assert response.status_code == 200, response.text
    return response.json()


async def wait_mqtt(url: str, state: str, seconds: float) -> dict[str, Any]:
    """/healthz, polled until its ``mqtt`` section is in ``state``."""
    deadline = time.monotonic() + seconds
    while (doc := await healthz(url))["mqtt"]["state"] != state:
        assert time.monotonic() < deadline, f"not {state} within {seconds:g} s: {doc}"
        await asyncio.sleep(0.1)
    return doc


# -- one hub for the first tests: two simulators in processes of their own --------------------

@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """Mosquitto, a subscriber from before the hub's first message, an NA and an EU simulator
    (``twc-tui simulate``), and ``twc-tui serve --mqtt`` polling both. Every endpoint is
    polled each second, so the engine has news several times a second: the once-a-second
    limit on state is what keeps the broker's rate down."""
    tmp = tmp_path_factory.mktemp("mqtt-serve")
    config = tmp / "twc.toml"
    config.write_text("[polling]\nwifi_s = 1\nlifetime_s = 1\nversion_s = 1\n")
    with contextlib.ExitStack() as stack:
        broker = stack.enter_context(Broker(tmp))
        sub = stack.enter_context(Sub(broker.port))
        na = stack.enter_context(simulator("--profile", "na", "--scenario", "charging",
                                           "--seed", "1"))
        eu = stack.enter_context(simulator("--profile", "eu", "--scenario", "charging",
                                           "--seed", "2"))
        proc = serve(tmp, [f"{na}=Garage", f"{eu}=Drive"], "--config", str(config),
                     "--mqtt", broker.url)
        stack.callback(proc.stop)
        url = hub_url(proc)
        yield SimpleNamespace(broker=broker, sub=sub, url=url, proc=proc,
                              chargers={"garage": na, "drive": eu})


def test_serve_fills_a_real_mosquitto_with_retained_discovery_state_and_availability(
        hub: SimpleNamespace) -> None:
    sub = hub.sub
    until(lambda: all(complete(sub, "twc", i) for i in hub.chargers)
          and len(discoveries(sub)) == 2, 30, "state, summary and discovery of both chargers")
    assert sub.last["twc/bridge/availability"] == b"online"
    for hub_id, host in hub.chargers.items():
        assert sub.last[f"twc/{hub_id}/availability"] == b"online"
        state = sub.json(f"twc/{hub_id}/state")
        assert (state["host"], state["name"], state["reachable"]) == (
            host, hub_id.title(), True)
        assert state["state"]["label"] == "Charging" and state["power_w"] > 1000
        summary = sub.json(f"twc/{hub_id}/summary")
        assert summary["energy_delivered_wh"] >= 0 and summary["active_alerts"] == 0
    assert {d["state_topic"] for d in discoveries(sub).values()} == {
        "twc/garage/state", "twc/drive/state"}
    # Home Assistant starting after the hub is given all of it, retained.
    wanted = {"twc/bridge/availability", *discoveries(sub)} | {
        f"twc/{i}/{kind}" for i in hub.chargers for kind in ("state", "summary", "availability")}
    with Sub(hub.broker.port) as late:
        until(lambda: wanted <= late.topics(), 10, "every retained topic for a newcomer")
        first = {}
        for m in late.messages:
            first.setdefault(m.topic, m)
        assert all(first[t].retained for t in wanted), [t for t in wanted
                                                        if not first[t].retained]
        assert late.last["twc/bridge/availability"] == b"online"
        assert json.loads(first["twc/garage/state"].payload)["name"] == "Garage"
    assert "Traceback" not in hub.proc.text()


def test_discovery_describes_each_charger_as_it_reports_itself(hub: SimpleNamespace) -> None:
    sub = hub.sub
    until(lambda: len(discoveries(sub)) == 2, 30, "discovery of both chargers")
    twc_version = subprocess.run([*TWC, "--version"], capture_output=True, text=True,
                                 check=True, cwd=ROOT).stdout.split()[1]
    for hub_id, host in hub.chargers.items():
        version = httpx.get(f"http://{host}/api/1/version", trust_env=False, timeout=10).json()
        serial = version["serial_number"]
        topic = f"homeassistant/device/twc_{serial}/config"
        doc = discoveries(sub)[topic]
        device = doc["device"]
        assert any(serial in i for i in device["identifiers"]), device
        assert device["manufacturer"] == "Tesla"
        assert device["model"] == version["part_number"]
        assert device["sw_version"] == version["firmware_version"]
        assert device["name"] == hub_id.title()
        assert doc["origin"]["name"] == "twc-tui"
        assert doc["origin"]["sw_version"] == twc_version
        assert doc["state_topic"] == f"twc/{hub_id}/state"
        assert [a["topic"] for a in doc["availability"]] == [
            f"twc/{hub_id}/availability", "twc/bridge/availability"]
        c = doc["components"]
        for key, unit, device_class, state_class in [
                ("power", "W", "power", "measurement"),
                ("session_energy", "Wh", "energy", "total_increasing"),
                ("energy_delivered", "Wh", "energy", "total_increasing"),
                ("wifi_rssi", "dBm", "signal_strength", "measurement")]:
            assert c[key]["platform"] == "sensor", key
            assert (c[key]["unit_of_measurement"], c[key]["device_class"],
                    c[key]["state_class"]) == (unit, device_class, state_class), key
        assert c["energy_delivered"]["state_topic"] == f"twc/{hub_id}/summary"
        for key, device_class in [("vehicle_connected", "plug"),
                                  ("charging", "battery_charging")]:
            assert c[key]["platform"] == "binary_sensor", key
            assert c[key]["device_class"] == device_class, key
        unique = [comp["unique_id"] for comp in c.values()]
        assert len(set(unique)) == len(unique) and all(serial in u for u in unique)


def test_state_is_published_at_most_once_a_second_per_charger(hub: SimpleNamespace) -> None:
    sub = hub.sub
    window = 5.0
    topics = [f"twc/{i}/state" for i in hub.chargers]
    until(lambda: all(sub.on(t) for t in topics), 30, "state of both chargers")
    start = {t: sub.on(t)[0].at for t in topics}
    # Wall time against mosquitto_sub's receipt times: wait until one window of each is seen.
    until(lambda: time.time() > max(start.values()) + window + 0.5, window + 15,
          "a window of state messages")
    for t in topics:
        times = [m.at for m in sub.on(t)]
        assert not any(m.retained for m in sub.on(t)), "subscribed before the hub started"
        # Every window of 5 s that was observed whole: at most one a second (+1 for the
        # edges, +1 for a delivery delayed by load).
        counts = [sum(1 for u in times if s <= u <= s + window) for s in times
                  if s + window <= times[-1] or s + window < time.time() - 0.5]
        assert counts and max(counts) <= window + 2, (t, counts)
        assert sum(1 for u in times if start[t] <= u <= start[t] + window) >= 3, (
            "a charging charger's state changes every second and is published", t, times)


# -- one hub each: the state document, health and configuration -------------------------------

async def test_retained_state_is_status_json_for_that_charger(tmp_path: Path) -> None:
    async with sim(seed=3) as charger:
        frozen(charger)  # both readers are given the same answers, so they compare exactly
        host = f"127.0.0.1:{charger.port}=Garage"
        with Broker(tmp_path) as broker, Sub(broker.port) as sub:
            proc = serve(tmp_path, [host], "--mqtt", broker.url)
            try:
                await hub_url_async(proc)
                await until_async(lambda: complete(sub, "twc", "garage"), 30, "a full state")
                status = await asyncio.create_subprocess_exec(
                    *TWC, "status", "--json", "--direct", host, cwd=ROOT,
                    env=_env(tmp_path), stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE)
                out, err = await asyncio.wait_for(status.communicate(), 30)
                assert err == b""
                direct = json.loads(out)["chargers"]
                assert len(direct) == 1
                published = sub.json("twc/garage/state")
                assert sorted(published) == sorted(direct[0])
                differ = {k: (published[k], direct[0][k]) for k in published
                          if published[k] != direct[0][k]}
                assert not differ
            finally:
                proc.stop()


async def test_healthz_reports_the_broker_and_then_that_it_is_unreachable(tmp_path: Path
                                                                          ) -> None:
    async with sim(seed=4) as charger:
        broker = Broker(tmp_path)
        broker.start()
        proc = serve(tmp_path, [f"127.0.0.1:{charger.port}=Garage"], "--mqtt", broker.url)
        try:
            url = await hub_url_async(proc)
            doc = await wait_mqtt(url, "connected", 20)
            assert doc["mqtt"]["ok"] is True and doc["mqtt"]["broker"] == broker.url
            assert doc["mqtt"]["last_error"] is None
            assert broker.proc is not None
            broker.proc.kill()  # SIGKILL: no goodbye to anyone
            broker.proc.wait(10)
            broker.proc = None
            doc = await wait_mqtt(url, "unreachable", 20)
            assert doc["mqtt"]["ok"] is False and doc["mqtt"]["broker"] == broker.url
            assert "connection refused" in doc["mqtt"]["last_error"]
            assert doc["ok"] is True, "the hub itself is fine"
            assert doc["chargers"]["garage"]["online"] is True, "polling goes on"
            await until_async(lambda: any("unreachable" in line and "polling goes on" in line
                                          for line in proc.err), 5, "one line saying so")
            broker.start()  # the same port
            doc = await wait_mqtt(url, "connected", 30)
            assert doc["mqtt"]["ok"] is True
        finally:
            proc.stop()
            broker.stop()
    assert "Traceback" not in proc.text()


async def test_config_base_topic_and_discovery_prefix_name_every_topic(tmp_path: Path) -> None:
    async with sim(seed=5) as charger:
        with Broker(tmp_path) as broker, Sub(broker.port) as sub:
            config = tmp_path / "twc.toml"
            config.write_text(f'[mqtt]\nurl = "{broker.url}"\nbase_topic = "home/ev"\n'
                              'discovery_prefix = "ha-test"\n')
            proc = serve(tmp_path, [f"127.0.0.1:{charger.port}=Garage"], "--config",
                         str(config))
            try:
                await hub_url_async(proc)
                await until_async(lambda: complete(sub, "home/ev", "garage")
                                  and discoveries(sub, "ha-test"), 30, "state and discovery")
                assert any("under home/ev/ (discovery: ha-test/)" in line for line in proc.out)
                assert sub.last["home/ev/bridge/availability"] == b"online"
                assert sub.last["home/ev/garage/availability"] == b"online"
                [(topic, doc)] = discoveries(sub, "ha-test").items()
                async with httpx.AsyncClient(trust_env=False) as client:
                    version = (await client.get(f"{charger.url}/api/1/version")).json()
                assert topic == f"ha-test/device/twc_{version['serial_number']}/config"
                assert doc["state_topic"] == "home/ev/garage/state"
                assert [a["topic"] for a in doc["availability"]] == [
                    "home/ev/garage/availability", "home/ev/bridge/availability"]
                assert doc["components"]["energy_delivered"]["state_topic"] == (
                    "home/ev/garage/summary")
                assert not [t for t in sub.topics() if not t.startswith(("home/ev/", "ha-test/"))]
                # Home Assistant's birth message on the configured prefix: discovery again.
                before = len(sub.on(topic))
                await asyncio.to_thread(publish, broker.port, "ha-test/status", "online")
                await until_async(lambda: len(sub.on(topic)) > before, 10,
                                  "discovery again after ha-test/status online")
            finally:
                proc.stop()


@pytest.mark.skipif(shutil.which("mosquitto_passwd") is None,
                    reason="needs mosquitto_passwd to write the broker's password file")
async def test_username_from_config_and_password_from_the_environment(tmp_path: Path) -> None:
    password = "s3cret-" + uuid.uuid4().hex[:8]
    async with sim(seed=6) as charger:
        with Broker(tmp_path, users={"twc": password}) as broker, Sub(
                broker.port, "twc", password) as sub:
            config = tmp_path / "twc.toml"
            config.write_text(f'[mqtt]\nurl = "{broker.url}"\nusername = "twc"\n')
            host = f"127.0.0.1:{charger.port}=Garage"
            wrong = serve(tmp_path, [host], "--config", str(config),
                          TWC_MQTT_PASSWORD="not-" + password)
            try:
                url = await hub_url_async(wrong)
                doc = await wait_mqtt(url, "refused", 20)
                assert doc["mqtt"]["last_error"] == "the broker refused the credentials"
                assert doc["ok"] is True
            finally:
                wrong.stop()
            assert "twc/garage/state" not in sub.last
            right = serve(tmp_path, [host], "--config", str(config), TWC_MQTT_PASSWORD=password)
            try:
                url = await hub_url_async(right)
                await until_async(lambda: complete(sub, "twc", "garage"), 30, "state published")
                assert sub.last["twc/bridge/availability"] == b"online"
                assert (await healthz(url))["mqtt"]["state"] == "connected"
            finally:
                right.stop()
            assert password not in wrong.text() + right.text()
