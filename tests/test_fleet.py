"""The fleet table: the default above twelve chargers, filter, sort by key and by header,
totals, enter opens Detail, and only changed cells are sent."""

from __future__ import annotations

import re

from rich.style import Style

from tests.test_tui_keys import screen_text
from tests.tui_scenario import IDLE_VITALS, NA_VITALS, NOW, success
from twc_tui.core.client import Unreachable
from twc_tui.core.clock import FixedClock
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.poller import PollFailure
from twc_tui.tui.app import TwcApp
from twc_tui.tui.screens.detail import DetailScreen
from twc_tui.tui.screens.fleet import FleetScreen
from twc_tui.tui.screens.overview import OverviewScreen


def fleet_app(count: int = 30) -> TwcApp:
    """``count`` chargers: every third charging (more amps further down), one offline."""
    chargers = [ChargerConfig(f"10.0.0.{i + 1}", name=f"Bay {i:02d}", max_current_a=48.0)
                for i in range(count)]
    app = TwcApp(chargers, Settings(), live=False, clock=FixedClock(NOW))
    for i, c in enumerate(chargers):
        charging = i % 3 == 0
        raw = {**(NA_VITALS if charging else IDLE_VITALS), "handle_temp_c": 20.0 + i,
               "vehicle_current_a": 10.0 + i if charging else 0.3}
        for k in range(30):
            app.apply_event(success(c.id, "vitals", raw, NOW - 290 + k * 10))
    down = chargers[4].id
    for n in (1, 2, 3):
        app.apply_event(PollFailure(down, "vitals", Unreachable("connection refused",
                                                                endpoint="vitals"),
                                    NOW - 30 + n, n, n >= 3, 60.0))
    return app


def rows(app: TwcApp) -> list[str]:
    return [line for line in screen_text(app).splitlines() if line.lstrip().startswith("Bay")]


async def test_the_table_is_the_default_above_twelve_and_v_toggles() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, FleetScreen)
        await pilot.pause()
        text = screen_text(app)
        assert "Name ↑" in text and "Trend 5m" in text and "v Cards" in text
        assert "10 charging · 10 plugged in · 1 offline" in text
        assert "hottest handle 49.0 °C (Bay 29)" in text
        assert "OFFLINE" in next(r for r in rows(app) if "Bay 04" in r)
        await pilot.press("v")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("v")
        assert isinstance(app.screen, FleetScreen)
    app = fleet_app(12)
    async with app.run_test(size=(120, 40)):
        assert isinstance(app.screen, OverviewScreen)


async def test_filter_by_name_state_or_host_then_clear() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"charging", "enter")  # enter applies it and keeps it
        await pilot.pause()
        shown = rows(app)
        assert len(shown) == 10 and all("CHARGING" in r for r in shown)
        assert "10 of 30 shown" in screen_text(app)
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"10.0.0.12", "enter")
        await pilot.pause()
        assert [r.split()[1] for r in rows(app)] == ["11"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(rows(app)) == 30 and "30 chargers" in screen_text(app)


async def test_one_key_filters_at_once() -> None:
    """A key after a pause answers in the next frame, without the wait that gathers fast
    typing (the bench measured 360 ms from a key to its filtered table)."""
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", "9")
        await pilot.pause()
        assert "6 of 30 shown" in screen_text(app)  # Bay 09, 19, 29 and hosts 10.0.0.9 ...


async def shown_when(pilot, words: str) -> str:  # type: ignore[no-untyped-def]
    """The screen once ``words`` are on it: the filter applies after a pause in the keys,
    on the app's timer (ten seconds is no speed limit: it only stops a hung test)."""
    for _ in range(200):
        await pilot.pause(0.05)
        if words in (text := screen_text(pilot.app)):
            return text
    raise AssertionError(f"never shown: {words!r}")


async def test_typing_a_filter_fast_over_300_chargers_loses_no_key() -> None:
    app = fleet_app(300)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"bay 12")  # as fast as the pilot types
        text = await shown_when(pilot, "11 of 300 shown")
        assert [r.split()[1] for r in rows(app)] == ["12", *(str(n) for n in range(120, 130))]
        # The keys went on into the field: it still has the focus until enter.
        await pilot.press(*"9")
        text = await shown_when(pilot, " 1 of 300 shown")
        assert "bay 129" in text and [r.split()[1] for r in rows(app)] == ["129"]
        await pilot.press("backspace", "enter", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and "Bay 120" in screen_text(app)
        await pilot.press("escape", "escape")  # back to the table, then the filter cleared
        text = await shown_when(pilot, "300 chargers")
        assert rows(app)[0].split()[:2] == ["Bay", "00"]


async def test_a_sort_shows_the_top_of_the_new_order() -> None:
    app = fleet_app(300)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+end")  # the last row: far down the list
        await pilot.pause()
        assert "Bay 00" not in screen_text(app)
        await pilot.press("o", "o")  # power, largest first
        await pilot.pause()
        assert rows(app)[0].split()[:2] == ["Bay", "297"]  # the most amps, on top


async def test_sort_by_key_and_by_clicking_a_header() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o", "o")  # name -> state -> power
        await pilot.pause()
        assert "Power ↓" in screen_text(app)
        assert rows(app)[0].split()[:2] == ["Bay", "27"]  # the most amps
        header = next(line for line in screen_text(app).splitlines() if "Handle" in line)
        await pilot.click("#fleet-table", offset=(header.index("Handle") + 1, 0))
        await pilot.pause()
        assert "Handle ↓" in screen_text(app)
        assert rows(app)[0].split()[:2] == ["Bay", "29"]  # the hottest
        await pilot.press("O")
        await pilot.pause()
        assert rows(app)[0].split()[:2] == ["Bay", "00"]


async def test_enter_opens_the_detail_of_the_row_under_the_cursor() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert "Bay 02" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, FleetScreen)


