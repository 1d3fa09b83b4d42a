"""A bordered block of label/value rows (vitals, lifetime, WiFi, version)."""

from __future__ import annotations

from twc_tui.tui import panels
from twc_tui.tui.widgets.line_view import LineView


class Panel(LineView):
    """Rows from :mod:`twc_tui.tui.panels`, in two columns when there is room (80x24)."""

    DEFAULT_CSS = """
    Panel {
        border: round $primary 40%;
        border-title-color: $text-accent;
        padding: 0 1;
        height: auto;
    }
    """

    TWO_COLUMNS_FROM = 74
    """Content width from which the rows are laid out in two columns."""

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(id=id)
        self.border_title = title
        self._rows: list[panels.Row] = []

    def show(self, rows: list[panels.Row]) -> None:
        """Show ``rows``; only lines whose text changed are repainted."""
        self._rows = rows
        columns = 2 if self.content_size.width >= self.TWO_COLUMNS_FROM else 1
        self.set_lines(panels.render_rows(rows, columns=columns))

    def on_resize(self) -> None:
        # Laid out again after this layout pass: an update inside it keeps the old height.
        if self._rows:
            self.call_after_refresh(self.show, self._rows)
