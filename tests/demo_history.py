"""A day of data behind the demo chargers, for any test (or snapshot) that needs history.

The same backfill ``twc-tui --demo`` writes: the demo farm's simulators (not started, so
their script time stands at their starting point), played into a history database that ends
at the fixed ``NOW``. An app built on it restores that history as it would after a restart,
and is shown the chargers' present as their first poll, so nothing depends on the clock.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

from twc_tui.commands.demo import backfill_demo
from twc_tui.core.clock import FixedClock
from twc_tui.core.config import Settings
from twc_tui.core.models import parse
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.poller import PollSuccess
from twc_tui.engine.restore import open_history
from twc_tui.sim import render as sim_render
from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm
from twc_tui.tui.app import TwcApp

NOW = 1_795_000_000.0
"""2026-11-18 11:06:40 UTC; tests run with TZ=UTC."""
NAMES = ("Garage (NA demo)", "Driveway (EU demo)", "Carport (idle demo)")


def demo_chargers(sims: list[SimulatedCharger]) -> list[ChargerConfig]:
    return [ChargerConfig("127.0.0.1", 8101 + i, name=NAMES[i],
                          max_current_a=48.0 if sim.profile == "na" else 16.0)
            for i, sim in enumerate(sims)]


def write_demo_history(db: Path) -> tuple[list[ChargerConfig], list[SimulatedCharger]]:
    """The demo's week (a day of charts) in ``db``, ending at ``NOW``."""
    sims = SimulatorFarm.demo().chargers
    chargers = demo_chargers(sims)
    backfill_demo(db, chargers, sims, now=NOW)
    return chargers, sims


def demo_app(db: Path, chargers: list[ChargerConfig], sims: list[SimulatedCharger],
             settings: Settings | None = None) -> TwcApp:
    """An app with the history in ``db`` restored and each charger's present shown."""
    clock = FixedClock(NOW)
    settings = settings or Settings()
    settings = dataclasses.replace(settings, db_path=str(db))
    app = TwcApp(chargers, settings, live=False, clock=clock,
                 config_path="~/.config/twc-tui/config.toml")
    store, recorder, _ = open_history(settings, app.engine.states, clock)
    if recorder is not None:
        recorder.close()  # nothing is polled here; the store stays open for the screens
    app.engine.store, app.engine.history_note = store, f"history in {db.name}"
    for charger, sim in zip(chargers, sims, strict=True):
        profile, x = sim.scenario.profile, sim.script_time()
        rng = random.Random(sim.name)
        present = {
            "vitals": sim_render.vitals(profile, sim.scenario.truth(x), x, rng),
            "lifetime": sim_render.lifetime(profile, sim.scenario.lifetime(x)),
            "wifi_status": sim_render.wifi(profile, x, rng),
            "version": sim_render.version(profile),
        }
        for endpoint, raw in present.items():
            app.apply_event(PollSuccess(charger.id, endpoint, parse(endpoint, raw), NOW, 0.02))
    return app
