"""A review of the fleet table (``FleetTable``) as a user meets it: keys, scrolling, the
filter, wide names, resizing, the mouse, the theme and focus. Every check reads what is on
screen: the text, or the styles of the segments the compositor would send."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.style import Style

from tests.test_fleet import fleet_app
from tests.test_tui_keys import screen_text, toast_text
from tests.tui_scenario import IDLE_VITALS, NA_VITALS, NOW, success
from twc_tui.tui.screens.detail import DetailScreen
from twc_tui.tui.screens.fleet import FleetScreen

TITLES = ("Name", "State", "Power", "Current", "Handle", "Age", "Session", "Trend 5m")


# -- what is on screen ---------------------------------------------------------------------
def _table(app):  # type: ignore[no-untyped-def]
    return app.screen.query_one("#fleet-table")


def _cut(strip, start: int, end: int) -> list[tuple[str, Style]]:  # type: ignore[no-untyped-def]
    """The cells of ``strip`` from ``start`` to ``end`` (screen columns), one (char, style)
    per cell; a wide character fills its first cell, the second is ""."""
    cells: list[tuple[str, Style]] = []
    for segment in strip:
        for ch in segment.text:
            cells.append((ch, segment.style or Style()))
            if cell_len(ch) == 2:
                cells.append(("", segment.style or Style()))
    return cells[start:end]


def table_view(app) -> list[list[tuple[str, Style]]]:  # type: ignore[no-untyped-def]
    """The table's visible content (header first, no scrollbars) as cells."""
    region = _table(app).scrollable_content_region
    strips = app.screen._compositor.render_strips()
    return [_cut(strips[y], region.x, region.right) for y in range(region.y, region.bottom)]


