"""The overview: one card per charger and the recent events of all of them."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header

from twc_tui.tui.widgets.charger_card import ChargerCard
from twc_tui.tui.widgets.event_log import EventLog

if TYPE_CHECKING:
    from twc_tui.tui.monitor_api import MonitorApp


class OverviewScreen(Screen[None]):
    """All chargers at a glance."""

    BINDINGS = [
        Binding("enter", "open_detail", "Detail", id="open-detail",
                tooltip="the selected charger's detail"),
        # The app's "Table/Cards", named for where it goes: at 80 columns it fits.
        Binding("v", "app.toggle_view", "Table", id="toggle-view",
                tooltip="switch the overview between cards and the fleet table"),
        Binding("down,j", "app.focus_next", "Next", show=False),
        Binding("up,k", "app.focus_previous", "Previous", show=False),
    ]

    app: MonitorApp

    def compose(self) -> ComposeResult:
        app = self.app
        settings = app.settings
        yield Header()
        with VerticalScroll(id="cards-scroll"):
            with Grid(id="cards"):
                for index, state in enumerate(app.states.values(), start=1):
                    yield ChargerCard(
                        state,
                        index,
                        now=app.now,
                        max_current_a=app.max_current.get(state.charger),
                        ascii_only=settings.ascii,
                        handle_warn_c=settings.handle_warn_c,
                    )
        names = {s.charger: s.name for s in app.states.values()}
        yield EventLog(id="overview-log", max_lines=200, names=names)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # Looked up once: refresh_state runs for every poll of every charger.
        self._card_of = {card.state.charger: card for card in self.query(ChargerCard)}
        self.refresh_state(None)

    def _cards(self) -> list[ChargerCard]:
        return list(self._card_of.values())

    def refresh_state(self, charger: str | None) -> None:
        """Redraw what shows ``charger`` (every charger for None)."""
        if charger is None:
            for card in self._cards():
                card.update_state()
        elif (card := self._card_of.get(charger)) is not None:
            card.update_state()
        self._refresh_log()

    def refresh_ages(self) -> None:
        for card in self._cards():
            card.update_state()

    def _refresh_log(self) -> None:
        states = list(self.app.states.values())
        total = sum(s.log_total for s in states)
        log = self.query_one(EventLog)
        if log.shown_total(self) == total:
            return  # most polls log nothing: no need to merge every charger's log
        merged = heapq.merge(*(s.log for s in states), key=lambda e: e.at)
        log.show(self, list(merged)[-200:], total)

    def focus_charger(self, index: int) -> None:
        cards = self._cards()
        if 0 <= index < len(cards):
            cards[index].focus()

    def focused_index(self) -> int:
        focused = self.focused
        return focused.index - 1 if isinstance(focused, ChargerCard) else 0

    def action_open_detail(self) -> None:
        self.app.open_detail(self.focused_index())

    def on_click(self, event) -> None:  # type: ignore[no-untyped-def]
        widget = event.widget
        while widget is not None and not isinstance(widget, ChargerCard):
            widget = widget.parent
        if isinstance(widget, ChargerCard) and event.chain == 2:
            self.app.open_detail(widget.index - 1)
