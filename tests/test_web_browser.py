"""``twc-tui web`` in a real browser: Debian's headless Chromium, driven by playwright over
CDP, opens the monitor served by the real command against simulated chargers on loopback.

What the page shows is read from the xterm.js buffer the page draws from (textual.js keeps
its terminal in a closure; an init script catches the object as it is built). The chargers
are polled by the web command's own hub; the simulators' request logs show that browser
tabs add no request.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from pathlib import Path

import pytest

from tests.hub_rig import frozen
from tests.web_rig import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WebCommand,
    children,
    wait_for_screen,
    watch_terminal,
)
from twc_tui.core.models import Vitals
from twc_tui.sim.charger import SimulatedCharger

playwright = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing (apt-get install chromium)")

POWER = re.compile(r"(\d+\.\d\d) kW")
PATHS = {f"/api/1/{e}" for e in ("vitals", "lifetime", "wifi_status", "version")}


def sim_power_kw(sim: SimulatedCharger) -> float:
    """What the charger reads now, as the monitor computes power (asked in-process: no
    request reaches the simulator)."""
    power = Vitals.from_json(sim.payload("vitals")).power_w()
    assert power is not None
    return power / 1000


def card_power(text: str, name: str) -> float | None:
    """The power on ``name``'s overview card: the line under its title, read from the
    card's own columns (cards stand side by side on a wide page)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        at = line.find(f" {name} ")
        if at < 0 or "╭" not in line or i + 1 >= len(lines):
            continue
        left = line.rfind("╭", 0, at)
        right = line.find("╮", at)
        below = lines[i + 1][left:right if right >= 0 else None]
        match = POWER.search(below)
        return float(match.group(1)) if match else None
    return None


async def new_browser(p):  # type: ignore[no-untyped-def]
    return await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


async def test_the_overview_and_a_kiosk_detail_in_chromium(tmp_path: Path) -> None:
    sims = [SimulatedCharger("na", scenario="charging", name="sim-garage"),
            SimulatedCharger("eu", scenario="charging", name="sim-driveway")]
    async with WebCommand(tmp_path, sims, names=["Garage", "Driveway"]) as web, \
            playwright.async_playwright() as p:
        browser = await new_browser(p)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await watch_terminal(page)
        for sim in sims:  # a steady reading: the page must show exactly what it says
            frozen(sim)
        expected = {n: round(sim_power_kw(s), 2) for n, s in zip(("Garage", "Driveway"), sims,
                                                                   strict=True)}
        await page.goto(web.url)
        assert await page.title() == "twc-tui: Garage, Driveway"

        text = await wait_for_screen(page, lambda t: all(
            card_power(t, n) == kw for n, kw in expected.items()))
        assert {n: card_power(text, n) for n in expected} == expected, text
        # Textual shows the footer's keys once the page has focus, as a tap gives it.
        await page.locator("textarea.xterm-helper-textarea").focus()
        text = await wait_for_screen(page, lambda t: "Quit" in t)
        # Kept with the test's temporary files, to be looked at when it fails.
        await page.screenshot(path=str(tmp_path / "web-overview.png"))

        # A wall tablet: one charger's detail, charts and all, and no footer.
        kiosk = await browser.new_page(viewport={"width": 1024, "height": 768})
        await watch_terminal(kiosk)
        await kiosk.goto(f"{web.url}?charger=driveway")
        await kiosk.locator("textarea.xterm-helper-textarea").focus()
        text = await wait_for_screen(kiosk, lambda t: "Driveway" in t and "kW" in t
                                     and "Current" in t)
        assert "Garage" not in text
        assert "Quit" not in text and "Help" not in text
        await kiosk.screenshot(path=str(tmp_path / "web-kiosk-detail.png"))

        # An address naming no charger: the overview, and a line saying why.
        unknown = await browser.new_page(viewport={"width": 1280, "height": 800})
        await watch_terminal(unknown)
        await unknown.goto(f"{web.url}?charger=carport")
        text = await wait_for_screen(unknown, lambda t: "no charger 'carport'" in t)
        assert "showing the overview" in text and "Garage" in text and "Driveway" in text
        await browser.close()


async def test_three_tabs_add_no_request_and_closing_the_browser_ends_their_processes(
        tmp_path: Path) -> None:
    sims = [SimulatedCharger("na", scenario="charging", name="sim-a"),
            SimulatedCharger("na", scenario="idle", name="sim-b")]
    async with WebCommand(tmp_path, sims, names=["Alpha", "Beta"]) as web, \
            playwright.async_playwright() as p:
        browser = await new_browser(p)
        pages = []
        for _ in range(3):
            page = await browser.new_page(viewport={"width": 1200, "height": 800})
            await watch_terminal(page)
            await page.goto(web.url)
            pages.append(page)
        for page in pages:
            await wait_for_screen(page, lambda t: "Alpha" in t and "Beta" in t and "kW" in t)
        assert len(children(web.pid)) == 3
        # With every tab showing live data, watch the chargers for a while.
        opened = time.monotonic()
        await asyncio.sleep(8)
        window = time.monotonic() - opened
        for sim in sims:
            log = list(sim.log)
            assert sim.max_in_flight == 1
            assert {r.method for r in log} == {"GET"} and {r.path for r in log} <= PATHS
            for path in PATHS:
                times = [r.started for r in log if r.path == path]
                gaps = [b - a for a, b in itertools.pairwise(times)]
                assert not gaps or min(gaps) >= 0.975, (sim.name, path, min(gaps))
            # One poller: vitals once a second while charging, every 5 s when idle.
            during = [r for r in log if r.path == "/api/1/vitals" and r.started >= opened]
            assert len(during) <= window + 1, (sim.name, len(during))

        await browser.close()
        deadline = time.monotonic() + 10
        while children(web.pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert children(web.pid) == []
