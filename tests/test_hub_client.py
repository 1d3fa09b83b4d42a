"""The monitor attached to a hub over real loopback sockets: live data, "via hub", charts from
the hub's history, the hub going away and coming back."""

from __future__ import annotations

import math

from tests.hub_rig import HubRig
from tests.test_tui_keys import screen_text
from tests.test_tui_live import wait_for
from twc_tui.core import units
from twc_tui.core.config import Settings
from twc_tui.engine.engine import Engine
from twc_tui.hub.remote import RemoteEngine
from twc_tui.sim.charger import SimulatedCharger
from twc_tui.tui.app import TwcApp

AMPS_AN_HOUR_AGO = 27.5


def an_hour_of_history(engine: Engine) -> None:
    """The hub has been up for an hour: a steady 27.5 A charge, one row every 10 s, ending
    ten minutes ago."""
    now = engine.clock.time()
    for state in engine.states.values():
        for i in range(300):
            state.history.add(now - 3600 + 10 * i, {"vehicle_a": AMPS_AN_HOUR_AGO,
                                                    "grid_v": 240.0, "power_kw": 6.6})


async def attached(rig: HubRig) -> TwcApp:
    remote = RemoteEngine(rig.url, Settings())
    await remote.load()
    return TwcApp(remote.chargers, Settings(), engine=remote)


async def test_attached_monitor_shows_live_power_via_hub_and_charts_from_the_hubs_history(
) -> None:
    sim = SimulatedCharger("na", scenario="charging", speed=5, name="garage")
    async with HubRig([sim], prefill=an_hour_of_history, proxies=False) as rig:
        hub_state = next(iter(rig.engine.states.values()))
        await rig.wait_for(lambda: hub_state.vitals is not None, what="the hub's first poll")
        app = await attached(rig)
        async with app.run_test(size=(120, 40)) as pilot:
            state = next(iter(app.states.values()))
            first = state.updated.get("vitals")
            await wait_for(pilot, lambda: state.updated.get("vitals") != first, 6.0)
            await wait_for(pilot, lambda: state.updated.get("vitals") == hub_state.updated.get(
                "vitals"), 3.0)
            await pilot.pause(0.2)
            text = screen_text(app)
            assert f"via hub 127.0.0.1:{rig.port}" in text  # title and detail line
            assert text.count("via hub") >= 2
            assert units.kw(hub_state.power_w) in text  # the simulator's live power
            assert "no data in the last" not in text
            await pilot.press("t")  # 1 hour: only the hub's history has that
            await pilot.pause(0.3)
            assert "no data in the last" not in screen_text(app)
            now = app.now()
            amps = state.history.series("vehicle_a", now - 3600, now - 900, 30)
            assert [a for a in amps if not math.isnan(a)][:3] == [AMPS_AN_HOUR_AGO] * 3
        # Never a charger: the simulator heard only the hub's one poller.
        assert sim.max_in_flight == 1


async def test_hub_gone_is_said_in_words_with_the_datas_age_and_it_reconnects() -> None:
    sim = SimulatedCharger("na", scenario="charging", speed=5, name="garage")
    async with HubRig([sim], proxies=False) as rig:
        hub_state = next(iter(rig.engine.states.values()))
        await rig.wait_for(lambda: hub_state.vitals is not None, what="the hub's first poll")
        app = await attached(rig)
        async with app.run_test(size=(160, 50)) as pilot:
            state = next(iter(app.states.values()))
            await wait_for(pilot, lambda: app.engine.connected, 5.0)
            await rig.stop_server()
            await wait_for(pilot, lambda: "HUB UNREACHABLE" in screen_text(app), 5.0)  # title
            text = screen_text(app)
            assert "hub unreachable: " in text and "showing data from" in text
            assert units.kw(state.power_w) in text  # the last data stays
            assert "Hub unreachable" in text  # and the event log says when
            held = state.updated["vitals"]
            await rig.start_server()  # the same port
            await wait_for(pilot, lambda: state.updated["vitals"] > held, 8.0)
            await pilot.pause(0.2)
            text = screen_text(app)
            assert "hub unreachable:" not in text and "HUB UNREACHABLE" not in text
            assert "Hub reachable again after" in text
