"""Regenerate the README screenshots from the live demo: ``python screenshots/make.py``.

It starts the demo's simulated chargers over real HTTP on loopback, runs the app headless at
160x50 until every card shows live data, and saves SVGs of the overview, the detail screen and
help. PNGs are made with ``rsvg-convert`` (Debian: librsvg2-bin) when it is installed; it
ignores the SVG's text lengths, so runs of spaces can look narrower than in a terminal (the
trend lines lean left). The SVGs are the reference.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

from twc_tui.commands.monitor import start_demo
from twc_tui.core.config import Settings
from twc_tui.tui.app import TwcApp

HERE = Path(__file__).resolve().parent
SIZE = (160, 50)
WARM_UP_S = 12.0
"""Real seconds of demo before the first shot: long enough for trends and charts to fill."""


async def shoot() -> list[Path]:
    chargers, stop = start_demo()
    app = TwcApp(chargers, Settings(history=False))  # leave the user's history alone
    shots: list[Path] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await asyncio.sleep(WARM_UP_S)
            shots_keys = (("overview", []), ("detail", ["enter"]), ("help", ["question_mark"]))
            for name, keys in shots_keys:
                for key in keys:
                    await pilot.press(key)
                await pilot.pause(0.5)
                path = HERE / f"{name}.svg"
                app.save_screenshot(path.name, str(HERE))
                shots.append(path)
    finally:
        stop()
    return shots


def main() -> int:
    shots = asyncio.run(shoot())
    converter = shutil.which("rsvg-convert")
    for svg in shots:
        print(svg.relative_to(HERE.parent))
        if converter:
            png = svg.with_suffix(".png")
            subprocess.run([converter, "-b", "#1e1e1e", str(svg), "-o", str(png)], check=True)
            print(png.relative_to(HERE.parent))
    if not converter:
        print("rsvg-convert not found: SVGs only (apt-get install librsvg2-bin for PNGs)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