def table_text(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The table's visible lines as text, header first, no scrollbars."""
    return ["".join(ch for ch, _ in line) for line in table_view(app)]


def body(app) -> list[str]:  # type: ignore[no-untyped-def]
    return table_text(app)[1:]


def name_of(line: str) -> str | None:
    found = re.search(r"Bay \d\d", line)
    return found.group() if found else None


def cursor_row(app) -> str:  # type: ignore[no-untyped-def]
    """The text of the one row drawn in the cursor's colours: of the rows on screen, the only
    one whose shade is neither zebra shade (every other shade is seen at least twice)."""
    lines = [(("".join(ch for ch, _ in line)), line[1][1].bgcolor)
             for line in table_view(app)[1:] if "".join(ch for ch, _ in line).strip()]
    counts: dict[object, int] = {}
    for _, bg in lines:
        counts[bg] = counts.get(bg, 0) + 1
    single = [text for text, bg in lines if counts[bg] == 1]
    assert len(single) == 1, f"no single cursor row among {len(lines)} rows: {counts}"
    return single[0]


def row_styles(app) -> list[tuple[str, tuple[Style, ...]]]:  # type: ignore[no-untyped-def]
    """Every table line on screen with the style of each of its cells."""
    return [("".join(ch for ch, _ in line), tuple(s for _, s in line))
            for line in table_view(app)]


async def scroll_right_fully(pilot) -> None:  # type: ignore[no-untyped-def]
    """A click on the horizontal scrollbar's track, right of its thumb: a page right."""
    region = _table(pilot.app).scrollable_content_region
    await pilot.click(offset=(region.right - 2, region.bottom))
    await pilot.pause()


def on_detail_of(app, name: str) -> bool:  # type: ignore[no-untyped-def]
    return isinstance(app.screen, DetailScreen) and name in screen_text(app)


# -- keys ------------------------------------------------------------------------------------
async def _check_keys(size: tuple[int, int]) -> None:
    app = fleet_app(60)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        visible = len(body(app))
        expected = 0

        async def press(key: str, row: int) -> None:
            nonlocal expected
            await pilot.press(key)
            await pilot.pause()
            expected = row
            name = f"Bay {row:02d}"
            shown = [name_of(line) for line in body(app)]
            assert name in shown, (key, name, shown)
            assert name_of(cursor_row(app)) == name, (key, cursor_row(app))

        await press("down", 1)
        await press("pagedown", 1 + visible)  # a page down: past the bottom, it scrolls
        await press("up", expected - 1)
        await press("down", expected + 1)
        await press("down", expected + 1)
        await press("pagedown", min(59, expected + visible))
        await press("pageup", expected - visible)
        await press("up", expected - 1)
        await press("end", 59)
        await press("home", 0)
        await press("ctrl+end", 59)
        await press("up", 58)
        await press("ctrl+home", 0)
        await press("pageup", 0)
        await press("up", 0)
        await press("ctrl+end", 59)
        await press("pagedown", 59)
        await press("down", 59)
        await pilot.press("enter")
        await pilot.pause()
        assert on_detail_of(app, "Bay 59")


async def test_keys_keep_the_cursor_bar_on_screen_on_its_row_120x40() -> None:
    await _check_keys((120, 40))


async def test_keys_keep_the_cursor_bar_on_screen_on_its_row_80x24() -> None:
    """At 80x24 both scrollbars are shown: the last row must not hide under the bottom one."""
    await _check_keys((80, 24))


# -- horizontal scrolling ----------------------------------------------------------------------
async def _wide_lines() -> list[str]:
    app = fleet_app(30)
    async with app.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        return table_text(app)


async def test_scrolling_right_moves_the_header_with_the_rows_and_back() -> None:
    wide = await _wide_lines()
    app = fleet_app(30)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        width = len(table_text(app)[0])
        assert table_text(app) == [line[:width] for line in wide[: len(table_text(app))]]
        assert "Trend 5m" not in table_text(app)[0]
        for _ in range(22):
            await pilot.press("right")
        await pilot.pause()
        shown = table_text(app)
        shift = next(k for k in range(1, 80) if wide[0][k:k + width] == shown[0])
        assert "Trend 5m" in shown[0] and shift > 0
        # Every row moved with the header, and the cursor row too.
        assert shown == [line[shift:shift + width] for line in wide[: len(shown)]]
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert table_text(app) == [line[shift:shift + width] for line in wide[: len(shown)]]
        for _ in range(22):
            await pilot.press("left")
        await pilot.pause()
        assert table_text(app) == [line[:width] for line in wide[: len(shown)]]
        assert name_of(cursor_row(app)) == "Bay 03"


async def test_a_poll_while_scrolled_right_draws_its_cells_in_their_columns() -> None:
    wide_app = fleet_app(30)
    charger = list(wide_app.states)[3]
    new = {**NA_VITALS, "vehicle_current_a": 44.4, "handle_temp_c": 23.0}
    async with wide_app.run_test(size=(160, 24)) as pilot:
        wide_app.apply_event(success(charger, "vitals", new, NOW))
        await pilot.pause(1.3)
        wide = table_text(wide_app)
    app = fleet_app(30)
    async with app.run_test(size=(80, 24)) as pilot:
        await scroll_right_fully(pilot)
        width = len(table_text(app)[0])
        shift = next(k for k in range(1, 80) if wide[0][k:k + width] == table_text(app)[0])
        app.apply_event(success(charger, "vitals", new, NOW))
        await pilot.pause(1.3)
        shown = table_text(app)
        assert shown == [line[shift:shift + width] for line in wide[:len(shown)]]


# -- the filter --------------------------------------------------------------------------------
async def test_a_filter_that_matches_nothing_then_cleared() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*["down"] * 20)
        await pilot.press("slash", *"zzz", "enter")
        await pilot.pause()
        assert not any(line.strip() for line in body(app))
        assert "0 of 30 shown" in screen_text(app)
        assert "Name ↑" in table_text(app)[0]
        for key in ("enter", "down", "end", "pagedown", "up", "home", "enter"):
            await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, FleetScreen)  # nothing to open
        await pilot.press("escape")
        await pilot.pause()
        assert [name_of(line) for line in body(app)][:30] == [f"Bay {i:02d}" for i in range(30)]
        assert name_of(cursor_row(app)) == "Bay 00"
        await pilot.press("down", "enter")
        await pilot.pause()
        assert on_detail_of(app, "Bay 01")


async def test_rows_shrink_below_the_cursor() -> None:
    app = fleet_app(60)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("end")
        await pilot.press("slash", *"bay 1", "enter")
        await pilot.pause()
        assert [name_of(line) for line in body(app) if line.strip()] == [
            f"Bay {i}" for i in range(10, 20)]
        assert name_of(cursor_row(app)) == "Bay 10"
        await pilot.press("end", "enter")
        await pilot.pause()
        assert on_detail_of(app, "Bay 19")


async def test_a_charger_that_changed_while_hidden_shows_its_latest_values() -> None:
    """Bay 15 starts charging at 44.4 A while the filter hides it; cleared, its row says so."""
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"bay 0", "enter")
        await pilot.pause()
        assert "Bay 15" not in screen_text(app)
        charger = list(app.states)[15]
        app.apply_event(success(charger, "vitals", {**NA_VITALS, "vehicle_current_a": 44.4,
                                                    "handle_temp_c": 23.0}, NOW))
        await pilot.pause(1.3)  # the redraw after the poll, while it is hidden
        await pilot.press("escape")
        await pilot.pause()
        row = next(line for line in body(app) if name_of(line) == "Bay 15")
        assert "44.4 A" in row and "23.0 °C" in row, row


