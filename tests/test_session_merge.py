"""One plug-in is one row, on disk and on screen, when a run meets it mid-way.

The demo backfills a day, then polls simulators that run 20 times faster than the wall
clock: their ``session_s`` back-dates the live session far before the backfilled start, and
the Sessions screen listed each charge twice ("in progress" and "partial, in progress"), with
the day's totals doubled. The same happens to ``record`` restarted mid-charge on firmware
whose count disagrees with ours. What joins the two is the gap, not ``session_s``.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from tests.test_recorder import vitals
from tests.test_tui_keys import screen_text
from twc_tui.core.config import Settings
from twc_tui.engine.charger_state import ChargerState
from twc_tui.engine.poller import PollSuccess
from twc_tui.engine.recorder import Recorder
from twc_tui.engine.store import Store
from twc_tui.tui.screens.session_list import SessionsScreen

T0 = 1_800_000_000.0


def charging(at: float, session_s: int, energy_wh: float) -> PollSuccess:
    return vitals(at, vehicle_connected=True, contactor_closed=True, vehicle_current_a=32.0,
                  evse_state=11, session_s=session_s, session_energy_wh=energy_wh,
                  uptime_s=int(at - T0) + 5000)


def first_run(db: Path) -> None:
    """Plug-in seen at T0, ten minutes of charging, then the process ends mid-charge."""
    store = Store.open(db)
    recorder = Recorder(store, auto_flush=False, wall=lambda: T0 + 600)
    state = ChargerState("c1", "Garage")
    for event in (vitals(T0 - 5, uptime_s=4995),
                  *(charging(T0 + i, i, 2.0 * i) for i in range(0, 601, 5))):
        recorder.feed(event, state.apply(event))
    assert recorder.close() is None
    store.close()


def second_run(db: Path, session_s: int, flush: bool = True) -> Recorder:
    """Starts 5 s later and sees the charge go on, with ``session_s`` as given."""
    store = Store.open(db)
    recorder = Recorder(store, auto_flush=False, wall=lambda: T0 + 700)
    state = ChargerState("c1", "Garage")
    for i in range(605, 700, 5):
        event = charging(T0 + i, session_s + i - 605, 2.0 * i)
        recorder.feed(event, state.apply(event))
    if flush:
        recorder.flush()
    return recorder


def stored(db: Path) -> list:
    reader = Store.open(db, readonly=True)
    try:
        return reader.sessions()
    finally:
        reader.close()


def test_a_run_that_meets_the_charge_mid_way_continues_its_row(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    first_run(db)
    # A simulator at 20x: session_s says the plug-in was 3 hours ago, not 10 minutes.
    second_run(db, session_s=12_100).close()
    [row] = stored(db)
    assert row.started == T0 and row.saw_start and row.ended is None
    assert row.notes == ["in progress"]
    # Each run counts what it watched: 600 s, then 90 s (the 5 s blind spot between is not
    # counted as charging by either).
    assert row.charging_s == 600 + 90
    assert row.energy_wh == 2.0 * 695


def test_a_plug_in_after_the_last_reading_is_a_new_row(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    first_run(db)
    second_run(db, session_s=2).close()  # plugged in 3 s ago: a car swapped in the gap
    assert [round(r.started - T0) for r in stored(db)] == [0, 603]


def test_a_run_long_after_is_not_joined(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    first_run(db)
    store = Store.open(db)
    recorder = Recorder(store, auto_flush=False, wall=lambda: T0 + 2000)
    state = ChargerState("c1", "Garage")
    event = charging(T0 + 1500, 12_100, 3000.0)  # 15 min blind: nobody knows what happened
    recorder.feed(event, state.apply(event))
    recorder.close()
    store.close()
    assert len(stored(db)) == 2


class Host(App[None]):
    def __init__(self, screen: SessionsScreen) -> None:
        super().__init__()
        self.sessions_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.sessions_screen)


async def test_the_screen_shows_one_row_before_the_first_write(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    first_run(db)
    recorder = second_run(db, session_s=12_100, flush=False)  # in memory only, as at start
    store = Store.open(db)
    try:
        screen = SessionsScreen(store, Settings(), {"c1": "Garage"},
                                live=recorder.open_sessions)
        app = Host(screen)
        async with app.run_test(size=(120, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = screen_text(app)
            assert "1 sessions" in text or "1 session" in text
            assert text.count("Garage") == 1 and "partial" not in text
            assert "in progress" in text
    finally:
        recorder.close()
        store.close()
