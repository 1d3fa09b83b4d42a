"""The demo starts with a day behind it: full charts on every range, a populated Sessions
screen and full trends at once, and the live data continuing from there."""

from __future__ import annotations

import asyncio
import math
import re
from pathlib import Path

from tests.demo_history import NOW, demo_app
from tests.test_tui_keys import screen_text
from twc_tui.commands.demo import start_demo
from twc_tui.core.config import Settings
from twc_tui.engine.store import Store
from twc_tui.tui.app import TwcApp


async def test_every_chart_range_is_full_at_once(demo_day) -> None:
    app = demo_app(*demo_day)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("enter")
        for label in ("5 min", "1 hour", "24 hours"):
            await pilot.pause()
            text = screen_text(app)
            assert f"last {label}" in text and "no data" not in text, label
            await pilot.press("t")


async def test_the_24h_chart_holds_the_whole_day(demo_day) -> None:
    app = demo_app(*demo_day)
    for state in app.states.values():
        values = state.history.series("power_kw", NOW - 86400, NOW, 96, max_gap=4320)
        assert sum(math.isnan(v) for v in values) <= 1  # at most the oldest bucket
        # Two sessions a day: the evening charge and the morning one both show.
        assert sum(v > 5 for v in values) >= 8 and sum(v < 0.2 for v in values) >= 40


async def test_sessions_screen_shows_a_week_with_totals(demo_day) -> None:
    app = demo_app(*demo_day)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        count = int(re.search(r"(\d+) sessions, [\d.]+ kWh", text).group(1))
        assert count >= 40  # two a day, three chargers, a week
        assert "alerts 40" in text and "in progress" in text
        # Energy per day: a bar for each of the last seven days.
        assert len(re.findall(r"\d\d-\d\d █+[▌ ]*\d+\.\d", text)) >= 7


async def test_cards_show_a_full_trend_at_80_columns(demo_day) -> None:
    app = demo_app(*demo_day)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
        trends = [line for line in lines if re.search(r"[▁▂▃▄▅▆▇█_]{30,}", line)]
        assert len(trends) == 3


def test_backfill_writes_a_week_of_sessions_ending_now(demo_day) -> None:
    db, chargers, _ = demo_day
    store = Store.open(db, readonly=True)
    try:
        sessions = store.sessions()
        assert {s.charger for s in sessions} == {c.id for c in chargers}
        assert min(s.started for s in sessions) < NOW - 6 * 86400
        closed = [s for s in sessions if s.ended is not None]
        assert sum(s.complete for s in closed) >= 36
        assert all(s.lifetime_delta_wh for s in closed if s.complete)
        newest = max(t for c in chargers for t, _ in store.load_history(c.id, NOW - 60))
        assert NOW - 10 <= newest <= NOW + 10
    finally:
        store.close()


async def test_live_demo_continues_the_past_without_a_gap(tmp_path: Path) -> None:
    """Over real HTTP: the backfilled day, then the live simulators from where it ends."""
    db = tmp_path / "history.db"
    chargers, stop = start_demo(history_db=db)
    try:
        app = TwcApp(chargers, Settings(db_path=str(db)))
        async with app.run_test(size=(160, 50)) as pilot:
            deadline = asyncio.get_running_loop().time() + 5
            while not all(s.vitals for s in app.states.values()):
                assert asyncio.get_running_loop().time() < deadline
                await pilot.pause(0.1)
            now = app.now()
            for state in app.states.values():
                # The last 5 minutes: 10 s buckets from the past, then live samples.
                values = state.history.series("power_kw", now - 300, now, 30, max_gap=15)
                assert not any(math.isnan(v) for v in values[1:]), state.name
                day = state.history.series("power_kw", now - 86400, now, 96, max_gap=4320)
                assert sum(math.isnan(v) for v in day) <= 1, state.name
    finally:
        stop()
