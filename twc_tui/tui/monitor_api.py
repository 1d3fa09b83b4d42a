"""What screens and widgets may ask of the monitor app, typed without importing it.

Screens are composed by the app, so importing ``TwcApp`` from them, even for type checking
only, is an import cycle. This protocol is the contract instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from textual.app import App

from twc_tui.core.clock import Clock
from twc_tui.core.config import Settings
from twc_tui.engine.charger_state import ChargerState


class MonitorApp(App[int], Protocol):  # type: ignore[misc]
    """The parts of :class:`twc_tui.tui.app.TwcApp` that screens use."""

    settings: Settings
    clock: Clock
    states: Mapping[str, ChargerState]
    max_current: Mapping[str, float | None]
    time_range: str
    paused: bool

    def now(self) -> float: ...
    @property
    def via(self) -> str: ...
    def link_line(self, state: ChargerState | None = None) -> str | None: ...
    def open_detail(self, index: int) -> None: ...
    def action_help(self) -> None: ...
    def action_sessions(self) -> None: ...
    def action_refresh_now(self) -> None: ...
    def action_toggle_pause(self) -> None: ...
    def action_cycle_range(self) -> None: ...