async def test_a_row_that_stops_matching_the_filter_leaves_it() -> None:
    """Filtered on "charging", Bay 03 stops charging: an IDLE row under a "charging" filter
    (and "10 of 30 shown") is not what was asked for."""
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"charging", "enter")
        await pilot.pause()
        charger = list(app.states)[3]
        app.apply_event(success(charger, "vitals", IDLE_VITALS, NOW))
        await pilot.pause(1.3)
        shown = [line for line in body(app) if line.strip()]
        assert all("CHARGING" in line for line in shown), shown
        assert "9 of 30 shown" in screen_text(app)


# -- wide names ------------------------------------------------------------------------------
LONG = "第一駐車場の充電器その二三番"  # 14 wide characters: 28 cells, the most shown


def _columns_line_up(app) -> None:  # type: ignore[no-untyped-def]
    """Each column starts at the same cell on every line: the rows' states (left-aligned)
    under the header's "State", and the ends of their powers (right-aligned) in line."""
    view = table_view(app)
    header = "".join(ch for ch, _ in view[0])
    state_x = header.index("State")
    rows = ["".join(ch or "\0" for ch, _ in line) for line in view[1:]]  # one char a cell
    rows = [text for text in rows if text.strip("\0 ")]
    power_ends = {text.index(" kW") + 3 for text in rows}
    assert len(power_ends) == 1, rows
    for text in rows:
        assert text[state_x - 1] == " " and re.match(r"[A-Z]", text[state_x]), (state_x, text)


async def test_wide_names_keep_the_columns_in_line() -> None:
    app = fleet_app(20)
    app.states[list(app.states)[7]].name = LONG
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        assert any(LONG in line for line in table_text(app))
        _columns_line_up(app)


async def test_a_name_is_shown_at_most_28_cells_wide() -> None:
    """NAME_CELLS is "the widest a name is shown"; a name of 40 wide characters took 56
    cells (28 characters), pushing every other column right."""
    app = fleet_app(20)
    app.states[list(app.states)[7]].name = "充" * 40
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        header = table_text(app)[0]
        # " Name" padded to its width, then one blank before "State": at most 1 + 28 + 2.
        assert header.index("State") <= 1 + 28 + 2, header
        _columns_line_up(app)


async def test_a_longer_name_after_a_poll_widens_the_column_for_every_row() -> None:
    app = fleet_app(20)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        before = table_text(app)[0].index("State")
        charger = list(app.states)[7]
        app.states[charger].name = LONG
        app.screen.refresh_state(charger)
        await pilot.pause(1.3)
        assert table_text(app)[0].index("State") == before + cell_len(LONG) - len("Bay 07")
        _columns_line_up(app)


# -- resizing --------------------------------------------------------------------------------
async def test_resize_wider_while_scrolled_shows_the_whole_table_from_its_left() -> None:
    wide = await _wide_lines()
    app = fleet_app(30)
    async with app.run_test(size=(80, 24)) as pilot:
        await scroll_right_fully(pilot)
        await pilot.press("end")
        await pilot.pause()
        await pilot.resize_terminal(160, 24)
        await pilot.pause()
        shown = table_text(app)
        assert shown[0] == wide[0][:len(shown[0])], shown[0]
        assert name_of(cursor_row(app)) == "Bay 29"
        names = [name_of(line) for line in shown[1:]]
        assert names[-1] == "Bay 29" and None not in names  # no blank lines under the last


async def test_resize_taller_while_scrolled_to_the_bottom_fills_the_screen() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.press("end")
        await pilot.pause()
        await pilot.resize_terminal(120, 50)
        await pilot.pause()
        names = [name_of(line) for line in body(app)]
        assert names[:30] == [f"Bay {i:02d}" for i in range(30)], names
        assert name_of(cursor_row(app)) == "Bay 29"


async def test_resize_smaller_keeps_the_cursor_row_on_screen() -> None:
    app = fleet_app(40)
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("ctrl+end", "up", "up", "up", "up")
        await pilot.pause()
        assert name_of(cursor_row(app)) == "Bay 35"
        await pilot.resize_terminal(100, 20)
        await pilot.pause()
        assert "Bay 35" in [name_of(line) for line in body(app)]
        assert name_of(cursor_row(app)) == "Bay 35"


