"""One charger at a glance, for the overview grid."""

from __future__ import annotations

from textual.content import Content

from twc_tui.core import units
from twc_tui.core.text import safe_text
from twc_tui.engine.charger_state import ChargerState
from twc_tui.tui.look import badge, power_trend, safe, session_words, trend_top_kw
from twc_tui.tui.widgets.line_view import LineView


class ChargerCard(LineView, can_focus=True):
    """Name, state badge, power, current, session, handle temperature, a power trend and the
    age of the data, in three lines so three cards fit an 80x24 terminal. It renders from
    :class:`ChargerState` and does no I/O; only lines whose text changed are repainted."""

    DEFAULT_CSS = """
    ChargerCard {
        height: 5;
        border: round $primary 50%;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
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
        max_current_a: float | None = None,
        ascii_only: bool = False,
        handle_warn_c: float = 60.0,
    ) -> None:
        super().__init__(id=f"card-{index}")
        self.state = state
        self.index = index
        """1-based position, also the number key that selects it."""
        self.now = now
        self.max_current_a = max_current_a
        """The breaker rating, which sets the trend's scale."""
        self.ascii_only = ascii_only
        self.handle_warn_c = handle_warn_c
        self._badge: tuple[str, str] | None = None

    def on_mount(self) -> None:
        self.border_title = Content.assemble(f"{self.index} ", safe(self.state.name, 40))
        self.update_state()

    def update_state(self) -> None:
        """Redraw after the state changed (or only the age moved on)."""
        health = self.state.health
        self.set_class(health == "offline", "-offline")
        self.set_class(health == "error", "-error")
        word, style = badge(self.state)
        # Setting a border title repaints the whole card; the getter returns markup, so
        # compare with what was set instead.
        if (word, style) != self._badge:
            self._badge = (word, style)
            self.border_subtitle = Content.styled(f" {word} ", style)
        self.set_lines(self._card_lines())

    def on_resize(self) -> None:
        self.update_state()

    def _card_lines(self) -> list[Content]:
        state, v = self.state, self.state.vitals
        width = max(10, self.content_size.width)
        if v is None:
            body = Content.styled("waiting for the first answer…", "$text-muted")
            return [body, Content(""), self._footer()]
        handle = v.handle_temp_c
        hot = handle is not None and handle >= self.handle_warn_c
        line1 = Content.assemble(
            (units.kw(state.power_w).rjust(9), "bold"),
            units.amps(v.vehicle_current_a).rjust(8),
            f"  {session_words(v)}  handle ",
            (units.celsius(handle), "bold $text-warning" if hot else ""),
        )
        label = v.state.label + ("" if v.state.verified else "?") + f" ({v.evse_state})"
        spark_width = max(0, width - len(label) - 1)
        spark = power_trend(state, spark_width, self.now(),
                            trend_top_kw(state, self.max_current_a), self.ascii_only)
        line2 = Content.assemble(
            (spark.ljust(spark_width), "$text-success"), " ", (label, "$text-muted")
        )
        return [line1, line2, self._footer()]

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
        alerts = state.vitals.alerts if state.vitals is not None else ()
        if alerts:
            text = "; ".join(safe_text(a.text, 60) for a in alerts)
            return Content.assemble((f"updated {age} · ", "$text-muted"), (text, "$text-warning"))
        return Content.styled(f"updated {age}", "$text-muted")
