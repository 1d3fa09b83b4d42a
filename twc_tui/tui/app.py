"""The Textual app: wiring, bindings and lifecycle. Behaviour lives in screens and widgets."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import httpx
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from twc_tui.core.client import ChargerClient, make_http_client
from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import Settings, default_config_path
from twc_tui.core.poller import ChargerPoller, PollEvent
from twc_tui.core.recorder import Recorder
from twc_tui.core.state import ChargerState
from twc_tui.core.store import Store
from twc_tui.core.targets import ChargerConfig
from twc_tui.tui.hangup import HangupGuard
from twc_tui.tui.history import open_history
from twc_tui.tui.messages import ChargerEvent
from twc_tui.tui.palette import palette_commands
from twc_tui.tui.screens.detail import DetailScreen
from twc_tui.tui.screens.help import HelpScreen
from twc_tui.tui.screens.overview import OverviewScreen

RANGES = ("5m", "1h", "24h")


class TwcApp(App[int]):
    """Monitor one or more Wall Connectors."""

    TITLE = "twc-tui"
    CSS_PATH = "app.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit-ctrl-c"),
        Binding("p,space", "toggle_pause", "Pause", id="pause"),
        Binding("r", "refresh_now", "Refresh", id="refresh"),
        Binding("t", "cycle_range", "Range", id="time-range"),
        Binding("s", "sessions", "Sessions", id="sessions"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        *(
            Binding(str(n), f"select_charger({n - 1})", f"Charger {n}", show=False,
                    id=f"charger-{n}")
            for n in range(1, 10)
        ),
    ]

    paused: reactive[bool] = reactive(False, init=False)
    """The display is frozen; polling and recording go on."""
    time_range: reactive[str] = reactive("5m", init=False)
    """The charts' time range: one of ``RANGES``."""

    def __init__(
        self,
        chargers: Sequence[ChargerConfig],
        settings: Settings,
        *,
        live: bool = True,
        clock: Clock = REAL_CLOCK,
        config_path: str = "",
    ) -> None:
        # NO_COLOR: Textual alone only greys the colours; ANSI mode lets its no-colour filter
        # drop them, leaving bold and reverse to carry the badges.
        super().__init__(ansi_color=True if os.environ.get("NO_COLOR") else None)
        self.settings = settings
        self.clock = clock
        self.live = live
        """False in snapshot tests: no pollers, timers or signal handlers."""
        self.config_path = config_path or str(default_config_path())
        self.states: dict[str, ChargerState] = {
            c.id: ChargerState(c.id, c.label, c.phase_mode) for c in chargers
        }
        self.max_current: dict[str, float | None] = {c.id: c.max_current_a for c in chargers}
        self.chargers = list(chargers)
        self.pollers: dict[str, ChargerPoller] = {}
        self._http: httpx.AsyncClient | None = None
        self.store: Store | None = None
        self.recorder: Recorder | None = None
        self.history_note = "history off" if not settings.history else "history not opened"
        """One line on where history is kept, or why it is not."""
        self.set_reactive(
            TwcApp.time_range, settings.time_range if settings.time_range in RANGES else "5m"
        )
        self.animation_level = "none"

    # -- lifecycle -----------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return OverviewScreen() if len(self.states) > 1 else DetailScreen(0)

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self._update_subtitle()
        if not self.live:
            return
        if self.settings.history:
            self._open_history()
        self._http = make_http_client(self.settings.timeouts)
        for charger in self.chargers:
            client = ChargerClient(self._http, charger.host, charger.port, self.settings.timeouts)
            poller = ChargerPoller(
                charger.id, client, self._emit, self.settings.poll, clock=self.clock
            )
            self.pollers[charger.id] = poller
            self.run_worker(poller.run(), name=f"poll {charger.id}", group="pollers",
                            exit_on_error=False)
        self.set_interval(5.0, self._tick_ages)
        HangupGuard(self).install()

    def _open_history(self) -> None:
        """Charts and logs from the store, and recording from now on; without a store the
        monitor still runs and says why in one line."""
        self.store, self.recorder, self.history_note = open_history(
            self.settings, self.states, self.clock
        )
        if self.recorder is None:
            self.notify(self.history_note, severity="warning", timeout=15, markup=False)
        else:
            self.set_interval(1.0, self.recorder.tick)

    async def on_unmount(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
        if self.store is not None:
            self.store.close()
        if self._http is not None:
            await self._http.aclose()

    def now(self) -> float:
        """Wall-clock time, from the injectable clock (fixed in snapshot tests)."""
        return self.clock.time()

    # -- data ----------------------------------------------------------------------------
    def _emit(self, event: PollEvent) -> None:
        self.post_message(ChargerEvent(event))

    def on_charger_event(self, message: ChargerEvent) -> None:
        self.apply_event(message.event)

    def apply_event(self, event: PollEvent) -> None:
        """Fold a poll event into state and redraw what shows it, unless paused."""
        state = self.states.get(event.charger)
        if state is None:
            return
        entries = state.apply(event)
        if self.recorder is not None:
            try:
                self.recorder.feed(event, entries, state.phase_mode_setting)
            except Exception as error:  # history is a bonus; it must never end the monitor
                self.history_note = f"history stopped: {error}"
                self.recorder = None
        if not self.paused:
            self._redraw(event.charger)

    def _redraw(self, charger: str | None) -> None:
        if not self.is_running or not self.screen_stack:
            return  # events fed before mount are shown when the first screen mounts
        screen = self.screen
        # A screen just pushed (enter, 1-9) has not composed its widgets yet; its on_mount
        # draws everything anyway.
        if isinstance(screen, OverviewScreen | DetailScreen) and screen.is_mounted:
            with self.batch_update():
                screen.refresh_state(charger)

    def _tick_ages(self) -> None:
        screen = self.screen
        if (not self.paused and isinstance(screen, OverviewScreen | DetailScreen)
                and screen.is_mounted):
            screen.refresh_ages()

    def _update_subtitle(self) -> None:
        count = len(self.states)
        parts = [f"{count} charger{'s' if count != 1 else ''}", f"range {self.time_range}"]
        if self.paused:
            parts.insert(0, "PAUSED")
        self.sub_title = " · ".join(parts)

    def watch_paused(self, paused: bool) -> None:
        self._update_subtitle()
        if not paused:
            self._redraw(None)

    def watch_time_range(self) -> None:
        self._update_subtitle()
        self._redraw(None)

    # -- actions -------------------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        """Freeze or resume the display."""
        self.paused = not self.paused
        self.notify("Display paused; still polling." if self.paused else "Display resumed.",
                    timeout=2)

    def action_refresh_now(self) -> None:
        """Poll the visible charger(s) now."""
        screen = self.screen
        targets = [screen.state.charger] if isinstance(screen, DetailScreen) else list(
            self.pollers
        )
        for charger in targets:
            if charger in self.pollers:
                self.pollers[charger].refresh()

    def action_cycle_range(self) -> None:
        """Switch the chart range: 5 min, 1 hour, 24 hours."""
        self.time_range = RANGES[(RANGES.index(self.time_range) + 1) % len(RANGES)]

    def action_help(self) -> None:
        """Show keys, state meanings and the power-sharing limit."""
        if not isinstance(self.screen, HelpScreen):
            note = self.recorder.status if self.recorder is not None else self.history_note
            self.push_screen(HelpScreen(self.config_path, note), lambda _: self._redraw(None))

    def action_sessions(self) -> None:
        """Show the charging sessions kept in the history database."""
        from twc_tui.tui.screens.sessions import SessionsScreen

        if isinstance(self.screen, SessionsScreen):
            return
        names = {c.id: c.label for c in self.chargers}
        live = self.recorder.open_sessions if self.recorder is not None else None
        self.push_screen(SessionsScreen(self.store, self.settings, names, live=live,
                                        now=self.clock.time))

    def action_select_charger(self, index: int) -> None:
        """Show charger ``index`` (0-based)."""
        if 0 <= index < len(self.states):
            self.open_detail(index)

    def action_next_charger(self, step: int = 1) -> None:
        screen = self.screen
        if isinstance(screen, DetailScreen) and len(self.states) > 1:
            screen.show_charger((screen.index + step) % len(self.states))

    def action_previous_charger(self) -> None:
        self.action_next_charger(-1)

    def open_detail(self, index: int) -> None:
        screen = self.screen
        if isinstance(screen, DetailScreen):
            screen.show_charger(index)
        elif isinstance(screen, OverviewScreen):
            self.push_screen(DetailScreen(index))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)
