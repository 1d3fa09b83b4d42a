"""Many chargers as rows of a table that only ever changes the cells that changed.

With 300 chargers polled every 5 s, sixty states change each second. Rebuilding the table for
each would cost a full repaint per poll; here every row keeps the text of its cells, a
redraw computes the cells of the chargers that changed since the last one, and only cells
whose text differs are sent to the table. Sorting and filtering work from the states
themselves (numbers, not the text shown), so "12.3 kW" sorts above "9.8 kW".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from twc_tui.core import units
from twc_tui.core.text import safe_text
from twc_tui.engine.charger_state import ChargerState
from twc_tui.tui.look import badge, power_trend, trend_top_kw

TREND_CELLS = 12
TREND_EVERY_S = 5.0
WIDTHS = {"state": 10, "power": 8, "current": 9, "handle": 8, "age": 13, "session": 18,
          "trend": TREND_CELLS}
"""Columns whose text changes width; the name column is as wide as the longest name."""

# Textual styles ($text-error...) are not Rich styles: the table's cells use Rich names.
STATE_STYLES = {"OFFLINE": "bold red", "ERROR": "bold yellow", "CHARGING": "bold green",
                "DERATED": "bold yellow", "PLUGGED IN": "bold cyan", "IDLE": "bold blue",
                "CONNECTING": "dim"}


@dataclass(frozen=True)
class Column:
    """One column: key, title, right-aligned, and the sort key taken from a charger (None
    when not known: such rows go last, whichever the direction)."""

    key: str
    title: str
    right: bool
    sort: Callable[[ChargerState], Any]


def _vital(name: str) -> Callable[[ChargerState], Any]:
    return lambda s: None if s.vitals is None else getattr(s.vitals, name)


def _age(s: ChargerState) -> float | None:
    at = s.updated.get("vitals")
    return None if at is None else -at


# At-a-glance first: at 80 columns the session (and the trend) are what scrolls off.
COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", False, lambda s: s.name.casefold()),
    Column("state", "State", False, lambda s: badge(s)[0]),
    Column("power", "Power", True, lambda s: s.power_w),
    Column("current", "Current", True, _vital("vehicle_current_a")),
    Column("handle", "Handle", True, _vital("handle_temp_c")),
    Column("age", "Age", True, _age),
    Column("session", "Session", True, _vital("session_energy_wh")),
    Column("trend", "Trend 5m", False, lambda s: s.history.latest("power_kw")),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
_NEWLINE = Text("\n")


def matches(state: ChargerState, needle: str) -> bool:
    """The ``/`` filter: a name, a state word or a host, in any case."""
    if not needle:
        return True
    needle = needle.casefold()
    words = (state.name, badge(state)[0], state.charger)
    return any(needle in safe_text(w, 200).casefold() for w in words)


class _NameCell(Text):
    """The name cell knows its charger: sorting looks the charger's state up by it."""

    charger = ""