async def test_a_poll_changes_only_its_row_and_redraws_within_a_second() -> None:
    """What reaches the terminal after one charger's poll is that row, not the table: a
    full repaint per poll was 28 KB/s with 50 chargers at 1 s."""
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        sent: list[str] = []
        original = app._display

        def terminal(screen, renderable):  # type: ignore[no-untyped-def]
            # What the app would write to a real terminal (a headless one writes nothing).
            if hasattr(renderable, "render_segments"):
                sent.append(renderable.render_segments(app.console))
            return original(screen, renderable)

        app._display = terminal  # type: ignore[method-assign]
        charger = list(app.states)[3]
        app.apply_event(success(charger, "vitals", {**NA_VITALS, "vehicle_current_a": 44.4,
                                                    "handle_temp_c": 23.0}, NOW))
        await pilot.pause(1.3)
        assert "44.4 A" in next(r for r in rows(app) if "Bay 03" in r)
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", "".join(sent))
        assert "44.4 A" in text
        table_lines = [line for line in text.splitlines() if "total ·" not in line]
        assert set(re.findall(r"Bay \d\d", "\n".join(table_lines))) == {"Bay 03"}


async def test_a_value_that_grows_is_not_cut() -> None:
    """0.00 kW, then 11.59 kW: the column was sized by its first cells."""
    app = fleet_app(30)
    async with app.run_test(size=(160, 40)) as pilot:
        charger = list(app.states)[1]
        app.apply_event(success(charger, "vitals", {**NA_VITALS, "vehicle_current_a": 48.0,
                                                    "handle_temp_c": 101.5}, NOW))
        await pilot.pause(1.3)
        row = next(r for r in rows(app) if "Bay 01" in r)
        assert "11.59 kW" in row and "48.0 A" in row and "101.5 °C" in row


def _cell_styles(app, name: str) -> dict[str, Style]:  # type: ignore[no-untyped-def]
    """The style of each word of the table row of the charger ``name``."""
    for strip in app.screen._compositor.render_strips():
        text = "".join(segment.text for segment in strip)
        if text.lstrip().startswith(name + " "):
            styles: dict[str, Style] = {}
            for segment in strip:
                for word in segment.text.split():
                    styles.setdefault(word, segment.style or Style())
            return styles
    raise AssertionError(f"{name!r} is not on screen")


async def test_rows_are_striped_the_cursor_row_stands_out_and_cells_keep_their_colour() -> None:
    """What the eye gets from the table: alternate rows shaded, the row under the cursor in
    the cursor's colours over its cells' own, a state in its colour elsewhere; and after a
    sort (every row moves) and a poll (one cell changes), the same."""
    app = fleet_app(30)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("down", "down")
        await pilot.pause()

        def check(cursor_name: str) -> None:
            names = [" ".join(r.split()[:2]) for r in rows(app)]
            at = names.index(cursor_name)
            under = _cell_styles(app, cursor_name)
            assert len({s.bgcolor for s in under.values()}) == 1  # one bar across the row
            shades = [_cell_styles(app, n)["Bay"].bgcolor for n in names]
            for k, shade in enumerate(shades):
                if k != at:
                    assert shade != under["Bay"].bgcolor
                if k + 1 < len(shades) and at not in (k, k + 1):
                    assert shade != shades[k + 1]  # zebra: each row unlike the next
            offline = _cell_styles(app, "Bay 04")
            if at != names.index("Bay 04"):
                red = offline["OFFLINE"].color.get_truecolor()
                assert offline["OFFLINE"].bold and red.red > 2 * max(red.green, red.blue)
            charging = next(n for n in names if n != cursor_name
                            and "CHARGING" in _cell_styles(app, n))
            green = _cell_styles(app, charging)["CHARGING"].color.get_truecolor()
            assert green.green > max(green.red, green.blue)
            assert under["Bay"].color == next(iter(under.values())).color

        check("Bay 02")
        await pilot.press("o", "o")  # by power: every row moves, the cursor goes to the top
        await pilot.pause()
        top = " ".join(rows(app)[0].split()[:2])
        check(top)
        app.apply_event(success(list(app.states)[1], "vitals",
                                {**NA_VITALS, "vehicle_current_a": 40.0}, NOW))
        await pilot.pause(1.3)
        assert "40.0 A" in next(r for r in rows(app) if "Bay 01" in r)
        check(top)  # the cursor stays on its charger when a poll moves the rows


def test_a_cell_is_drawn_as_rich_draws_it() -> None:
    """The table's short way of drawing a one-line cell gives what Rich's drawing shows:
    left and right, styled, cut where too long, wide characters cut at a cell boundary."""
    from rich.console import Console
    from rich.segment import Segment
    from rich.text import Text

    from twc_tui.tui.widgets.cell_drawing import draw_cell, draw_cell_rich

    console = Console(width=120, color_system="256")
    cells = [Text("Bay 01"), Text("11.53 kW", justify="right"),
             Text("OFFLINE 18:04", style="bold red"), Text("now", style="dim"),
             Text("a name far longer than its column"),
             Text("12.3 kWh · 1h 00m", justify="right", style="bold yellow"),
             Text("充電器の名前です", justify="right"), Text("充電器の名前です"),
             Text("▁▂▃▄   ", style="green"), Text(""), Text("-", justify="right")]
    row = Style(bgcolor="grey11")

    def shown(segments: list) -> list:  # type: ignore[type-arg]
        return list(Segment.simplify(Segment.apply_style(segments, style=row)))

    for cell in cells:
        for width in (1, 5, 8, 13, 18):
            assert shown(draw_cell(console, cell, width)) == shown(
                draw_cell_rich(console, cell, width)), (cell.plain, width)
