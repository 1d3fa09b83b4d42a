"""The monitor keeps history in SQLite: a restart keeps charts and events, sessions show, and a
store that cannot be opened costs one line, not the monitor."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from tests.test_tui_keys import screen_text
from tests.test_tui_live import configs, wait_for
from twc_tui.core.config import Settings
from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm
from twc_tui.tui.app import TwcApp
from twc_tui.tui.screens.session_list import SessionsScreen


async def test_restart_keeps_charts_and_events(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings(), db_path=str(tmp_path / "history.db"))
    sim = SimulatedCharger("na", scenario="charging", speed=5, name="garage")
    async with SimulatorFarm([sim]) as farm:
        chargers = configs(farm)
        first = TwcApp(chargers, settings)
        async with first.run_test(size=(120, 40)) as pilot:
            state = next(iter(first.states.values()))
            await wait_for(pilot, lambda: len(state.history.raw) >= 3)
            assert first.engine.recorder is not None and first.engine.recorder.is_writer
        logged = [e.text for e in state.log]
        await sim.go_offline()  # the second run hears nothing: all it shows comes from disk
        second = TwcApp(chargers, settings)
        async with second.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.3)
            restored = next(iter(second.states.values()))
            now = second.now()
            amps = restored.history.series("vehicle_a", now - 300, now, 60)
            assert any(not math.isnan(a) and a > 10 for a in amps)  # charging, from disk
            assert logged[0] in [e.text for e in restored.log]
            assert "no data in the last" not in screen_text(second)  # the charts have data
            await pilot.press("s")
            assert isinstance(second.screen, SessionsScreen)


async def test_unusable_store_is_one_line_and_the_monitor_runs(tmp_path: Path) -> None:
    corrupt = tmp_path / "history.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    settings = dataclasses.replace(Settings(), db_path=str(corrupt))
    sim = SimulatedCharger("na", scenario="idle", speed=1, name="idle")
    async with SimulatorFarm([sim]) as farm:
        app = TwcApp(configs(farm), settings)
        async with app.run_test(size=(120, 40)) as pilot:
            state = next(iter(app.states.values()))
            await wait_for(pilot, lambda: state.vitals is not None)
            assert app.engine.store is None and app.history_note.startswith("no history: ")
            assert "\n" not in app.history_note and str(corrupt) in app.history_note
    assert corrupt.read_bytes() == b"this is not a database" * 100  # never overwritten


async def test_a_write_that_fails_is_told_on_screen_and_its_recovery_too(
        tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from twc_tui.engine.store import Store
    from twc_tui.engine.store_schema import StoreError

    settings = dataclasses.replace(Settings(), db_path=str(tmp_path / "history.db"))
    sim = SimulatedCharger("na", scenario="charging", speed=5, name="garage")
    real_write = Store.write_batch
    full = True

    def write_batch(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if full:
            raise StoreError("the disk is full; the data is kept in memory")
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Store, "write_batch", write_batch)
    async with SimulatorFarm([sim]) as farm:
        app = TwcApp(configs(farm), settings)
        # Textual's test harness hides toasts unless asked: this test is about one.
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            recorder = app.engine.recorder
            assert recorder is not None
            recorder.flush_every_s = 0.2
            await wait_for(pilot, lambda: recorder.last_error is not None, 10.0)
            app._tick_ages()
            await pilot.pause(0.5)
            assert "Cannot write the history yet" in screen_text(app)
            assert "disk is full" in screen_text(app)
            full = False
            recorder._hold_until = 0.0  # the retry backoff is the recorder's own test
            await wait_for(pilot, lambda: recorder.last_error is None, 10.0)
            app._tick_ages()
            await pilot.pause(0.2)
            assert "Writing the history again" in screen_text(app)
