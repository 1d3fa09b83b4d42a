"""The Textual app: wiring, bindings and lifecycle. Behaviour lives in screens, widgets and
the modules beside this one (which view shows, what is said in toasts)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import Settings, default_config_path
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.charger_state import ChargerState
from twc_tui.engine.engine import Engine, Update
from twc_tui.engine.poller import PollEvent
from twc_tui.hub.remote import RemoteEngine
from twc_tui.tui.hangup import HangupGuard
from twc_tui.tui.kiosk import CSS as KIOSK_CSS
from twc_tui.tui.kiosk import kiosk_index
from twc_tui.tui.navigation import can_act, first_screen
from twc_tui.tui.notices import HistoryWatch, alert_toast, tell_at_start
from twc_tui.tui.palette import palette_commands
from twc_tui.tui.screens.detail import DetailScreen
from twc_tui.tui.screens.fleet import FleetScreen
from twc_tui.tui.screens.help import HelpScreen
from twc_tui.tui.screens.overview import OverviewScreen
from twc_tui.tui.web_visit import under_web_driver, watch_stdin

RANGES = ("5m", "1h", "24h")


class TwcApp(App[int]):
    """Monitor one or more Wall Connectors."""

    TITLE = "twc-tui"
    CSS_PATH = "app.tcss"
    CSS = KIOSK_CSS
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    # Help's key list is built from these (and the screens'): the tooltip is what it says.
    # "?" comes first so that the footer keeps it at 80 columns.
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", id="help",
                tooltip="keys, what each charger state means, power sharing"),
        Binding("q", "quit", "Quit", id="quit", tooltip="quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit-ctrl-c",
                tooltip="quit"),
        Binding("p,space", "toggle_pause", "Pause", id="pause",
                tooltip="freeze the display; polling and recording go on (PAUSED shows)"),
        Binding("r", "refresh_now", "Refresh", id="refresh",
                tooltip="poll now (still never more than once per second per endpoint)"),
        Binding("t", "cycle_range", "Range", id="time-range",
                tooltip="cycle the chart range: 5 min, 1 hour, 24 hours"),
        Binding("s", "sessions", "Sessions", id="sessions",
                tooltip="charging sessions from the history database"),
        Binding("v", "toggle_view", "Table/Cards", id="toggle-view",
                tooltip="switch the overview between cards and the fleet table"),
        *(
            Binding(str(n), f"select_charger({n - 1})", f"Charger {n}", show=False,
                    id=f"charger-{n}", tooltip="show that charger (its number on the cards)")
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
        engine: Engine | RemoteEngine | None = None,
        kiosk: str | None = None,
    ) -> None:
        # NO_COLOR: Textual alone only greys the colours; ANSI mode lets its no-colour filter
        # drop them, leaving bold and reverse to carry the badges.
        super().__init__(ansi_color=True if os.environ.get("NO_COLOR") else None)
        self.settings = settings
        self.clock = clock
        self.live = live
        """False in snapshot tests: no pollers, timers or signal handlers."""
        self.config_path = config_path or str(default_config_path())
        self.engine = engine or Engine(chargers, settings, clock=clock)
        """Where the data comes from: pollers in this process, or a hub (``--hub``)."""
        self.states = self.engine.states
        self.chargers = list(self.engine.chargers)
        self.max_current: dict[str, float | None] = {
            c.id: c.max_current_a for c in self.chargers}
        self.set_reactive(
            TwcApp.time_range, settings.time_range if settings.time_range in RANGES else "5m"
        )
        self.animation_level = "none"
        self.kiosk = kiosk
        """``--kiosk``: one view (``overview`` or a charger), no footer; None otherwise."""
        self.kiosk_view: int | None = None
        self._kiosk_note = ""
        if kiosk is not None:
            self.add_class("-kiosk")
            try:
                self.kiosk_view = kiosk_index(self.chargers, kiosk)
            except ValueError as error:  # a browser tab's address: show the overview, say why
                self._kiosk_note = f"{error}; showing the overview"
        self.engine.listen(self._updated)
        if isinstance(self.engine, RemoteEngine):
            self.title = f"twc-tui {self.via}"
            self.engine.watch(self._hub_changed)

    # -- lifecycle -----------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return first_screen(len(self.states), self.kiosk, self.kiosk_view)

    async def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self._update_subtitle()
        if not self.live:
            return
        await self.engine.start()
        alerts = getattr(self.engine, "alerts", None)  # None when no rule is in force
        if alerts is not None:
            alerts.listen(alert_toast(self))
        tell_at_start(self, self.engine, self._kiosk_note)
        self._history_watch = HistoryWatch(self, self.engine)
        self.set_interval(5.0, self._tick_ages)
        HangupGuard(self).install()
        if under_web_driver():
            watch_stdin(self)

    async def on_unmount(self) -> None:
        if self.live:
            await self.engine.stop()

    @property
    def history_note(self) -> str:
        """One line on where history is kept, or why it is not."""
        return self.engine.history_status

    def now(self) -> float:
        """Wall-clock time, from the injectable clock (fixed in snapshot tests)."""
        return self.clock.time()

    @property
    def via(self) -> str:
        """Where the data comes from when not from this process's pollers, e.g. "via hub
        127.0.0.1:8743"; empty when polling directly."""
        return f"via hub {self.engine.where}" if isinstance(self.engine, RemoteEngine) else ""

    def link_line(self, state: ChargerState | None = None) -> str | None:
        """A line on the hub being unreachable, with the age of what is shown; else None."""
        if not isinstance(self.engine, RemoteEngine):
            return None
        return self.engine.link_line(self.now(), state)

    def _hub_changed(self) -> None:
        """The hub went away or came back, or much was read from it at once."""
        # In the title: the detail screen's header shows no subtitle.
        lost = isinstance(self.engine, RemoteEngine) and self.engine.link_error is not None
        self.title = f"twc-tui {self.via}" + (" · HUB UNREACHABLE" if lost else "")
        if not self.paused:
            self._redraw(None)

    # -- data ----------------------------------------------------------------------------
    def apply_event(self, event: PollEvent) -> None:
        """Fold a poll event in as the engine would (tests and replays use this)."""
        self.engine.apply(event)

    def _updated(self, update: Update) -> None:
        """The engine folded an update into state: redraw what shows it, unless paused."""
        if not self.paused:
            self._redraw(update.charger)

    def _redraw(self, charger: str | None) -> None:
        if not self.is_running or not self.screen_stack:
            return  # events fed before mount are shown when the first screen mounts
        screen = self.screen
        # A screen just pushed (enter, 1-9) has not composed its widgets yet; its on_mount
        # draws everything anyway.
        if isinstance(screen, OverviewScreen | DetailScreen | FleetScreen) and screen.is_mounted:
            with self.batch_update():
                screen.refresh_state(charger)

    def _tick_ages(self) -> None:
        self._history_watch.check()
        screen = self.screen
        if (not self.paused and isinstance(screen, OverviewScreen | DetailScreen | FleetScreen)
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
        self._redraw(None)  # also on pausing: the screen says it is paused

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
            self.states
        )
        for charger in targets:
            self.engine.refresh(charger)

    def action_cycle_range(self) -> None:
        """Switch the chart range: 5 min, 1 hour, 24 hours."""
        self.time_range = RANGES[(RANGES.index(self.time_range) + 1) % len(RANGES)]

    def action_help(self) -> None:
        """Show keys, state meanings and the power-sharing limit."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.config_path, self.history_note),
                             lambda _: self._redraw(None))

    def action_sessions(self) -> None:
        """Show the charging sessions kept in the history database."""
        from twc_tui.tui.screens.session_list import SessionsScreen

        if isinstance(self.screen, SessionsScreen):
            return
        names = {c.id: c.label for c in self.chargers}
        recorder = self.engine.recorder
        live = recorder.open_sessions if recorder is not None else None
        source = self.engine.sessions if isinstance(self.engine, RemoteEngine) else None
        self.push_screen(SessionsScreen(self.engine.store, self.settings, names, live=live,
                                        now=self.clock.time, source=source))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return can_act(action, parameters, self.screen, len(self.states))

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
        elif isinstance(screen, OverviewScreen | FleetScreen):
            self.push_screen(DetailScreen(index))

    def action_toggle_view(self) -> None:
        """Switch the overview between cards and the fleet table."""
        screen = self.screen
        if not isinstance(screen, OverviewScreen | FleetScreen):
            return
        other = FleetScreen if isinstance(screen, OverviewScreen) else OverviewScreen
        below = self.screen_stack[-2] if len(self.screen_stack) > 1 else None
        # The default view stays at the bottom; the other one goes on top and comes off.
        if isinstance(below, other):
            self.pop_screen()
        else:
            self.push_screen(other())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)
