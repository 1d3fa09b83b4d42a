"""One charger in full: vitals, charts, lifetime, WiFi, version and its event log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header

from twc_tui.core import units
from twc_tui.engine.charger_state import ChargerState
from twc_tui.tui import panel_rows as panels
from twc_tui.tui.look import badge, safe, session_words
from twc_tui.tui.widgets.event_log import EventLog
from twc_tui.tui.widgets.line_view import LineView
from twc_tui.tui.widgets.panel import Panel

if TYPE_CHECKING:
    from twc_tui.tui.monitor_api import MonitorApp
    from twc_tui.tui.widgets.chart import TimeChart


def _charts(ascii_only: bool, max_current: float) -> list[TimeChart]:
    # plotext is imported only when a detail screen is first built.
    from twc_tui.tui.widgets.chart import ChartSpec, Series, TimeChart

    current = ChartSpec(
        "Current (A)",
        (
            Series("vehicle_a", "vehicle", "green"),
            Series("phase_a", "A", "cyan"),
            Series("phase_b", "B", "magenta"),
            Series("phase_c", "C", "orange"),
        ),
        0.0,
        max_current,
    )
    temps = ChartSpec(
        "Temperature (°C)",
        (
            Series("handle_c", "handle", "red"),
            Series("pcba_c", "PCBA", "orange"),
            Series("mcu_c", "MCU", "cyan"),
        ),
        0.0,
        90.0,
    )
    grid = ChartSpec(
        "Grid V (left) / Hz (right)",
        (Series("grid_v", "V", "green"), Series("grid_hz", "Hz", "cyan", yside="right")),
        200.0,
        260.0,
        # Hz: ±0.5 around the nominal 50 or 60 found in the data (see TimeChart).
        -0.5,
        0.5,
    )
    return [
        TimeChart(spec, id=name, ascii_only=ascii_only)
        for spec, name in ((current, "chart-current"), (temps, "chart-temps"), (grid, "chart-grid"))
    ]


class DetailScreen(Screen[None]):
    """Everything about the selected charger."""

    BINDINGS = [
        Binding("escape", "back", "Overview", id="back", tooltip="back to the overview"),
        # Not in the footer: at 80 columns it would push Sessions off (help lists it).
        Binding("tab", "app.next_charger", "Next", id="next-charger", show=False,
                tooltip="the next charger"),
        Binding("shift+tab", "app.previous_charger", "Previous", show=False,
                id="previous-charger", tooltip="the previous charger"),
    ]

    app: MonitorApp

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    @property
    def state(self) -> ChargerState:
        return list(self.app.states.values())[self.index]

    def compose(self) -> ComposeResult:
        settings = self.app.settings
        max_a = self.app.max_current.get(self.state.charger) or 48.0
        yield Header()
        with Vertical(id="summary"):
            with Horizontal(id="summary-top"):
                yield LineView(id="summary-head")
                yield LineView(id="summary-values")
            yield LineView(id="summary-status")
        with VerticalScroll(id="detail-body"):
            with Horizontal(id="top"):
                with VerticalScroll(id="vitals-col"):
                    yield Panel("Vitals", id="vitals")
                with Vertical(id="charts"):
                    yield from _charts(settings.ascii, max_a)
            with Horizontal(id="bottom"):
                yield Panel("Lifetime", id="lifetime")
                with Vertical(id="net"):
                    yield Panel("WiFi", id="wifi")
                    yield Panel("Version", id="version")
                yield EventLog(id="detail-log")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.refresh_state(None)

    def show_charger(self, index: int) -> None:
        self.index = index
        self.refresh_state(None)

    def refresh_state(self, charger: str | None) -> None:
        state = self.state
        if charger is not None and charger != state.charger:
            return
        settings = self.app.settings
        self.sub_title = ""
        self._summary(state)
        self.query_one("#vitals", Panel).show(
            panels.vitals_rows(state, settings.handle_warn_c, settings.pcba_warn_c))
        self.query_one("#lifetime", Panel).show(panels.lifetime_rows(state))
        self.query_one("#wifi", Panel).show(panels.wifi_rows(state, settings.ascii))
        self.query_one("#version", Panel).show(panels.version_rows(state))
        self.set_class(state.health == "offline", "-offline")
        now = self.app.now()
        from twc_tui.tui.widgets.chart import TimeChart

        for chart in self.query(TimeChart):
            chart.show(state.history, now, self.app.time_range)
        self.query_one(EventLog).show(state, state.log, state.log_total)

    def refresh_ages(self) -> None:
        self._summary(self.state)

    def _summary(self, state: ChargerState) -> None:
        word, style = badge(state)
        v = state.vitals
        head = Content.assemble((f" {word} ", f"reverse {style}"), " ",
                                safe(state.name, 30, "bold"), "  ")
        values = Content("")
        if v is not None:
            values = Content.assemble(
                (units.kw(state.power_w), "bold"), f"  {units.amps(v.vehicle_current_a)}",
                f"  {session_words(v)}",
            )
            # The thermal forecast: the engine's, or the hub's when attached to one.
            alerts = getattr(getattr(self.app, "engine", None), "alerts", None)
            minutes = None if alerts is None else alerts.forecast_minutes(state.charger)
            if minutes is not None and minutes <= 30 and v.charging:
                values = Content.assemble(
                    values, (f"  derate in about {minutes} min", "bold $text-warning"))
        age = units.age(state.age(self.app.now()))
        held = {"never": "no data yet", "now": "data is current"}.get(
            age, f"data {age.removesuffix(' ago')} old")
        where = f"{state.charger} · {self.index + 1} of {len(self.app.states)}"
        if self.app.via:
            where = f"{self.app.via} · {where}"
        line2: Content
        link = self.app.link_line(state)
        if link is not None:  # what the hub last said is all we know of the charger
            line2 = Content.styled(link, "bold $text-error")
        elif state.health == "offline":
            line2 = Content.assemble(
                (f"OFFLINE since {units.clock(state.offline_since, False)}", "bold $text-error"),
                (f" ({held}): ", "$text-muted"),
                safe(state.last_error, 90),
            )
        elif state.health == "error":
            line2 = Content.assemble(
                ("Last poll failed", "bold $text-warning"),
                (f" ({held}): ", "$text-muted"),
                safe(state.last_error, 90),
            )
        else:
            line2 = Content.styled(
                f"updated {age} · {where} · range {self.app.time_range}", "$text-muted"
            )
        if self.app.paused:  # the title's subtitle is not shown on this screen
            line2 = Content.assemble(
                ("PAUSED", "bold reverse $text-warning"),
                (" display frozen, polling goes on (p resumes) · ", "$text-warning"), line2)
        # Apart, so the values that change every second re-send only themselves.
        self.query_one("#summary-head", LineView).set_lines([head])
        self.query_one("#summary-values", LineView).set_lines([values])
        self.query_one("#summary-status", LineView).set_lines([line2])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden with one charger: there is no overview to go back to.
        return len(self.app.states) > 1 if action == "back" else True

    def action_back(self) -> None:
        if len(self.app.states) > 1:
            self.app.pop_screen()
