"""One charger at a glance, for the overview grid."""

from __future__ import annotations

import math

from textual.content import Content
from textual.widget import Widget

from twc_tui.core import units
from twc_tui.core.state import ChargerState
from twc_tui.tui.look import badge, safe, trend

DEFAULT_TOP_KW = 11.5
"""Trend scale when the charger's breaker is unknown: a 48 A NA unit at 240 V."""
TREND_WINDOW_S = 300.0


class ChargerCard(Widget, can_focus=True):
    """Name, state badge, power, current, session, handle temperature, a power trend and the
    age of the data. It renders from :class:`ChargerState` and does no I/O."""

    DEFAULT_CSS = """
    ChargerCard {
        height: 6;
        border: round $primary 50%;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    ChargerCard:focus { border: round $accent; }
    ChargerCard.-offline { color: $text-muted; border: round $error 60%; }
    ChargerCard.-error { border: round $warning 60%; }
    """

    def __init__(
        self,
        state: ChargerState,
        index: int,
        *,
        now: callable,  # type: ignore[valid-type]
        max_kw: float | None = None,
        ascii_only: bool = False,
        handle_warn_c: float = 60.0,
    ) -> None:
        super().__init__(id=f"card-{index}")
        self.state = state
        self.index = index
        """1-based position, also the number key that selects it."""
        self.now = now
        self.max_kw = max_kw or DEFAULT_TOP_KW
        self.ascii_only = ascii_only
        self.handle_warn_c = handle_warn_c

    def on_mount(self) -> None:
        self.border_title = Content.assemble(f"{self.index} ", safe(self.state.name, 40))
        self.update_state()

    def update_state(self) -> None:
        """Redraw after the state changed (or only the age moved on)."""
        health = self.state.health
        self.set_class(health == "offline", "-offline")
        self.set_class(health == "error", "-error")
        word, style = badge(self.state)
        self.border_subtitle = Content.styled(f" {word} ", style)
        self.refresh()

    def render(self) -> Content:
        state, v = self.state, self.state.vitals
        width = max(10, self.size.width)
        if v is None:
            body = Content.styled("waiting for first answer…", "$text-muted")
            return Content("\n").join([body, Content(""), Content(""), self._footer()])
        power = state.power_w
        handle = v.handle_temp_c
        hot = handle is not None and handle >= self.handle_warn_c
        line1 = Content.assemble(
            (units.kw(power).rjust(9), "bold"),
            "  ",
            units.amps(v.vehicle_current_a).rjust(7),
            "   ",
            (f"{units.kwh(v.session_energy_wh)} in {units.duration(v.session_s)}", ""),
        )
        line2 = Content.assemble(
            "Handle ",
            (units.celsius(handle), "bold $text-warning" if hot else ""),
            "   ",
            (v.state.label + ("" if v.state.verified else "?"), "$text-muted"),
            f" ({v.evse_state})",
        )
        now = self.now()
        values = state.history.series(
            "power_kw", now - TREND_WINDOW_S, now, width, max_gap=15.0
        )
        spark = trend(values, self.max_kw, self.ascii_only)
        if all(math.isnan(x) for x in values):
            spark = ""
        line3 = Content.styled(spark, "$text-success")
        return Content("\n").join([line1, line2, line3, self._footer()])

    def _footer(self) -> Content:
        state = self.state
        if state.health == "offline":
            since = units.clock(state.offline_since, with_seconds=False)
            return Content.assemble(
                (f"OFFLINE since {since}: ", "bold $text-error"), safe(state.last_error, 80)
            )
        age = units.age(state.age(self.now()))
        if state.health == "error":
            return Content.assemble(
                (f"updated {age}, ", "$text-warning"), safe(state.last_error, 80)
            )
        return Content.styled(f"updated {age}", "$text-muted")
