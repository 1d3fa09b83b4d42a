"""The event log: bounded, newest at the bottom, local time on each line."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from twc_tui.core.text import safe_text
from twc_tui.core.units import clock
from twc_tui.engine.charger_state import LogEntry

LEVEL_STYLES = {"info": "", "warning": "yellow", "error": "bold red"}


class EventLog(RichLog):
    """Shows :class:`LogEntry` lines; it never parses markup (entries hold network text)."""

    DEFAULT_CSS = """
    EventLog { height: 1fr; min-height: 4; background: $surface; }
    """

    def __init__(
        self,
        *,
        id: str | None = None,
        max_lines: int = 500,
        names: dict[str, str] | None = None,
    ):
        super().__init__(id=id, max_lines=max_lines, markup=False, highlight=False, wrap=True)
        self.names = names
        self.border_title = "Events"
        """Charger id to display name; when given, each line names its charger."""
        self._shown: tuple[object, int] = (None, 0)

    def shown_total(self, source: object) -> int | None:
        """The running count last shown for ``source``; None if another source is shown."""
        shown_source, shown_total = self._shown
        return shown_total if shown_source is source else None

    def show(self, source: object, entries: Iterable[LogEntry], total: int) -> None:
        """Bring the log up to date with ``entries`` (a bounded deque) whose running count is
        ``total``; only new entries are written unless the source changed."""
        entries = list(entries)
        shown_source, shown_total = self._shown
        if shown_source is not source or total - shown_total > len(entries):
            self.clear()
            new = entries
        else:
            new = entries[len(entries) - (total - shown_total):] if total > shown_total else []
        for entry in new:
            line = Text(clock(entry.at) + " ", style="dim")
            if self.names is not None:
                name = safe_text(self.names.get(entry.charger, entry.charger), 20)
                line.append(name + " ", style="bold")
            # Entries may come back from the database, written by anything: sanitise again.
            line.append(safe_text(entry.text, 300), style=LEVEL_STYLES.get(entry.level, ""))
            self.write(line)
        self._shown = (source, total)
