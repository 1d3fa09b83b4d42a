"""Regenerate the README screenshots: ``python screenshots/make.py`` (a minute or two).

What a new user sees: ``--demo``'s simulated chargers over real HTTP on loopback, with the
week it writes into its temporary history before it starts (so every chart range and the
Sessions screen are full), and a fleet of 40 simulated chargers for the table. Each screen is
shot at 160x50 and at 80x24 as SVG and turned into PNG by headless Chromium (Debian:
``chromium``), which keeps the SVG's text lengths; ``rsvg-convert`` does not, and its trend
lines leaned left. Only the PNGs are kept: the README shows them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from twc_tui.commands.demo import backfill_demo, start_demo
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm
from twc_tui.tui.app import TwcApp

HERE = Path(__file__).resolve().parent
SIZES = ((160, 50), (80, 24))
FLEET = 40
FIRST_ANSWERS_S = 20.0
"""At most this long (real seconds) for every charger's first answer before a shot."""

Shots = list[tuple[str, list[str]]]
DEMO_SHOTS: Shots = [
    ("overview", []),
    ("detail-5m", ["enter"]),
    ("detail-1h", ["t"]),
    ("detail-24h", ["t"]),
    ("sessions", ["t", "escape", "s"]),  # t once more: the range back to 5 min
    ("help", ["escape", "question_mark"]),
]
FLEET_SHOTS: Shots = [("fleet", ["o", "o"])]  # sorted by power, largest first


async def shoot(app: TwcApp, size: tuple[int, int], shots: Shots, suffix: str,
                offline: str | None = None) -> list[Path]:
    """Run ``app`` headless at ``size`` and save an SVG after each group of keys."""
    saved: list[Path] = []
    async with app.run_test(size=size) as pilot:
        for _ in range(int(FIRST_ANSWERS_S * 10)):
            await asyncio.sleep(0.1)
            states = app.states.values()
            answered = all(s.vitals is not None for s in states if s.charger != offline)
            gone = offline is None or app.states[offline].health == "offline"
            if answered and gone:
                break
        await pilot.pause(1.5)
        for name, keys in shots:
            for key in keys:
                await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause(0.8)
            app.clear_notifications()  # a toast would hide part of the screen
            await pilot.pause()
            path = HERE / f"{name}-{suffix}.svg"
            app.save_screenshot(path.name, str(HERE))
            saved.append(path)
    return saved


def demo_shots(size: tuple[int, int], suffix: str) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="twc-shots-") as tmp:
        db = Path(tmp) / "history.db"
        chargers, stop = start_demo(history_db=db)
        try:
            app = TwcApp(chargers, Settings(db_path=str(db)),
                         config_path="~/.config/twc-tui/config.toml")
            return asyncio.run(shoot(app, size, DEMO_SHOTS, suffix))
        finally:
            stop()


def start_fleet() -> tuple[list[ChargerConfig], list[SimulatedCharger], Callable[[], None]]:
    """Forty chargers on loopback, at different moments of the simulated day, in a
    background loop (as the demo's are); the last one stops answering."""
    sims = [SimulatedCharger("eu" if i % 4 == 3 else "na", scenario="day", seed=i,
                             start_at_s=(i * 1931) % 86400, name=f"bay-{i + 1:02d}")
            for i in range(FLEET)]
    farm = SimulatorFarm(sims)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        loop.run_until_complete(farm.start())
        ready.set()
        loop.run_forever()

    threading.Thread(target=serve, name="fleet-simulators", daemon=True).start()
    if not ready.wait(20):
        raise RuntimeError("the fleet's simulators did not start")
    chargers = [ChargerConfig("127.0.0.1", sim.port,
                              name=f"Level {1 + i // 10} bay {i % 10 + 1:02d}",
                              max_current_a=48.0 if sim.profile == "na" else 16.0)
                for i, sim in enumerate(sims)]

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(farm.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)

    asyncio.run_coroutine_threadsafe(sims[-1].go_offline(), loop).result(5)
    return chargers, sims, stop


def fleet_shots(size: tuple[int, int], suffix: str) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="twc-shots-") as tmp:
        db = Path(tmp) / "history.db"
        chargers, sims, stop = start_fleet()
        try:
            backfill_demo(db, chargers, sims)  # full trends from the first second
            settings = dataclasses.replace(Settings(), db_path=str(db))
            app = TwcApp(chargers, settings, config_path="~/.config/twc-tui/config.toml")
            return asyncio.run(shoot(app, size, FLEET_SHOTS, suffix, offline=chargers[-1].id))
        finally:
            stop()


def to_png(svg: Path, chromium: str) -> Path:
    """The SVG as Chromium draws it, at its own size; no network (the SVG names a web font:
    the local monospace font stands in)."""
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text())
    if box is None:
        raise RuntimeError(f"{svg.name}: no viewBox")
    width, height = (int(float(v) + 0.99) for v in box.groups())
    png = svg.with_suffix(".png")
    with tempfile.TemporaryDirectory(prefix="twc-chromium-") as profile:
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND",
             f"--user-data-dir={profile}", f"--window-size={width},{height}",
             f"--screenshot={png}", svg.as_uri()],
            check=True, capture_output=True, timeout=120)
    return png


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not found (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    for size in SIZES:
        suffix = f"{size[0]}x{size[1]}"
        for svg in demo_shots(size, suffix) + fleet_shots(size, suffix):
            png = to_png(svg, chromium)
            svg.unlink()
            print(png.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
