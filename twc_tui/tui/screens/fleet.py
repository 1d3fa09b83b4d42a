"""The fleet: every charger as a row of one table, for more chargers than cards can hold.

It reads only the chargers' states (never the network) and redraws at most once a second:
polls only mark their charger as changed, and the next redraw sends the cells of those rows
that changed. With 300 chargers at the idle cadence that is about sixty rows a second, not
three hundred; the totals line is sent only when its text changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Static

from twc_tui.core import units
from twc_tui.core.text import safe_text
from twc_tui.engine.charger_state import ChargerState
from twc_tui.tui.widgets.fleet_cells import COLUMN_KEYS, arrow, column
from twc_tui.tui.widgets.fleet_table import FleetTable

if TYPE_CHECKING:
    from twc_tui.tui.monitor_api import MonitorApp

REDRAW_EVERY_S = 1.0
FILTER_AFTER_S = 0.15
"""A key after a pause filters at once; keys that follow within this long are applied
together this long after the last one (enter applies at once): typing "bay 12" rebuilds
the table twice, not six times, and a single key answers without waiting."""


def totals_line(states: list[ChargerState], shown: int, width: int = 0) -> Text:
    """Total power, how many charge, are plugged in and offline, the hottest handle and how
    many are shown; on two lines when one would not fit in ``width`` (80 columns)."""
    power = sum(s.power_w or 0.0 for s in states if s.health != "offline")
    charging = sum(1 for s in states if s.vitals is not None and s.vitals.charging)
    plugged = sum(1 for s in states if s.vitals is not None and s.vitals.plugged)
    offline = sum(1 for s in states if s.health == "offline")
    hot = [(s.vitals.handle_temp_c, s.name) for s in states
           if s.vitals is not None and s.vitals.handle_temp_c is not None]
    line = Text()
    line.append(f"{units.kw(power)} total", style="bold")
    line.append(f" · {charging} charging · {plugged} plugged in · ")
    line.append(f"{offline} offline", style="bold red" if offline else "")
    rest = Text()
    if hot:
        temp, name = max(hot)
        rest.append(f"hottest handle {units.celsius(temp)} ({safe_text(name, 24)})   ")
    count = len(states)
    rest.append(f"{shown} of {count} shown" if shown != count else f"{count} chargers",
                style="dim")
    one_line = width <= 0 or len(line) + 3 + len(rest) <= width
    return Text.assemble(line, " · " if one_line else "\n", rest)


class FleetScreen(Screen[None]):
    """All chargers in a sortable, filterable table."""

    DEFAULT_CSS = """
    FleetScreen #fleet-totals { height: auto; padding: 0 1; background: $boost; }
    FleetScreen #fleet-filter-bar { display: none; height: 1; background: $boost; }
    FleetScreen.-filtering #fleet-filter-bar { display: block; }
    FleetScreen #fleet-filter-bar > Static { width: auto; padding: 0 1; color: $accent; }
    FleetScreen #fleet-filter { width: 1fr; }
    """

    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/", id="fleet-filter",
                tooltip="show only chargers whose name, state or host has this text"),
        Binding("o", "sort", "Sort", id="fleet-sort",
                tooltip="sort by the next column (or click a column's title)"),
        Binding("O", "reverse", "Reverse", show=False, id="fleet-reverse",
                tooltip="reverse the order"),
        # The app's "Table/Cards", named for where it goes: at 80 columns it fits.
        Binding("v", "app.toggle_view", "Cards", id="toggle-view",
                tooltip="switch the overview between cards and the fleet table"),
    ]

    app: MonitorApp

    def compose(self) -> ComposeResult:
        app = self.app
        yield Header()
        yield Static(id="fleet-totals")
        with Horizontal(id="fleet-filter-bar"):
            yield Static("filter /")
            yield Input(placeholder="name, state or host (enter keeps it, esc clears)",
                        id="fleet-filter", compact=True)
        yield FleetTable(list(app.states.values()), now=app.now,
                         max_current=lambda charger: app.max_current.get(charger),
                         ascii_only=app.settings.ascii, handle_warn_c=app.settings.handle_warn_c,
                         id="fleet-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._dirty: set[str] = set()
        self._filter_timer: Timer | None = None
        self._filtered_at = -FILTER_AFTER_S
        self._totals = ""
        self._table = self.query_one(FleetTable)
        self._table.focus()
        self._show_totals()
        self.set_interval(REDRAW_EVERY_S, self._redraw)

    def on_resize(self) -> None:
        self._show_totals()  # one line or two

    # -- what the app calls --------------------------------------------------------------
    def refresh_state(self, charger: str | None) -> None:
        """A poll changed ``charger`` (every charger for None): drawn at the next redraw."""
        self._dirty.update(self.app.states if charger is None else (charger,))

    def refresh_ages(self) -> None:
        self.refresh_state(None)

    def _redraw(self) -> None:
        if self.app.paused or not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        with self.app.batch_update():
            if self._table.update(dirty):
                self._table.resort()
            self._show_totals()

    def _show_totals(self) -> None:
        line = totals_line(list(self.app.states.values()), len(self._table.shown()),
                           self.size.width - 2)
        if line.plain != self._totals:
            # A layout only when it takes another number of lines: a layout each second
            # repainted the table's scrollbar too, a third of what reached the terminal.
            layout = line.plain.count("\n") != self._totals.count("\n") or not self._totals
            self._totals = line.plain
            self.query_one("#fleet-totals", Static).update(line, layout=layout)

    # -- filter, sort, open --------------------------------------------------------------
    def action_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one("#fleet-filter", Input).focus()

    @on(Input.Changed, "#fleet-filter")
    def _filter_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        elif self.app.clock.monotonic() - self._filtered_at >= FILTER_AFTER_S:
            self._apply_filter()
            return
        self._filter_timer = self.set_timer(FILTER_AFTER_S, self._apply_filter)

    def _apply_filter(self) -> None:
        """The filter as typed so far, applied once; the focus stays where it is."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        self._filtered_at = self.app.clock.monotonic()
        needle = self.query_one("#fleet-filter", Input).value.strip()
        if needle != self._table.needle:
            self._table.needle = needle
            with self.app.batch_update():
                self._table.show_rows()
                self._show_totals()

    @on(Input.Submitted, "#fleet-filter")
    def _filter_kept(self) -> None:
        self._apply_filter()
        self._table.focus()
        if not self._table.needle:
            self.remove_class("-filtering")

    def key_escape(self) -> None:
        field = self.query_one("#fleet-filter", Input)
        if self.has_class("-filtering"):
            field.value = ""
            self._apply_filter()
            self.remove_class("-filtering")
            self._table.focus()

    def action_sort(self) -> None:
        keys = list(COLUMN_KEYS)
        self._sort_by(keys[(keys.index(self._table.sort_key) + 1) % len(keys)], None)

    def action_reverse(self) -> None:
        self._sort_by(self._table.sort_key, not self._table.reverse)

    @on(FleetTable.HeaderClicked)
    def _header_clicked(self, event: FleetTable.HeaderClicked) -> None:
        key = event.column
        table = self._table
        self._sort_by(key, not table.reverse if key == table.sort_key else None)

    def _sort_by(self, key: str, reverse: bool | None) -> None:
        table = self._table
        picked = column(key)
        # Numbers read best largest first, names and states A to Z.
        table.sort_key, table.reverse = key, picked.right if reverse is None else reverse
        table.resort(to_top=True)
        self.notify(f"Sorted by {picked.title.lower()}{arrow(table.reverse)}",
                    timeout=2)

    @on(FleetTable.Selected)
    def _open(self, event: FleetTable.Selected) -> None:
        self.app.open_detail(list(self.app.states).index(event.charger))