# -- the mouse ---------------------------------------------------------------------------------
async def test_clicking_each_title_sorts_by_it() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await pilot.pause()
        for title in TITLES:
            header = table_text(app)[0]
            await pilot.click("#fleet-table", offset=(header.index(title) + 1, 0))
            await pilot.pause()
            header = table_text(app)[0]
            assert re.search(re.escape(title) + " [↑↓]", header), (title, header)
            assert f"Sorted by {title.lower()}" in toast_text(app), (title, toast_text(app))
            assert len(re.findall("[↑↓]", header)) == 1
            app.clear_notifications()


async def test_clicking_a_title_while_scrolled_right_sorts_by_that_title() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await scroll_right_fully(pilot)
        header = table_text(app)[0]
        await pilot.click("#fleet-table", offset=(header.index("Session") + 1, 0))
        await pilot.pause()
        assert "Sorted by session" in toast_text(app)


async def test_clicking_a_row_opens_its_charger_and_below_the_rows_nothing() -> None:
    app = fleet_app(60)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("pagedown", "pagedown")  # scrolled: screen line != row index
        await pilot.pause()
        lines = body(app)
        y = 5
        name = name_of(lines[y - 1])
        await pilot.click("#fleet-table", offset=(3, y))
        await pilot.pause()
        assert on_detail_of(app, name)
        await pilot.press("escape")
        await pilot.press("slash", *"bay 1", "enter")  # ten rows, blank lines below
        await pilot.pause()
        assert name_of(body(app)[10]) is None
        await pilot.click("#fleet-table", offset=(3, 12))
        await pilot.click("#fleet-table", offset=(3, 15))
        await pilot.pause()
        assert isinstance(app.screen, FleetScreen)
        await pilot.click("#fleet-table", offset=(3, 10))  # the last row: Bay 19
        await pilot.pause()
        assert on_detail_of(app, "Bay 19")


# -- theme and focus ---------------------------------------------------------------------------
async def _drawn_light_from_the_start():  # type: ignore[no-untyped-def]
    """The rows of a table drawn first in the light theme, the cursor on the third row:
    what a table switched to that theme must look like."""
    fresh = fleet_app(30)
    async with fresh.run_test(size=(120, 40)) as pilot:
        fresh.theme = "textual-light"
        await pilot.pause()
        await pilot.press("down", "down")
        await pilot.pause()
        return row_styles(fresh)


async def test_a_theme_change_redraws_rows_header_and_cursor_in_its_colours() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "down")
        await pilot.pause()
        before = row_styles(app)
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        changed = row_styles(app)
    light = await _drawn_light_from_the_start()
    assert [t for t, _ in changed] == [t for t, _ in light]
    assert changed != before
    for (text, got), (_, want) in zip(changed, light, strict=True):
        assert got == want, text


async def test_losing_focus_redraws_the_cursor_and_rows_blurred_and_back() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "down")
        await pilot.pause()
        focused = row_styles(app)
        cursor_focused = cursor_row(app)
        await pilot.press("slash")  # the filter field takes the focus
        await pilot.pause()
        blurred = row_styles(app)
        assert name_of(cursor_row(app)) == name_of(cursor_focused) == "Bay 02"
        rows_now = {t: s for t, s in blurred}
        rows_then = {t: s for t, s in focused}
        cursor_text = cursor_row(app)
        assert rows_now[cursor_text][1] != rows_then[cursor_text][1]  # blurred cursor colours
        await pilot.press("escape")  # back to the table
        await pilot.pause()
        assert row_styles(app) == focused


# -- a re-sort from a poll -------------------------------------------------------------------
async def test_the_cursor_follows_its_charger_when_a_poll_resorts() -> None:
    app = fleet_app(60)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("o", "o")  # power, largest first
        await pilot.pause()
        await pilot.press("down", "down")
        await pilot.pause()
        name = name_of(cursor_row(app))
        charger = next(c for c, s in app.states.items() if s.name == name)
        # It stops charging: from the top of the list to among the zero-power rows.
        app.apply_event(success(charger, "vitals", {**IDLE_VITALS, "vehicle_current_a": 0.0},
                                NOW))
        await pilot.pause(1.3)
        assert name in [name_of(line) for line in body(app)]
        assert name_of(cursor_row(app)) == name
        assert name_of(body(app)[2]) != name  # it did move
        await pilot.press("enter")
        await pilot.pause()
        assert on_detail_of(app, name)


