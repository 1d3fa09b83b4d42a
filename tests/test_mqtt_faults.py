"""The bridge under a broker that misbehaves, and the charger's view of it: with MQTT
publishing the simulator's request log is what it is without."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.mqtt_rig import Broker, Subscriber, needs_mosquitto
from tests.test_mqtt import Hub, _sims, _vitals_requests, _wait, topic
from tests.test_polite import assert_polite
from twc_tui.core.clock import ScaledClock
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.engine import Engine

pytestmark = needs_mosquitto


@pytest.fixture
def broker(tmp_path: Path):
    with Broker(tmp_path) as b:
        yield b


async def test_a_broker_that_never_reads_cannot_block_the_engine(tmp_path: Path,
                                                                 broker: Broker) -> None:
    clock = ScaledClock(10.0)
    sims = await _sims(clock, "na", "eu")
    try:
        async with Subscriber(broker.port) as sub, Hub(
                tmp_path, broker.url, sims, clock, queue_size=8, timeout_s=1.0,
                backoff_max_s=0.5) as hub:
            await sub.wait_for(lambda: sub.last["twc/bridge/availability"] == b"online", 20,
                               "connected")
            broker.freeze()  # the TCP connection stays open; nothing is read or answered
            before = [_vitals_requests(s) for s in sims]
            heartbeat = hub.engine.heartbeat
            for _ in range(40):  # far more events than the queue holds
                for sim in sims:
                    sim.reboot()
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)
            after = [_vitals_requests(s) for s in sims]
            # 3 real s at 10x: ~30 vitals each at 1 s; polling never waited on the broker.
            assert all(a - b >= 20 for a, b in zip(after, before, strict=True)), (before, after)
            assert hub.engine.heartbeat > heartbeat
            health = hub.bridge.health()
            assert health["queued_events"] <= 8
            assert health["dropped_events"] > 0
            await _wait(lambda: hub.bridge.health()["state"] != "connected", 10,
                        "a publish that is never acknowledged ends the session")
            broker.thaw()
            await _wait(lambda: hub.bridge.health()["state"] == "connected", 20, "reconnected")
    finally:
        for sim in sims:
            await sim.stop()


async def _request_log(tmp_path: Path, broker_url: str | None) -> tuple[list, Counter]:
    """The simulator's request log, and how many poll outcomes the engine saw per path."""
    clock = ScaledClock(20.0)
    sims = await _sims(clock, "na")
    polled: Counter = Counter()
    try:
        if broker_url is None:
            engine = Engine([ChargerConfig("127.0.0.1", sims[0].port)], Settings(),
                            clock=clock, history=True, db=tmp_path / "alone.db")
            engine.listen(lambda u: polled.update([f"/api/1/{u.event.endpoint}"]))
            await engine.start()
            await asyncio.sleep(3.0)
            await engine.stop()
        else:
            async with Subscriber(int(broker_url.rsplit(":", 1)[1])) as sub, Hub(
                    tmp_path, broker_url, sims, clock) as hub:
                hub.engine.listen(lambda u: polled.update([f"/api/1/{u.event.endpoint}"]))
                await asyncio.sleep(3.0)
            assert sum(len(v) for t, v in sub.by_topic.items() if t.endswith("/state")) >= 20
        return list(sims[0].log), polled
    finally:
        await sims[0].stop()


async def test_politeness_the_same_with_and_without_mqtt(tmp_path: Path, broker: Broker
                                                         ) -> None:
    rig = SimpleNamespace(speed=20.0)
    for url in (None, broker.url):
        log, polled = await _request_log(tmp_path, url)
        assert_polite(log, rig)  # type: ignore[arg-type]  # the same rules, both ways
        requests = Counter(r.path for r in log)
        # Every request the charger saw is one of the poller's: MQTT adds none, however
        # much it publishes. (At most one per endpoint was in flight when the engine stopped.)
        for path, count in requests.items():
            assert 0 <= count - polled[path] <= 1, (url, path, count, polled[path])


async def test_discovery_again_when_home_assistant_restarts_and_cleared_for_removed_chargers(
        tmp_path: Path, broker: Broker) -> None:
    import aiomqtt

    clock = ScaledClock(5.0)
    sims = await _sims(clock, "na", "eu")
    try:
        async with Subscriber(broker.port) as sub:
            async with Hub(tmp_path, broker.url, sims, clock):
                await sub.wait_for(lambda: len([t for t in sub.last if "/device/" in t]) == 2,
                                   20, "two devices")
                topics = sorted(t for t in sub.last if "/device/" in t)
                count = len(sub.by_topic[topics[0]])
                async with aiomqtt.Client("127.0.0.1", broker.port) as ha:
                    await ha.publish("homeassistant/status", b"online")
                await sub.wait_for(lambda: len(sub.by_topic[topics[0]]) > count, 10,
                                   "discovery again after Home Assistant's birth message")
            # The EU charger is removed from the config; the hub restarts on the same database.
            async with Hub(tmp_path, broker.url, sims[:1], clock):
                await sub.wait_for(lambda: len([t for t in sub.last if "/device/" in t]) == 1,
                                   20, "the removed charger's discovery cleared")
                left = [t for t in sub.last if "/device/" in t]
                kept = json.loads(sub.last[left[0]])
                assert kept["state_topic"] == topic(sims[0], "state")
                assert sub.by_topic[next(t for t in topics if t not in left)][-1] == b""
    finally:
        for sim in sims:
            await sim.stop()
