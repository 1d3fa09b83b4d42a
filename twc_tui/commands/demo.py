"""``--demo``: three simulated chargers on loopback, served from a thread with its own event
loop, their simulated past written into the history first so charts and sessions are full."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from twc_tui.core.targets import ChargerConfig

if TYPE_CHECKING:
    from twc_tui.sim.charger import SimulatedCharger

DEMO_SPEED = 20.0
"""Simulated seconds per real second in the demo: a plug-in, a charge and a derate within
a minute or two."""


def start_demo(speed: float = DEMO_SPEED, history_db: Path | None = None,
               ) -> tuple[list[ChargerConfig], Callable[[], None]]:
    """Start the demo chargers on loopback in a background thread with its own event loop,
    so the simulators and the UI never wait on each other. With ``history_db``, the
    chargers' last week (a day of charts) is written there first, ending at their present."""
    from twc_tui.sim.charger import SimulatorFarm

    ready = threading.Event()
    box: dict[str, object] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        farm = SimulatorFarm.demo(speed=speed)
        try:
            loop.run_until_complete(farm.start())
        except BaseException as error:  # report to the main thread, which says it in words
            box["error"] = error
            ready.set()
            return
        box["farm"], box["loop"] = farm, loop
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="demo-simulators", daemon=True)
    thread.start()
    ready.wait(10)
    if "farm" not in box:
        raise RuntimeError(f"could not start the demo chargers: {box.get('error')}")
    farm, loop = box["farm"], box["loop"]
    names = ("Garage (NA demo)", "Driveway (EU demo)", "Carport (idle demo)")
    chargers = [
        ChargerConfig(host="127.0.0.1", port=sim.port, name=names[i] if i < 3 else sim.name,
                      max_current_a=48.0 if sim.profile == "na" else 16.0)
        for i, sim in enumerate(farm.chargers)  # type: ignore[attr-defined]
    ]
    if history_db is not None:
        backfill_demo(history_db, chargers, farm.chargers)  # type: ignore[attr-defined]

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(farm.stop(), loop).result(5)  # type: ignore[attr-defined,arg-type]
        loop.call_soon_threadsafe(loop.stop)  # type: ignore[attr-defined]

    return chargers, stop


def backfill_demo(db: Path, chargers: list[ChargerConfig], sims: list[SimulatedCharger],
                  now: float | None = None) -> None:
    """Write the simulated past of ``sims`` (one per charger) into the database ``db``."""
    import logging
    import time

    from twc_tui.engine.replay import replay
    from twc_tui.engine.store import Store, StoreError
    from twc_tui.sim.backfill import readings

    now = time.time() if now is None else now
    started = time.perf_counter()
    try:
        store = Store.open(db)
    except StoreError as error:  # the demo still runs, without its past
        logging.getLogger("twc_tui.demo").warning("no demo history: %s", error)
        return
    try:
        replay(store, chargers, {c.id: readings(sim, now) for c, sim in zip(chargers, sims,
                                                                             strict=True)},
               now=now)
    finally:
        store.close()
    logging.getLogger("twc_tui.demo").info(
        "demo history written in %.2f s", time.perf_counter() - started)
