"""Hostile strings from a charger over real HTTP, through the real app and to a real terminal.

The simulator's ``hostile`` fault puts markup (``[b]``, ``[/]``, ``[$error]``,
``[@click=app.quit]x``), ESC/OSC sequences, BEL, NUL, invalid UTF-8 inside the base64 SSID and
10 000-character strings into the SSID, firmware, part and serial numbers, alerts, and the
names and values of unknown fields. tests/test_tui_keys.py covers scripted hostile data; here
it comes through the pollers, the models and the state as a live charger sends it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from tests.pty_harness import base_env, pty_app, simulator
from tests.test_tui_keys import screen_text
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm
from twc_tui.sim.faults import Faults
from twc_tui.tui.app import TwcApp
from twc_tui.tui.screens.detail import DetailScreen
from twc_tui.tui.screens.help import HelpScreen
from twc_tui.tui.screens.overview import OverviewScreen


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 8.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await pilot.pause(0.1)


def clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
    assert "\x9b" not in text and "\x9d" not in text  # C1 CSI and OSC
    assert "W" * 300 not in text  # 10 000 W's were cut


async def test_every_screen_shows_hostile_strings_literally() -> None:
    sims = [SimulatedCharger("na", scenario="charging", faults=Faults(hostile=True, seed=1),
                             name="evil-na"),
            SimulatedCharger("eu", scenario="charging", faults=Faults(hostile=True, seed=2),
                             name="evil-eu")]
    async with SimulatorFarm(sims):
        app = TwcApp([ChargerConfig("127.0.0.1", s.port, name=s.name) for s in sims],
                     Settings())
        async with app.run_test(size=(160, 50)) as pilot:
            states = list(app.states.values())
            await wait_for(pilot, lambda: all(s.vitals and s.version and s.wifi
                                              for s in states))
            await pilot.pause(0.3)
            assert isinstance(app.screen, OverviewScreen)
            clean(screen_text(app))
            seen = ""
            for key, screen in (("enter", DetailScreen), ("tab", DetailScreen),
                                ("question_mark", HelpScreen)):
                await pilot.press(key)
                await pilot.pause(0.3)
                assert isinstance(app.screen, screen)
                text = screen_text(app)
                clean(text)
                seen += text
            await pilot.press("escape")
            await pilot.pause(0.2)
            clean(screen_text(app))
            assert app.is_running  # [@click=app.quit] ran nothing
            assert all(s.health == "online" for s in states)  # hostile is data, not failure
        assert app.return_code in (None, 0)
    assert "[b]bold[/]" in seen  # markup shown as typed
    assert "[$error]" in seen
    assert "␛" in seen  # ESC made visible
    assert "…" in seen  # long strings shortened with an ellipsis


def test_nothing_hostile_reaches_the_terminal(tmp_path: Path) -> None:
    """What the app writes to a real pty: Textual's own escapes, never the charger's."""
    with simulator("--scenario", "charging", "--faults", "hostile") as host, \
            pty_app([host], base_env(tmp_path), cols=160, rows=50) as app:
        assert app.wait_output("kW", 15)
        time.sleep(1.0)  # version and WiFi are in
        for key in (b"?", b"\x1b", b"q"):
            app.write(key)
            time.sleep(0.6)
        assert app.wait_exit(5)
        out = bytes(app.output)
    assert b"pwned title" in out or "␛]0;pwned".encode() in out  # the string did arrive...
    assert b"\x1b]0;pwned" not in out  # ...but never as an OSC title sequence
    assert b"\x07\x00nul" not in out and b"\x00" not in out
    assert b"\x1b[2J" not in out and b"\x1b[31mred" not in out
    assert b"\x1b[2Jkkkk" not in out