# -- more: long values, the scrollbar, wide characters cut by the view -------------------------
async def test_a_long_session_is_not_cut() -> None:
    """A 100 kWh night at 11 kW: "100.00 kWh · 10h 00m" is 20 cells; the column is 18, so the
    row said "100.00 kWh · 10h 0" (the session's time cut, and no sign of it)."""
    app = fleet_app(20)
    charger = list(app.states)[3]
    async with app.run_test(size=(160, 30)) as pilot:
        app.apply_event(success(charger, "vitals", {**NA_VITALS, "session_energy_wh": 100_000.0,
                                                    "session_s": 36_000}, NOW))
        await pilot.pause(1.3)
        row = next(line for line in body(app) if name_of(line) == "Bay 03")
        assert "100.00 kWh · 10h 00m" in row, row


async def test_clicking_the_horizontal_scrollbar_moves_header_and_rows_together() -> None:
    wide = await _wide_lines()
    app = fleet_app(30)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        region = _table(app).scrollable_content_region
        # The bottom line of the table, right of the thumb: the horizontal scrollbar's track.
        await pilot.click(offset=(region.right - 3, region.bottom))
        await pilot.pause()
        shown = table_text(app)
        width = len(shown[0])
        shift = next((k for k in range(1, 80) if wide[0][k:k + width] == shown[0]), None)
        assert shift, shown[0]
        assert shown == [line[shift:shift + width] for line in wide[: len(shown)]]


async def test_a_wide_name_cut_by_the_left_edge_keeps_the_columns_in_line() -> None:
    """Scrolled right by one cell, the view's edge falls inside a wide character."""
    app = fleet_app(20)
    app.states[list(app.states)[7]].name = LONG
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for step in range(1, 4):
            await pilot.press("right")
            await pilot.pause()
            view = table_view(app)
            header = "".join(ch for ch, _ in view[0])
            x = header.index("State")
            for line in view[1:]:
                cells = "".join(ch or "\0" for ch, _ in line)
                if cells.strip("\0 "):
                    assert len(cells) == len(header) and re.match(r"[A-Z]", cells[x]), (
                        step, cells)


async def test_clicking_a_title_while_scrolled_right_keeps_that_column_in_view() -> None:
    """At 80 columns the trend scrolls off; clicked, "Trend 5m ↑" must stay where the click
    was, not jump back to the left edge out of view."""
    app = fleet_app(30)
    async with app.run_test(size=(80, 24)) as pilot:
        await scroll_right_fully(pilot)
        header = table_text(app)[0]
        await pilot.click("#fleet-table", offset=(header.index("Trend 5m") + 1, 0))
        await pilot.pause()
        assert "Trend 5m ↑" in table_text(app)[0], table_text(app)[0]


async def test_the_terminal_losing_focus_blurs_the_cursor_and_back() -> None:
    from textual import events

    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "down")
        await pilot.pause()
        focused = row_styles(app)
        app.post_message(events.AppBlur())
        await pilot.pause()
        await pilot.pause()
        blurred = row_styles(app)
        assert blurred != focused
        assert name_of(cursor_row(app)) == "Bay 02"
        app.post_message(events.AppFocus())
        await pilot.pause()
        await pilot.pause()
        assert row_styles(app) == focused


async def test_a_poll_that_resorts_does_not_pull_a_scrolled_view_back_to_the_cursor() -> None:
    """Sorted by power, the user scrolls down with the scrollbar to read the idle rows; a
    poll changes another charger's power (the cursor's row does not move): the view stays
    where the user put it instead of jumping back up to the cursor every second."""
    app = fleet_app(60)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("o", "o")  # power, largest first; the cursor on the top row
        await pilot.pause()
        top = name_of(body(app)[0])
        region = _table(app).scrollable_content_region
        await pilot.click(offset=(region.right, region.bottom - 2))  # the vertical track
        await pilot.pause()
        scrolled = [name_of(line) for line in body(app)]
        assert top not in scrolled  # the user's view: further down
        charger = next(c for c, s in app.states.items() if s.name == "Bay 30")
        app.apply_event(success(charger, "vitals", {**NA_VITALS, "vehicle_current_a": 41.0},
                                NOW))
        await pilot.pause(1.3)
        assert [name_of(line) for line in body(app)] == scrolled


async def test_a_theme_changed_from_the_detail_screen_shows_on_the_table_after() -> None:
    app = fleet_app(30)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        changed = row_styles(app)
    light = await _drawn_light_from_the_start()
    for (text, got), (_, want) in zip(changed, light, strict=True):
        assert got == want, text
