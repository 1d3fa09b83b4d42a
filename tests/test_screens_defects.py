"""What the screens got wrong (issue 15 §4), each checked on what the user sees."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from tests.test_record_cmd import run_cmd
from tests.test_tui_keys import screen_text
from tests.tui_scenario import (
    CHARGERS,
    LIFETIME,
    NA_VITALS,
    NOW,
    make_app,
    success,
)
from twc_tui.commands import sessions
from twc_tui.commands.monitor import build_parser
from twc_tui.core.clock import FixedClock
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.session_tracker import Session
from twc_tui.engine.store import Store
from twc_tui.engine.writer_lock import WriterLock
from twc_tui.sim.charger import SimulatedCharger
from twc_tui.tui.app import TwcApp


def footer(app: TwcApp) -> str:
    return screen_text(app).splitlines()[-1]


async def test_1_paused_shows_on_the_detail_screen() -> None:
    app = make_app(1)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "PAUSED" not in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" not in screen_text(app)


@pytest.mark.parametrize(("warn", "hot"), [(85.0, False), (40.0, True)])
async def test_2_pcba_warn_threshold_comes_from_the_settings(warn: float, hot: bool) -> None:
    app = TwcApp(CHARGERS[:1], Settings(pcba_warn_c=warn), live=False, clock=FixedClock(NOW))
    app.apply_event(success(CHARGERS[0].id, "vitals", NA_VITALS, NOW))  # PCBA 41, MCU 45.2
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert ("41.0 °C  hot" in text) is hot and ("45.2 °C  hot" in text) is hot


def _seen_session_db(tmp_path: Path) -> Path:
    db = tmp_path / "h.db"
    store = Store.open(db)
    store.write_batch(sessions=[Session("127.0.0.1:80", started=NOW - 600, last_seen=NOW,
                                        energy_wh=2000.0, saw_start=True)])
    store.close()
    return db


async def test_3_a_session_in_progress_seen_from_its_plug_in_is_not_partial(
    tmp_path: Path,
) -> None:
    db = _seen_session_db(tmp_path)
    code, text = run_cmd(sessions.main, ["--db", str(db)])
    assert code == 0 and "in progress" in text and "partial" not in text
    app = TwcApp([ChargerConfig("127.0.0.1")], Settings(db_path=str(db)), live=False,
                 clock=FixedClock(NOW))
    app.engine.store = Store.open(db, readonly=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "in progress" in text and "partial" not in text
    app.engine.store.close()


def test_5_help_names_the_default_config_path() -> None:
    out = io.StringIO()
    build_parser().print_help(out)
    text = " ".join(out.getvalue().split())
    assert "default: None" not in text and "config.toml" in text


async def test_6_a_failing_recorder_is_closed_and_the_user_told(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    async with SimulatedCharger("na", scenario="charging", speed=10) as sim:
        app = TwcApp([ChargerConfig("127.0.0.1", sim.port, name="Garage")],
                     Settings(db_path=str(db)))
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 5
            while app.engine.recorder is None or not app.engine.recorder.is_writer:
                assert loop.time() < deadline
                await pilot.pause(0.1)
            assert not WriterLock(db).try_acquire()  # the monitor writes

            def broken() -> None:
                raise OSError(28, "No space left on device")

            app.engine.recorder.tick = broken  # type: ignore[method-assign]
            deadline = loop.time() + 8  # the app looks every 5 s
            while "History stopped" not in screen_text(app):
                assert loop.time() < deadline, screen_text(app)
                await pilot.pause(0.2)
            assert "No space left on device" in screen_text(app)
            assert WriterLock(db).try_acquire()  # the lock went with it


async def test_8_detail_footer_hides_keys_that_cannot_act_and_keeps_help() -> None:
    app = make_app(1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = footer(app)
        assert "Next" not in line and "Overview" not in line
        assert "? Help" in line and "s Sessions" in line
    app = make_app(3)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        line = footer(app)
        assert "esc Overview" in line and "? Help" in line and "s Sessions" in line


async def test_9_an_unplugged_offline_charger_says_last_session_everywhere() -> None:
    app = make_app(3)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert "last session 5.56 kWh" in screen_text(app)  # its card
        await pilot.press("3")
        await pilot.pause()
        text = screen_text(app)
        assert "last session 5.56 kWh" in text and "5.56 kWh / 0s" not in text


async def test_10_units_once_and_unknown_fields_apart_from_their_values() -> None:
    app = TwcApp(CHARGERS[:1], Settings(), live=False, clock=FixedClock(NOW))
    charger = CHARGERS[0].id
    app.apply_event(success(charger, "vitals",
                            {**NA_VITALS, "future_sensor_reading": 123.4}, NOW))
    app.apply_event(success(charger, "lifetime", LIFETIME, NOW))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Avg start" in text and "°C 0.0 °C" not in text
        line = next(line for line in text.splitlines() if "123.4" in line)
        assert "future_sens… 123.4" in line or "future_senso… 123.4" in line


async def test_11_help_lists_the_real_bindings_of_the_screen_below() -> None:
    app = make_app(3)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("enter", "question_mark")
        await pilot.pause()
        text = screen_text(app)
        for key, words in (("esc", "back to the overview"), ("tab", "the next charger"),
                           ("1-3", "show that charger"), ("p, space", "freeze the display"),
                           ("s", "charging sessions")):
            assert any(key in line and words in line for line in text.splitlines()), key
    app = make_app(1)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "the next charger" not in text and "back to the overview" not in text


def test_7_export_writes_csv_or_json(demo_day) -> None:
    import csv
    import json

    from twc_tui.commands import export

    db = demo_day[0]
    code, text = run_cmd(export.main, ["events", "--csv", "--db", str(db)])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert code == 0 and rows and rows[0].keys() >= {"time", "charger", "kind", "text"}
    code, text = run_cmd(export.main, ["events", "--json", "--db", str(db)])
    data = json.loads(text)
    assert code == 0 and [d["text"] for d in data] == [r["text"] for r in rows]
    code, text = run_cmd(export.main, ["samples", "--json", "--db", str(db)])
    sample = json.loads(text)[-1]
    assert code == 0 and sample["readings"] >= 1 and sample["power_w_mean"] is not None
