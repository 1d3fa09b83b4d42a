"""The app against simulated chargers over real HTTP on loopback: live data, keys, offline
and recovery. Real pollers, real sockets, real time (a few seconds per test)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.test_tui_keys import screen_text
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm
from twc_tui.tui.app import TwcApp
from twc_tui.tui.screens.detail import DetailScreen


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 6.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"not true within {timeout} s: {condition.__doc__ or ''}")
        await pilot.pause(0.1)


def configs(farm: SimulatorFarm) -> list[ChargerConfig]:
    return [ChargerConfig("127.0.0.1", sim.port, name=sim.name) for sim in farm.chargers]


async def test_demo_shows_live_data_on_every_panel_within_3_s() -> None:
    async with SimulatorFarm.demo(speed=20) as farm:
        app = TwcApp(configs(farm), Settings())
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(pilot, lambda: all(s.vitals for s in app.states.values()), 3.0)
            text = screen_text(app)
            assert text.count(" kW") >= 3 and "waiting" not in text
            await pilot.press("enter")
            state = app.screen.state
            await wait_for(pilot, lambda: all((state.lifetime, state.wifi, state.version)), 3.0)
            await pilot.pause(0.3)
            text = screen_text(app)
            for missing in ("no lifetime", "no WiFi", "no version", "no data in the last"):
                assert missing not in text
            before = state.vitals
            await wait_for(pilot, lambda: state.vitals is not before, 2.5)  # it keeps moving


async def test_offline_charger_keeps_its_data_others_go_on_and_it_recovers() -> None:
    healthy = SimulatedCharger("na", scenario="charging", speed=10, name="healthy")
    flaky = SimulatedCharger("eu", scenario="charging", speed=10, name="flaky")
    async with SimulatorFarm([healthy, flaky]) as farm:
        app = TwcApp(configs(farm), Settings())
        async with app.run_test(size=(120, 40)) as pilot:
            h, f = app.states.values()
            await wait_for(pilot, lambda: h.vitals is not None and f.vitals is not None)
            await flaky.go_offline()
            await wait_for(pilot, lambda: f.health == "offline", 8.0)
            assert f.vitals is not None  # last good data kept
            text = screen_text(app)
            assert "OFFLINE since" in text and "connection refused" in text
            seen = h.updated["vitals"]
            await wait_for(pilot, lambda: h.updated["vitals"] > seen, 2.5)  # unaffected
            assert h.health == "online"
            await flaky.come_back()
            await wait_for(pilot, lambda: f.health == "online", 8.0)
            assert any(e.kind == "online" for e in f.log)
            await pilot.pause(0.2)
            assert "OFFLINE" not in screen_text(app)


async def test_refresh_polls_now_and_pause_keeps_collecting() -> None:
    sim = SimulatedCharger("na", scenario="idle", speed=1, name="idle")
    async with SimulatorFarm([sim]) as farm:
        app = TwcApp(configs(farm), Settings())
        async with app.run_test(size=(120, 40)) as pilot:
            assert isinstance(app.screen, DetailScreen)
            state = app.screen.state
            await wait_for(pilot, lambda: state.lifetime is not None)
            await pilot.pause(1.2)  # past the 1 s floor
            lifetime_before = sum(1 for r in sim.log if r.path.endswith("/lifetime"))
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: sum(1 for r in sim.log if r.path.endswith("/lifetime")) > lifetime_before,
                1.5,
            )
            await pilot.press("p")
            frozen = screen_text(app)
            polls = len(sim.log)
            await pilot.press("r")
            await wait_for(pilot, lambda: len(sim.log) > polls, 2.0)
            await pilot.pause(0.3)
            assert screen_text(app) == frozen and "PAUSED" in app.sub_title
            assert all(r.method == "GET" for r in sim.log)
            assert sim.max_in_flight == 1
