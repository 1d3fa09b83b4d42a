"""Many chargers as rows of a table that draws only what is on screen and sends only the
cells that changed.

With 300 chargers polled every 5 s, sixty states change each second, and a sort or a
filter reorders all of them. Each row is kept drawn (one strip per zebra shade and one
under the cursor) until its charger changes, so a sort only orders keys and paints the
fifty visible lines from what is kept; a poll redraws the cells whose text differs and
refreshes only those cells' regions of the screen, so the terminal gets "11.6 kW", not the
row. (This was a ``DataTable`` until issue 17: its sort and filter rebuilt every row, and
a changed cell repainted its whole row.) Sorting and filtering work from the states
themselves (numbers, not the text shown), so "12.3 kW" sorts above "9.8 kW".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from twc_tui.engine.charger_state import ChargerState
from twc_tui.tui.widgets.cell_drawing import PAD, draw_cell
from twc_tui.tui.widgets.fleet_cells import COLUMN_KEYS, COLUMNS, CellMaker, arrow, matches, ordered

_EVEN, _ODD, _CURSOR = 0, 1, 2


class FleetTable(ScrollView, can_focus=True):
    """One row per charger, keyed by its id, under a header that stays put."""

    DEFAULT_CSS = """
    FleetTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .fleet-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .fleet-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .fleet-table--even-row { background: $surface-darken-1 40%; }
        & > .fleet-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .fleet-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .fleet-table--even-row { background: $surface-lighten-1 50%; }
        & > .fleet-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {"fleet-table--header", "fleet-table--even-row",
                         "fleet-table--cursor"}

    BINDINGS = [
        Binding("enter", "select", "Open", show=False, id="fleet-open"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,ctrl+home", "cursor_to(0)", "First", show=False),
        Binding("end,ctrl+end", "cursor_to(-1)", "Last", show=False),
    ]

    @dataclass
    class Selected(Message):
        """Enter or a click on a row."""

        charger: str

    @dataclass
    class HeaderClicked(Message):
        """A click on a column's title."""

        column: str

    def __init__(self, states: Sequence[ChargerState], *, now: Callable[[], float],
                 max_current: Callable[[str], float | None], ascii_only: bool = False,
                 handle_warn_c: float = 60.0, id: str | None = None) -> None:
        super().__init__(id=id)
        self.states = {s.charger: s for s in states}
        self.sort_key = "name"
        self.reverse = False
        self.needle = ""
        self.cursor = 0
        """The index in ``shown()`` of the row under the cursor."""
        self._maker = CellMaker(now=now, max_current=max_current, ascii_only=ascii_only,
                                handle_warn_c=handle_warn_c)
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._cells: dict[str, list[Text]] = {}
        """Each charger's cells as last made; dropped for a hidden charger that changed,
        made again when it is shown again."""
        self._drawn: dict[tuple[str, int], list[Segment]] = {}
        """A cell's text drawn to its column's width, before the row's styles."""
        self._lines: dict[tuple[str, int], Strip] = {}
        """A row as the view shows it, styled as an even row, an odd one or the cursor's."""
        self._header: Strip | None = None
        self._view = (0, 0)
        """The scroll offset and width the kept lines are cut to."""
        self._widths = [c.width or len(c.title) + 2 for c in COLUMNS]
        """Each column's text width; a title leaves room for the sort arrow."""
        self._xs: list[int] = []
        self._base = Style()

    def on_mount(self) -> None:
        self.show_rows()

    # -- what the fleet screen calls -----------------------------------------------------
    def shown(self) -> list[str]:
        """The chargers that pass the filter, in table order."""
        return list(self._order)

    def show_rows(self) -> None:
        """Bring the rows in line with a new filter; the cursor goes to the top, on the
        first charger that matches."""
        if self._refilter():
            self._move(0, to_top=True)

    def _refilter(self) -> bool:
        """The rows that pass the filter, in order; False when they are those shown."""
        wanted = [c for c, s in self.states.items() if matches(s, self.needle)]
        if self._xs and set(wanted) == set(self._index):
            return False
        for charger in wanted:
            if charger not in self._cells:
                self._store(charger, self._maker.cells(self.states[charger]))
        self._set_order(ordered(self.states, wanted, self.sort_key, self.reverse))
        return True

    def update(self, chargers: Iterable[str]) -> bool:
        """Draw again the cells that changed for ``chargers`` and refresh their regions of
        the screen; True when the sort column moved."""
        moved = False
        sort_index = COLUMN_KEYS.index(self.sort_key)
        current = self.charger_under_cursor()
        refilter = False
        for charger in chargers:
            state = self.states.get(charger)
            if state is None:
                continue
            if self.needle and matches(state, self.needle) != (charger in self._index):
                refilter = True  # it starts or stops matching ("charging", say)
            if charger not in self._index:
                self._forget(charger)  # hidden: made again if shown again
                continue
            old = self._cells.get(charger)
            new = self._maker.cells(state)
            changed = (list(range(len(new))) if old is None else
                       [i for i, (a, b) in enumerate(zip(old, new, strict=True))
                        if a.plain != b.plain or a.style != b.style])
            if not changed:
                continue
            self._store(charger, new)
            moved = moved or sort_index in changed
            for index in changed:
                self._drawn.pop((charger, index), None)
            self._refresh_cells(charger, changed[0], changed[-1])
        if refilter and self._refilter():
            self._follow(current)
        return moved

    def resort(self, *, to_top: bool = False) -> None:
        """Order the rows by the sort column. The cursor stays on its charger (scrolled into
        view) when a poll moves it; ``to_top`` (a sort the user asked for) shows the top
        of the new order instead, where what they sorted for is."""
        current = self.charger_under_cursor()
        self._set_order(ordered(self.states, self._order, self.sort_key, self.reverse))
        self._header = None
        if to_top:
            self._move(0, to_top=True, keep_x=True)  # the column sorted by stays in view
        else:
            self._follow(current)

    def _follow(self, charger: str | None) -> None:
        """The cursor stays on its charger after the rows moved, and the view follows it
        only when its row moved: a view scrolled away from the cursor stays where it is."""
        row = self._index.get(charger) if charger is not None else None
        if row is None:
            self._move(min(self.cursor, len(self._order) - 1), scroll=False)
        elif row != self.cursor:
            self._move(row)

    def charger_under_cursor(self) -> str | None:
        return self._order[self.cursor] if 0 <= self.cursor < len(self._order) else None

    # -- rows ----------------------------------------------------------------------------
    def _store(self, charger: str, cells: list[Text]) -> None:
        self._cells[charger] = cells
        self._forget_lines(charger)
        if cells[0].cell_len > self._widths[0]:
            # A longer name widens its column: every row is drawn again, to the new width.
            self._widths[0] = cells[0].cell_len
            self._forget_drawing()
            self._set_geometry()

    def _set_order(self, order: list[str]) -> None:
        self._order = order
        self._index = {c: i for i, c in enumerate(order)}
        self._set_geometry()
        self.refresh()

    def _set_geometry(self) -> None:
        xs, x = [], 0
        for width in self._widths:
            xs.append(x)
            x += width + 2 * PAD
        self._xs = xs
        self.virtual_size = Size(x, len(self._order) + 1)

    def _forget(self, charger: str) -> None:
        """Drop what was made and drawn for a charger: it is made again when shown."""
        self._cells.pop(charger, None)
        for index in range(len(COLUMNS)):
            self._drawn.pop((charger, index), None)
        self._forget_lines(charger)

    def _forget_lines(self, charger: str) -> None:
        for variant in (_EVEN, _ODD, _CURSOR):
            self._lines.pop((charger, variant), None)

    def _forget_drawing(self) -> None:
        self._drawn.clear()
        self._lines.clear()
        self._header = None

    def notify_style_update(self) -> None:
        super().notify_style_update()  # the theme, or focus: every row's styles are new
        self._lines.clear()
        self._header = None

    def _refresh_cells(self, charger: str, first: int, last: int) -> None:
        """Refresh a row from its first changed cell to its last, if it is in view: one
        region a row (Textual sends a line from its start to the region's end anyway)."""
        scroll_x, scroll_y = (round(v) for v in self.scroll_offset)
        y = self._index[charger] - scroll_y + 1
        if 1 <= y < self.size.height:
            x = self._xs[first] - scroll_x
            end = self._xs[last] + self._widths[last] + 2 * PAD - scroll_x
            self.refresh(Region(x, y, end - x, 1))

    # -- the cursor ----------------------------------------------------------------------
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _move(self, row: int, *, to_top: bool = False, keep_x: bool = False,
              scroll: bool = True) -> None:
        last = len(self._order) - 1
        row = max(0, min(row, last))
        if row != self.cursor:
            for index in (self.cursor, row):
                self.refresh_line(index + 1)
        self.cursor = row
        scroll_y = round(self.scroll_offset.y)
        if to_top:
            self.scroll_to(x=None if keep_x else 0, y=0, animate=False, immediate=True)
        elif not scroll:
            return
        elif row < scroll_y:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= scroll_y + self._body_height():
            self.scroll_to(y=row - self._body_height() + 1, animate=False, immediate=True)

    def refresh_line(self, y: int) -> None:
        # Body lines are numbered from the header's line: the header does not scroll.
        self.refresh(Region(0, y - round(self.scroll_offset.y), self.size.width, 1))

    def on_resize(self) -> None:
        # A smaller terminal keeps the cursor's row in view, once the new size is laid out.
        self.call_after_refresh(lambda: self._move(self.cursor))

    def action_cursor(self, step: int) -> None:
        self._move(self.cursor + step)

    def action_page(self, step: int) -> None:
        self._move(self.cursor + step * self._body_height())

    def action_cursor_to(self, row: int) -> None:
        self._move(row if row >= 0 else len(self._order) - 1)

    def action_select(self) -> None:
        charger = self.charger_under_cursor()
        if charger is not None:
            self.post_message(self.Selected(charger))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        scroll_x, scroll_y = (round(v) for v in self.scroll_offset)
        if offset.y == 0:
            x = offset.x + scroll_x
            for index, start in enumerate(self._xs):
                if start <= x < start + self._widths[index] + 2 * PAD:
                    self.post_message(self.HeaderClicked(COLUMN_KEYS[index]))
            return
        row = scroll_y + offset.y - 1
        if row < len(self._order):
            self._move(row)
            self.action_select()

    # -- drawing -------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's own style walks every ancestor: once a paint, not once a line.
        self._base = self.rich_style
        view = (round(self.scroll_offset.x), self.size.width)
        if view != self._view:  # kept lines are cut to the view: scrolled or resized
            self._view = view
            self._lines.clear()
            self._header = None
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        if y == 0:
            return self._header_strip()
        row = round(self.scroll_offset.y) + y - 1
        if row >= len(self._order):
            return Strip.blank(self.size.width, self._base)
        return self._row_strip(row)

    def _row_strip(self, row: int) -> Strip:
        charger = self._order[row]
        variant = _CURSOR if row == self.cursor else _EVEN if row % 2 == 0 else _ODD
        strip = self._lines.get((charger, variant))
        if strip is None:
            segments: list[Segment] = []
            for index in range(len(COLUMNS)):
                drawn = self._drawn.get((charger, index))
                if drawn is None:
                    drawn = draw_cell(self.app.console, self._cells[charger][index],
                                      self._widths[index])
                    self._drawn[charger, index] = drawn
                segments.extend(drawn)
            pre, post = self._row_styles(variant)
            strip = self._lines[charger, variant] = self._viewed(
                Segment.apply_style(segments, style=pre, post_style=post), pre)
        return strip

    def _viewed(self, segments: Iterable[Segment], shade: Style) -> Strip:
        """A whole line as the view shows it: cut to the scroll and the width, its shade
        carried on to the widget's edge. One Strip where it can be: making one (with its
        caches) was a fifth of an attached 50-charger table's CPU."""
        scroll_x, width = self._view
        segments = list(Segment.simplify(segments))
        full = self.virtual_size.width
        if scroll_x == 0 and full <= width:
            if full < width:
                segments.append(Segment(" " * (width - full), shade))
            return Strip(segments, width)
        return Strip(segments, full).crop_extend(scroll_x, scroll_x + width, shade)

    def _row_styles(self, variant: int) -> tuple[Style, Style | None]:
        """The row's shade under its cells' own styles, and for the cursor its colours over
        them (a red "OFFLINE" under the cursor reads in the cursor's colours)."""
        if variant == _ODD:
            return self._base, None
        if variant == _EVEN:
            return self.get_component_rich_style("fleet-table--even-row"), None
        cursor = self.get_component_rich_style("fleet-table--cursor")
        return cursor, Style(color=cursor.color, bgcolor=cursor.bgcolor)

    def _header_strip(self) -> Strip:
        if self._header is None:
            sorted_by = arrow(self.reverse)
            segments: list[Segment] = []
            for index, c in enumerate(COLUMNS):
                # Room for the arrow in every title: a column never changes width when sorted.
                label = Text(c.title + (sorted_by if c.key == self.sort_key else "  "))
                segments.extend(draw_cell(self.app.console, label, self._widths[index]))
            style = self.get_component_rich_style("fleet-table--header")
            self._header = self._viewed(Segment.apply_style(segments, style=style), style)
        return self._header
