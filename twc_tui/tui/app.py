"""The Textual app: wiring, bindings and lifecycle. Behaviour lives in screens and widgets."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterable, Sequence

import httpx
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from twc_tui.core.client import ChargerClient, make_http_client
from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import ChargerConfig, Settings
from twc_tui.core.poller import ChargerPoller, PollEvent
from twc_tui.core.recorder import Recorder, default_db_path, prefill_history
from twc_tui.core.state import ChargerState
from twc_tui.core.store import Store, StoreError
from twc_tui.tui.messages import ChargerEvent
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
        self.config_path = config_path
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
        if not self.is_headless:  # headless (tests, screenshots) has no terminal to lose
            self._guard_hangup()

    def _open_history(self) -> None:
        """Fill charts and logs from the store and start recording; without a store the
        monitor still runs and says why."""
        try:
            self.store = Store.open(default_db_path(self.settings.db_path))
        except StoreError as error:
            self.history_note = f"no history: {error}"
            self.notify(self.history_note, severity="warning", timeout=15)
            return
        now = self.clock.time()
        for charger, state in self.states.items():
            prefill_history(self.store, state.history, charger, now)
            events = self.store.load_events(charger, limit=state.log.maxlen or 500)
            state.log.extend(events)
            state.log_total += len(events)
        self.recorder = Recorder(self.store, retention_days=self.settings.retention_days,
                                 monotonic=self.clock.monotonic, wall=self.clock.time)
        self.history_note = self.recorder.status
        self.set_interval(1.0, self.recorder.tick)

    async def on_unmount(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
        if self.store is not None:
            self.store.close()
        if self._http is not None:
            await self._http.aclose()

    def _guard_hangup(self) -> None:
        """Exit when the terminal goes away. Textual installs no SIGHUP handler, and when
        SIGHUP is ignored (nohup) it spins at over 100 % CPU on a dead tty.

        A hang-up also sends SIGCONT to a session leader (``ssh -t host twc-tui``), on which
        Textual restarts application mode on the dead tty; its shutdown can then deadlock
        on a full writer queue. So SIGCONT is passed on only while the tty is alive, and
        losing the tty arms a hard exit 2 s later, should the orderly one hang.
        """
        if self.is_headless:
            return  # tests: no terminal to lose
        # The terminal to watch: stdin, or stdout if input is redirected; none, no watch.
        self._tty = next((s for s in (sys.__stdin__, sys.__stdout__)
                          if s is not None and s.isatty()), None)
        try:
            asyncio.get_running_loop().add_signal_handler(
                signal.SIGHUP, lambda: self._check_tty(hung_up=True))
        except (NotImplementedError, RuntimeError, ValueError):
            pass
        resume = signal.getsignal(signal.SIGCONT)
        if callable(resume):
            def on_sigcont(signum: int, frame: object) -> None:
                try:
                    alive = self._tty is not None and self._tty.isatty()
                except (OSError, ValueError):
                    alive = False
                if alive:
                    resume(signum, frame)  # type: ignore[arg-type]

            try:
                signal.signal(signal.SIGCONT, on_sigcont)
            except (ValueError, OSError):  # not the main thread (tests)
                pass
        if self._tty is not None:
            self.set_interval(2.0, self._check_tty)

    def _check_tty(self, hung_up: bool = False) -> None:
        import os
        import threading

        stream = getattr(self, "_tty", None)
        try:
            alive = not hung_up and stream is not None and stream.isatty()
        except (OSError, ValueError):
            alive = False
        if alive:
            return
        if not getattr(self, "_hard_exit", None):
            self._hard_exit = threading.Timer(2.0, os._exit, args=(129,))
            self._hard_exit.daemon = True
            self._hard_exit.start()
        self.exit(1)

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
            self.recorder.feed(event, entries, state.phase_mode_setting)
        if not self.paused:
            self._redraw(event.charger)

    def _redraw(self, charger: str | None) -> None:
        if not self.is_running or not self.screen_stack:
            return  # events fed before mount are shown when the first screen mounts
        screen = self.screen
        if isinstance(screen, OverviewScreen | DetailScreen):
            with self.batch_update():
                screen.refresh_state(charger)

    def _tick_ages(self) -> None:
        screen = self.screen
        if not self.paused and isinstance(screen, OverviewScreen | DetailScreen):
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
        yield SystemCommand("Pause or resume", "Freeze the display; polling goes on",
                            self.action_toggle_pause)
        yield SystemCommand("Refresh now", "Poll the visible chargers now",
                            self.action_refresh_now)
        yield SystemCommand("Cycle time range", "Charts: 5 min, 1 hour, 24 hours",
                            self.action_cycle_range)
        yield SystemCommand("Sessions", "Charging sessions from the history database",
                            self.action_sessions)
        yield SystemCommand("Help", "Keys, charger states, power sharing", self.action_help)
        for index, state in enumerate(self.states.values()):
            yield SystemCommand(f"Show {state.name}", f"Detail of {state.charger}",
                                lambda i=index: self.open_detail(i))
