"""Sessions: every recorded plug-in in a sortable table, totals per period, energy per day.

The screen reads the store when it opens and on ``r`` (a few hundred rows: cheap), and adds
the sessions still in progress from the recorder's memory. Charger names and alert codes come
from the user and the network, so every cell is a ``rich.text.Text``, never markup.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from twc_tui.core.config import Settings
from twc_tui.core.text import safe_text
from twc_tui.core.units import duration
from twc_tui.engine.session_merge import is_same, merge
from twc_tui.engine.session_totals import period_of, totals
from twc_tui.engine.session_tracker import Session
from twc_tui.engine.store import Store
from twc_tui.engine.store_schema import StoreError
from twc_tui.engine.tariff import Tariff, session_cost

COLUMNS: tuple[tuple[str, str, Callable[[Session], Any]], ...] = (
    ("started", "Started", lambda s: s.started),
    ("charger", "Charger", lambda s: s.charger),
    ("duration", "Duration", lambda s: s.duration_s),
    ("charging", "Charging", lambda s: s.charging_s),
    ("energy", "kWh", lambda s: s.energy_wh),
    ("peak", "Peak kW", lambda s: s.peak_power_w),
    ("handle", "Handle", lambda s: -1.0 if s.max_handle_c is None else s.max_handle_c),
    ("cost", "Cost", lambda s: s.energy_wh),  # sorts like energy: near enough, no I/O
    ("notes", "Notes", lambda s: (s.complete, sorted(s.alerts))),
)
"""Column key, title, and the sort key taken from the session."""

SessionSource = Callable[[], Awaitable[tuple[list[Session], str | None]]]
"""Where the sessions come from: the rows, or none and one line on why."""

PERIODS = ("day", "week", "month")
CHART_DAYS = 31
"""At most this many days in the chart; fewer when it has fewer rows."""


def energy_bars(sessions: Sequence[Session], width: int, days: int = CHART_DAYS,
                ascii_only: bool = False, now: float | None = None) -> Text:
    """A text bar chart of energy per day for the last ``days`` days, newest at the bottom."""
    per_day = {t.period: t.energy_wh for t in totals(sessions, "day")}
    end = time.localtime(now if now is not None else time.time())
    keys = [time.strftime("%Y-%m-%d", time.localtime(
        time.mktime((end.tm_year, end.tm_mon, end.tm_mday - back, 12, 0, 0, 0, 0, -1))))
        for back in range(days - 1, -1, -1)]
    top = max((per_day.get(k, 0.0) for k in keys), default=0.0)
    room = max(4, width - 6 - 10)
    out = Text()
    for k in keys:
        wh = per_day.get(k, 0.0)
        cells = 0.0 if top <= 0 else wh / top * room
        full = int(cells)
        bar = ("#" if ascii_only else "█") * full
        if not ascii_only and cells - full >= 0.5:
            bar += "▌"
        out.append(f"{k[5:]} ", style="dim")
        out.append(f"{bar:<{room}}", style="green")
        out.append(f" {wh / 1000:6.1f}\n" if wh else "      -\n")
    out.rstrip()
    return out


class SessionsScreen(Screen[None]):
    """The session history."""

    DEFAULT_CSS = """
    SessionsScreen #sessions-summary { height: 1; padding: 0 1; background: $boost; }
    SessionsScreen #sessions-table { height: 1fr; }
    SessionsScreen #sessions-bottom { height: 12; }
    SessionsScreen #sessions-totals { width: 50; height: 100%; }
    SessionsScreen #sessions-chart { width: 1fr; height: 100%; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="sessions-back"),
        Binding("s", "sort", "Sort", id="sessions-sort"),
        Binding("S", "reverse", "Reverse", show=False, id="sessions-reverse"),
        # Not "p": that pauses the display on every screen.
        Binding("d", "period", "Day/Week/Month", id="sessions-period"),
        Binding("r", "reload", "Reload", id="sessions-reload"),
    ]

    def __init__(
        self,
        store: Store | None,
        settings: Settings,
        names: dict[str, str] | None = None,
        live: Callable[[], list[Session]] | None = None,
        now: Callable[[], float] = time.time,
        source: SessionSource | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        """None when the store could not be opened: the screen says why instead."""
        self.settings = settings
        self.tariff = Tariff.of(settings)
        """Flat price and time-of-use zones; None: no cost column."""
        self.costs: dict[tuple[str, int], float | None] = {}
        """Each stored session's cost on the tariff, from its samples (read with them)."""
        self.names = names or {}
        """Charger id to the name the user gave it."""
        self.live = live
        """Sessions in progress from the recorder's memory (newer than the store)."""
        self.now = now
        self.source: SessionSource = source or self._from_store
        """The store by default; a hub's ``/api/sessions`` when attached to one."""
        self.sessions: list[Session] = []
        self.sort_key = "started"
        self.reverse = True
        self.period = "day"
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="sessions-summary")
        yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="sessions-bottom"):
            yield DataTable(id="sessions-totals", cursor_type="none")
            yield Static(id="sessions-chart")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#sessions-table", DataTable)
        for key, title, _ in COLUMNS:
            if key != "cost" or self.tariff is not None:
                table.add_column(title, key=key)
        self.action_reload()
        self.call_after_refresh(self._chart)  # its size is known only after the first layout

    # -- data ----------------------------------------------------------------------------
    def action_reload(self) -> None:
        """Read the sessions again; the UI never waits on the disk or the network."""
        self.run_worker(self._load, exclusive=True, exit_on_error=False,
                        group="sessions-load")

    async def _load(self) -> None:
        rows, error = await self.source()
        self._loaded(rows, error)

    async def _from_store(self) -> tuple[list[Session], str | None]:
        return await asyncio.to_thread(self._read_store)

    def _read_store(self) -> tuple[list[Session], str | None]:
        rows: list[Session] = []
        error: str | None = None
        if self.store is None:
            error = "no history database"
        else:
            try:
                # A connection of its own: the recorder's may be mid-flush on the UI thread.
                reader = Store.open(self.store.path, readonly=True)
                try:
                    rows = reader.sessions()
                    self.costs = {(r.charger, round(r.started)): session_cost(
                        reader, r, self.tariff) for r in rows}
                finally:
                    reader.close()
            except StoreError as failure:
                error = str(failure)
        return rows, error

    def _loaded(self, rows: list[Session], error: str | None) -> None:
        self.error = error
        by_id = {s.id: s for s in rows if s.id is not None}
        by_start = {(s.charger, round(s.started)): s for s in rows}
        for s in self.live() if self.live else ():
            # Memory is newer than the store; a row it was already written to may know more
            # (a plug-in another writer saw), and must not be shown twice.
            stored = by_id.get(s.id) if s.id is not None else None
            if stored is None and s.id is None:  # not written yet: the store's rule
                stored = next((r for r in rows if is_same(r, s)), None)
            if stored is not None:
                by_start.pop((stored.charger, round(stored.started)), None)
                s = merge(stored, s)
            by_start[(s.charger, round(s.started))] = s
        self.sessions = list(by_start.values())
        self.redraw()

    def redraw(self) -> None:
        self._table()
        self._totals()
        self._chart()
        total = sum(s.energy_wh for s in self.sessions)
        n = len(self.sessions)
        line = Text(f"{n} session{'' if n == 1 else 's'}, {total / 1000:.1f} kWh")
        money = self._money(self._sum_cost(self.sessions))
        if money:
            line.append(f", {money}")
        line.append(f"   sorted by {self.sort_key}{' ↓' if self.reverse else ' ↑'}", style="dim")
        if self.error:
            line.append(f"   {safe_text(self.error, 120)}", style="bold red")
        self.query_one("#sessions-summary", Static).update(line)

    def on_resize(self) -> None:
        self._chart()

    def _chart(self) -> None:
        """As many days as the chart has rows, so today is always on screen."""
        chart = self.query_one("#sessions-chart", Static)
        width, height = chart.content_size.width, chart.content_size.height
        chart.update(energy_bars(self.sessions, max(20, width or 40),
                                 days=max(1, min(CHART_DAYS, height or CHART_DAYS)),
                                 ascii_only=self.settings.ascii, now=self.now()))

    def _cost(self, s: Session) -> float | None:
        key = (s.charger, round(s.started))
        if s.ended is not None and key in self.costs:
            return self.costs[key]
        return session_cost(None, s, self.tariff)  # in progress: priced at its start

    def _sum_cost(self, sessions: list[Session]) -> float | None:
        values = [self._cost(s) for s in sessions]
        return None if self.tariff is None or None in values else sum(v or 0.0 for v in values)

    def _money(self, value: float | None) -> str:
        currency = (self.tariff.currency if self.tariff else "") or self.settings.currency
        return "" if value is None else f"{safe_text(currency, 4)}{value:.2f}"

    def _table(self) -> None:
        table = self.query_one("#sessions-table", DataTable)
        table.clear()
        key = next(f for k, _, f in COLUMNS if k == self.sort_key)
        for s in sorted(self.sessions, key=key, reverse=self.reverse):
            notes = s.notes
            cells = [
                Text(time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started))),
                Text(safe_text(self.names.get(s.charger, s.charger), 24)),
                Text(duration(s.duration_s), justify="right"),
                Text(duration(s.charging_s), justify="right"),
                Text(f"{s.energy_wh / 1000:.2f}", justify="right"),
                Text(f"{s.peak_power_w / 1000:.1f}", justify="right"),
                Text("-" if s.max_handle_c is None else f"{s.max_handle_c:.0f}°C",
                     justify="right"),
            ]
            if self.tariff is not None:
                cells.append(Text(self._money(self._cost(s)), justify="right"))
            cells.append(Text(safe_text(", ".join(notes), 60),
                              style="" if s.complete else "yellow"))
            table.add_row(*cells)

    def _totals(self) -> None:
        table = self.query_one("#sessions-totals", DataTable)
        table.clear(columns=True)
        table.add_columns(self.period.capitalize(), "n", "kWh", "Charging")
        if self.tariff is not None:
            table.add_column("Cost")
        by_period: dict[str, list[Session]] = {}
        for s in self.sessions:
            by_period.setdefault(period_of(s.started, self.period)[0], []).append(s)
        for t in reversed(totals(self.sessions, self.period)):
            cells = [Text(t.period), Text(str(t.sessions), justify="right"),
                     Text(f"{t.energy_wh / 1000:.1f}", justify="right"),
                     Text(duration(t.charging_s), justify="right")]
            if self.tariff is not None:
                cells.append(Text(self._money(self._sum_cost(by_period[t.period])),
                                  justify="right"))
            table.add_row(*cells)

    # -- actions -------------------------------------------------------------------------
    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.data_table.id != "sessions-table":
            return
        key = str(event.column_key.value)
        self.reverse = not self.reverse if key == self.sort_key else True
        self.sort_key = key
        self.redraw()

    def action_sort(self) -> None:
        keys = [k for k, _, _ in COLUMNS
                if k != "cost" or self.tariff is not None]
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)]
        self.redraw()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self.redraw()

    def action_period(self) -> None:
        self.period = PERIODS[(PERIODS.index(self.period) + 1) % len(PERIODS)]
        self.redraw()