class FleetTable(DataTable[Text]):
    """One row per charger, keyed by its id."""

    DEFAULT_CSS = """
    FleetTable { height: 1fr; }
    """

    def __init__(self, states: Sequence[ChargerState], *, now: Callable[[], float],
                 max_current: Callable[[str], float | None], ascii_only: bool = False,
                 handle_warn_c: float = 60.0, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.states = {s.charger: s for s in states}
        self.now = now
        self.max_current = max_current
        self.ascii_only = ascii_only
        self.handle_warn_c = handle_warn_c
        self.sort_key = "name"
        self.reverse = False
        self.needle = ""
        self._cells: dict[str, tuple[str, ...]] = {}
        """What each shown row shows, as plain text: a cell is sent only when it changes."""
        self._rendered: dict[str, list[Text]] = {}
        """Cells ready for any charger not changed since they were made, shown or not: a
        filter brings rows back without rendering them again."""
        self._trends: dict[str, tuple[tuple[object, ...], str]] = {}
        self._segments: LRUCache[tuple[RowKey, ColumnKey, int],
                                 tuple[Text, list[Segment]]] = LRUCache(8192)
        """A cell's text drawn to segments at a width, kept while the cell is the same
        object: a sort or filter renumbers every row (DataTable's own cache keys hold the
        row's index and a counter a sort bumps), and drawing the text again was half of
        a sort's 70 ms at 300 chargers. Only the styles, which hold the row, are applied
        again."""

    def on_mount(self) -> None:
        for column in COLUMNS:
            # Fixed where the text comes and goes or grows ("now", "OFFLINE 18:04", "0.00 kW"
            # then "11.53 kW"): a table sizes a column by its first cells and then cuts.
            width = WIDTHS.get(column.key)
            self.add_column(Text(column.title + "  "), key=column.key, width=width)
        self.show_rows()

    # -- rows ----------------------------------------------------------------------------
    def shown(self) -> list[str]:
        """The chargers that pass the filter, in table order."""
        return [str(row.key.value) for row in self.ordered_rows]

    def show_rows(self) -> None:
        """Bring the rows in line with the filter, in one rebuild: removing rows one by one
        costs a pass over the whole table each (300 chargers: half a second per keystroke).
        The cursor goes to the top, on the first charger that matches."""
        wanted = [c for c, s in self.states.items() if matches(s, self.needle)]
        if set(wanted) == set(self._cells):
            return
        self.clear()
        self._cells = {}
        for charger in self._order(wanted):
            cells = self._rendered.get(charger) or self._render(self.states[charger])
            self._rendered[charger] = cells
            self._cells[charger] = tuple(c.plain for c in cells)
            self.add_row(*cells, key=charger)
        self._label_columns()

    def update(self, chargers: Iterable[str]) -> bool:
        """Send the cells that changed for ``chargers``; True when the sort column moved."""
        moved = False
        sort_index = COLUMN_KEYS.index(self.sort_key)
        changed: set[tuple[str, str]] = set()
        for charger in chargers:
            old = self._cells.get(charger)
            state = self.states.get(charger)
            if old is None or state is None:
                self._rendered.pop(charger, None)  # hidden: made again if shown again
                continue
            cells = self._render(state)
            self._rendered[charger] = cells
            new = tuple(c.plain for c in cells)
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                if a != b:
                    self._data[RowKey(charger)][ColumnKey(COLUMN_KEYS[index])] = cells[index]
                    changed.add((charger, COLUMN_KEYS[index]))
                    moved = moved or index == sort_index
            self._cells[charger] = new
        self._repaint_rows(changed)
        return moved

    def _repaint_rows(self, cells: set[tuple[str, str]]) -> None:
        """Forget what was drawn for these cells and their rows, and repaint only the rows.

        ``DataTable.update_cell`` bumps a counter that is part of every one of its cache
        keys, and refreshes the whole widget: one changed cell re-rendered and re-sent every
        visible row (50 chargers at 1 s: 14 % CPU and 28 KB/s to the terminal). Here only
        the changed cells are drawn again, and only their rows' lines are refreshed.
        (Textual is pinned exactly: these are its 8.2.8 caches, covered by the fleet tests
        and snapshots.)"""
        if not cells:
            return
        keys = {RowKey(c) for c, _ in cells}
        pairs = {(RowKey(c), ColumnKey(k)) for c, k in cells}
        indexes = {self._row_locations.get(k) for k in keys} - {None}
        first = self.header_height if self.show_header else 0
        ys = {first + y for y, (key, _) in enumerate(self._y_offsets) if key in keys}
        for key in [k for k in self._cell_render_cache.keys() if (k[0], k[1]) in pairs]:
            self._cell_render_cache.discard(key)
        for cache, part, wanted in ((self._row_render_cache, 0, keys),
                                    (self._row_renderable_cache, 1, indexes),
                                    (self._line_cache, 0, ys)):
            for key in [k for k in cache.keys() if k[part] in wanted]:
                cache.discard(key)
        for index in indexes:
            self.refresh_row(index)  # type: ignore[arg-type]

    def resort(self, *, to_top: bool = False) -> None:
        """Order the rows by the sort column. The cursor stays on its charger (scrolled into
        view) when a poll moves it; ``to_top`` (a sort the user asked for) shows the top
        of the new order instead, where what they sorted for is."""
        current = None
        if not to_top and self.row_count and 0 <= self.cursor_row < self.row_count:
            current = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        position = {c: i for i, c in enumerate(self._order(self._cells))}
        self.sort("name", key=lambda cell: position[cell.charger])
        self._label_columns()
        if current is not None and current in position:
            self.move_cursor(row=position[current], animate=False)
        elif to_top and self.row_count:
            self.move_cursor(row=0, animate=False)
            self.scroll_home(animate=False)

    def _order(self, chargers: Iterable[str]) -> list[str]:
        """``chargers`` in table order: by the sort column, unknown values last."""
        column = next(c for c in COLUMNS if c.key == self.sort_key)
        # By name first: ties keep that order, so equal rows never swap from poll to poll.
        base = sorted(chargers, key=lambda c: (self.states[c].name.casefold(), c))
        keys = {c: column.sort(self.states[c]) for c in base}
        known = sorted((c for c in base if keys[c] is not None), key=keys.__getitem__,
                       reverse=self.reverse)
        return known + [c for c in base if keys[c] is None]

    def _label_columns(self) -> None:
        arrow = " ↓" if self.reverse else " ↑"
        for c in COLUMNS:
            # Room for the arrow in every title: a column never changes width when sorted.
            self.columns[c.key].label = Text(c.title + (arrow if c.key == self.sort_key
                                                        else "  "))
        self._require_update_dimensions = True

    def _trend(self, state: ChargerState) -> str:
        """The row's 5-minute trend, made again at most every ``TREND_EVERY_S``: its cells
        are 25 s wide, and making it for every row that changed, each second, was an eighth
        of a 50-charger monitor's CPU."""
        now = self.now()
        top = trend_top_kw(state, self.max_current(state.charger))
        key = (now // TREND_EVERY_S, top, self.ascii_only, state.health)
        cached = self._trends.get(state.charger)
        if cached is not None and cached[0] == key:
            return cached[1]
        spark = power_trend(state, TREND_CELLS, now, top, self.ascii_only)
        self._trends[state.charger] = (key, spark)
        return spark

    # -- drawing -------------------------------------------------------------------------
    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:
        """A body cell drawn straight from its one-line Text: the same segments as
        DataTable's (tests/test_fleet.py compares every cell), without rendering a Padding
        inside a Styled through the console, which cost 0.3 ms a cell: with 50 rows changing
        each second that was most of the monitor's CPU, and a sort or filter took 100 ms."""
        if row_index < 0 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
               self._update_count, self._pseudo_class_state)
        lines = self._cell_render_cache.get(key)
        if lines is not None:
            return lines
        cell = self._data[row_key][column_key]
        if not isinstance(cell, Text) or "\n" in cell.plain or self.rows[row_key].height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                        hover)
        component, post = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        console = self.app.console
        pre = console.get_style(base_style + Style.from_meta({"row": row_index,
                                                             "column": column_index})
                                + component)
        post = console.get_style(post)
        drawn = self._segments.get((row_key, column_key, width))
        if drawn is not None and drawn[0] is cell:
            segments = drawn[1]
        else:
            segments = self._draw_text(cell, width)
            self._segments[row_key, column_key, width] = (cell, segments)
        lines = [Segment.adjust_line_length(
            list(Segment.apply_style(segments, style=pre, post_style=post)), width)]
        self._cell_render_cache[key] = lines
        return lines

    def _draw_text(self, cell: Text, width: int) -> list[Segment]:
        """The cell's text as one padded line of segments, before the row's styles."""
        console = self.app.console
        pad = self.cell_padding
        inner = max(0, width - 2 * pad)
        lines_of = cell.wrap(console, inner, justify=cell.justify or "default",
                             overflow=cell.overflow or "fold", no_wrap=True)
        # Joined as Text.__rich_console__ joins them: that is where the Text's own style
        # becomes a span (Text.render alone leaves it out).
        segments = list(_NEWLINE.join(lines_of).render(console, end=""))
        blank = Style()
        segments = Segment.adjust_line_length(segments, inner, style=blank)
        if pad:
            segments = [Segment(" " * pad, blank), *segments, Segment(" " * pad, blank)]
        return segments

    # -- cells ---------------------------------------------------------------------------
    def _render(self, state: ChargerState) -> list[Text]:
        word, _ = badge(state)
        v = state.vitals
        name = _NameCell(safe_text(state.name, 28))
        name.charger = state.charger
        status = Text(word, style=STATE_STYLES.get(word, "bold"))
        if v is None:
            power = current = session = handle = Text("-", justify="right")
        else:
            power = Text(units.kw(state.power_w), justify="right")
            current = Text(units.amps(v.vehicle_current_a), justify="right")
            words = (f"{units.kwh(v.session_energy_wh)} · {units.duration(v.session_s)}"
                     if v.plugged else f"last {units.kwh(v.session_energy_wh)}")
            session = Text(words, justify="right")
            hot = v.handle_temp_c is not None and v.handle_temp_c >= self.handle_warn_c
            handle = Text(units.celsius(v.handle_temp_c), justify="right",
                          style="bold yellow" if hot else "")
        if state.health == "offline":
            since = units.clock(state.offline_since, with_seconds=False)
            age = Text(f"OFFLINE {since}", style="bold red")
        else:
            seconds = state.age(self.now())
            # Fresh within a poll or two: "now", so rows do not tick every second.
            fresh = seconds is not None and seconds < 15
            # Left, under its title: "now" beside "OFFLINE 18:04" would float right.
            age = Text("now" if fresh else units.age(seconds),
                       style="yellow" if state.health == "error" else "dim")
        spark = self._trend(state)
        return [name, status, power, current, handle, age, session,
                Text(spark.ljust(TREND_CELLS), style="green")]
