"""What the command palette (ctrl+p) offers beyond Textual's own commands (themes, quit...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from twc_tui.core.text import safe_text

if TYPE_CHECKING:
    from twc_tui.tui.monitor_api import MonitorApp


def _literal(text: str) -> str:
    """Markup-proof text: ``textual.markup.escape`` misses ``[$var]`` and upper-case tags."""
    return safe_text(text, 60).replace("[", "\\[")


def palette_commands(app: MonitorApp) -> Iterable[SystemCommand]:
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
        # The palette parses these as markup: a name like "Garage [old]" must stay text.
        name, where = _literal(state.name), _literal(state.charger)
        yield SystemCommand(f"Show {name}", f"Detail of {where}",
                            lambda i=index: app.open_detail(i))
