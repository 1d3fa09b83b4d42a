"""The default rules end to end: simulated chargers over loopback HTTP, the real engine on a
ScaledClock, and a real HTTP receiver as the sink. Each default rule fires on the scenario
that causes it, with ``for``, cooldown and "resolved" as the user receives them; a whole
normal simulated day brings exactly its real events and no false alarm."""

from __future__ import annotations

import asyncio
from datetime import datetime

from tests.test_alert_kit import Receiver, engine_for, rules
from twc_tui.core.cadence import PollSettings
from twc_tui.core.clock import ScaledClock
from twc_tui.core.sink_config import Sink
from twc_tui.sim.charger import SimulatedCharger
from twc_tui.sim.faults import Faults


def at(doc: dict) -> float:
    return datetime.fromisoformat(doc["time"]).timestamp()


async def test_every_default_rule_fires_on_the_scenario_that_causes_it() -> None:
    speed = 120.0
    clock = ScaledClock(speed)
    poll = PollSettings(vitals_active_s=5, vitals_idle_s=5, wifi_s=600, lifetime_s=600,
                        version_s=3600)
    async with Receiver() as rx:
        sim = SimulatedCharger("na", scenario="charging", seed=3, clock=clock, name="Garage")
        await sim.start()
        hook = Sink("hook", "webhook", url=rx.url("/hook"))
        engine = engine_for([sim], clock, (hook,), poll, rules(**{"reboot": {"cooldown_s": 300}}))

        def got(rule: str, resolved: bool = False) -> list[dict]:
            return [r.json for r in rx.received
                    if r.json["rule"] == rule and r.json["resolved"] is resolved]

        try:
            await engine.start()
            # A thermal derate, about 23 simulated minutes in: first predicted, then alert 40.
            await rx.wait_for(lambda: bool(got("charger alert")), real_s=40)
            predicted, alert = got("derate predicted")[0], got("charger alert")[0]
            assert at(predicted) < at(alert) and alert["values"] == {"code": "40"}
            assert "Alert 40: High handle temperature" in alert["text"]
            assert alert["name"] == "Garage" and alert["severity"] == "warning"
            await rx.wait_for(lambda: bool(got("charger alert", resolved=True)), real_s=10)

            # A grid sag: fires only once it has held for 30 s, resolves when it ends.
            sag_from = clock.time()
            sim.faults = Faults(grid_sag_v=40)
            await rx.wait_for(lambda: bool(got("grid voltage")))
            fired = got("grid voltage")[0]
            assert at(fired) - sag_from >= 30 and fired["values"]["nominal_v"] == 240.0
            assert "off 240 V" in fired["text"]
            sim.faults = Faults()
            await rx.wait_for(lambda: bool(got("grid voltage", resolved=True)))

            # An unplug while the contactor is closed.
            sim.faults = Faults(unplugged=True)
            await rx.wait_for(lambda: bool(got("charging stopped")))
            assert got("charging stopped")[0]["text"].startswith("Unplugged while charging")
            sim.faults = Faults()

            # A reboot into new firmware; a second reboot within the cooldown stays quiet.
            sim.faults = Faults(firmware="26.20.1+g0123456789abcd")
            sim.reboot()
            await rx.wait_for(lambda: bool(got("reboot")) and bool(got("firmware changed")))
            assert "26.20.1+g0123456789abcd" in got("firmware changed")[0]["text"]
            sim.reboot()
            await asyncio.sleep(60 / speed)
            assert len(got("reboot")) == 1

            # An outage of 6 minutes: "offline" after 5 minutes, then "back online".
            down_from = clock.time()
            await sim.go_offline(360 / speed)
            await rx.wait_for(lambda: bool(got("charger offline", resolved=True)), real_s=15)
            offline = got("charger offline")[0]
            assert 300 <= at(offline) - down_from <= 330 and offline["severity"] == "critical"
            back = got("charger offline", resolved=True)[0]
            assert back["text"].startswith("Back online after")
            # The reboot's cooldown (5 simulated minutes) has passed by now: it fires again.
            sim.reboot()
            await rx.wait_for(lambda: len(got("reboot")) == 2)
        finally:
            await engine.stop()
            await sim.stop()


async def test_a_normal_day_sends_its_events_to_ntfy_and_no_false_alarm() -> None:
    speed = 4800.0
    clock = ScaledClock(speed)
    # Vitals every 10 s while plugged in: the derate alert lasts under 3 simulated minutes,
    # 35 ms of real time, and a busy machine must not make the monitor miss it.
    poll = PollSettings(vitals_active_s=10, vitals_idle_s=120, wifi_s=3600, lifetime_s=600,
                        version_s=86400)
    async with Receiver() as rx:
        sim = SimulatedCharger("na", scenario="day", seed=7, clock=clock, name="Garage")
        await sim.start()
        phone = Sink("phone", "ntfy", url=rx.url("/twc"))
        engine = engine_for([sim], clock, (phone,), poll)
        try:
            await engine.start()
            while sim.script_time() < 24 * 3600:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)
        finally:
            await engine.stop()
            await sim.stop()
    titles = [r.headers["Title"] for r in rx.received]
    # The day script: the 03:00 reboot, the morning charge, the evening charge with its
    # thermal derate (predicted, raised, cleared). Nothing else is an event worth a message.
    assert sorted(titles) == sorted([
        "Garage: reboot", "Garage: charging finished", "Garage: derate predicted",
        "Garage: charger alert", "Resolved: Garage: charger alert",
        "Garage: charging finished"]), titles
    assert all(r.path == "/twc" for r in rx.received)
