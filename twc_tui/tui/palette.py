"""What the command palette (ctrl+p) offers beyond Textual's own commands (themes, quit...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from twc_tui.tui.app import TwcApp


def palette_commands(app: TwcApp) -> Iterable[SystemCommand]:
    """Every action of the key bindings, and one entry per charger."""
    yield SystemCommand("Pause or resume", "Freeze the display; polling goes on",
                        app.action_toggle_pause)
    yield SystemCommand("Refresh now", "Poll the visible chargers now", app.action_refresh_now)
    yield SystemCommand("Cycle time range", "Charts: 5 min, 1 hour, 24 hours",
                        app.action_cycle_range)
    yield SystemCommand("Sessions", "Charging sessions from the history database",
                        app.action_sessions)
    yield SystemCommand("Help", "Keys, charger states, power sharing", app.action_help)
    for index, state in enumerate(app.states.values()):
        yield SystemCommand(f"Show {state.name}", f"Detail of {state.charger}",
                            lambda i=index: app.open_detail(i))
