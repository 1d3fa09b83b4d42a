"""How charger state looks: badges, safe text, trend strings.

Everything a charger sent reaches the screen through :func:`safe`, which sanitises with the
core's ``safe_text`` and wraps the result in ``Content`` (which never parses markup).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual.content import Content

from twc_tui.core import units
from twc_tui.core.models import Vitals
from twc_tui.core.text import safe_text
from twc_tui.engine.charger_state import ChargerState

BLOCKS = " ▁▂▃▄▅▆▇█"
ASCII_BLOCKS = " .:-=+*#%"


def safe(value: object, max_len: int = 60, style: str = "") -> Content:
    """Network text as literal, styled content."""
    content = Content(safe_text(value, max_len))
    return content.stylize(style) if style else content


def badge(state: ChargerState) -> tuple[str, str]:
    """A state word plus the style that colours it. The word alone must carry the meaning
    (``NO_COLOR``, 16-colour terminals)."""
    health = state.health
    if health == "offline":
        return "OFFLINE", "bold $text-error"
    if health == "error":  # also before any data: the first poll may fail
        return "ERROR", "bold $text-warning"
    v = state.vitals
    if v is None:
        return "CONNECTING", "bold $text-secondary"
    if v.charging:
        if v.alerts:
            return "DERATED", "bold $text-warning"
        return "CHARGING", "bold $text-success"
    if not v.state.known and v.evse_state is not None:
        return f"STATE {v.evse_state}", "bold $text-warning"
    if v.alerts:
        return "ALERT", "bold $text-warning"
    if v.plugged:
        return "PLUGGED IN", "bold $text-accent"
    return "IDLE", "bold $text-primary"


def session_words(v: Vitals) -> str:
    """The session as every screen words it: after unplug the charger keeps reporting the
    last session's energy, and its duration is over."""
    if v.plugged:
        return f"session {units.kwh(v.session_energy_wh)} · {units.duration(v.session_s)}"
    return f"last session {units.kwh(v.session_energy_wh)}"


DEFAULT_TOP_KW = 11.5
"""Trend scale when the charger's breaker is unknown: a 48 A NA unit at 240 V."""
TREND_WINDOW_S = 300.0
"""What a power trend shows (cards, the fleet table)."""


def trend_top_kw(state: ChargerState, max_current_a: float | None) -> float:
    """A trend's full scale: the breaker's power, so the bar height means something."""
    if max_current_a is None:
        return DEFAULT_TOP_KW
    v = state.vitals
    volts = v.grid_v if v is not None and v.grid_v else 240.0
    phases = 3 if state.phase_mode == "three" else 1
    return max_current_a * volts * phases / 1000.0


def power_trend(state: ChargerState, width: int, now: float, top_kw: float,
                ascii_only: bool = False) -> str:
    """The last five minutes of power in ``width`` cells, blank where offline ("" before any
    data). The window moves on by whole columns, so a line that shows it is re-sent once a
    column, not with every sample."""
    if width <= 0:
        return ""
    column_s = TREND_WINDOW_S / width
    end = math.floor(now / column_s) * column_s
    values = state.history.series("power_kw", end - TREND_WINDOW_S, end, width, max_gap=15.0)
    if all(math.isnan(x) for x in values):
        return ""
    return trend(values, top_kw, ascii_only)


def trend(values: Sequence[float], top: float, ascii_only: bool = False) -> str:
    """One line of bars on a fixed 0..``top`` scale; NaN (offline) is a blank gap.

    A fixed scale matters: a constant 7 kW must not look like zero, nor idle noise like a peak.
    """
    blocks = ASCII_BLOCKS if ascii_only else BLOCKS
    steps = len(blocks) - 1
    out = []
    for value in values:
        if math.isnan(value):
            out.append(" ")
        elif value <= top * 0.005:
            out.append("_")  # a baseline, so "zero" and "no data" look different
        else:
            # Any real flow gets at least the lowest bar, so "charging slowly" is not "idle".
            out.append(blocks[max(1, round(min(value, top) / top * steps))])
    return "".join(out)
