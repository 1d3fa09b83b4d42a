"""A bordered block of label/value rows (vitals, lifetime, WiFi, version).

Labels and values are separate widgets: when a value changes, Textual re-sends only the
value's line, not the label, the border and the padding with it. On a panel whose values move
every second that is most of the bytes that would otherwise cross an SSH link.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal

from twc_tui.tui import panel_rows as panels
from twc_tui.tui.widgets.line_view import LineView

LABEL_WIDTH = panels.LABEL_WIDTH


class Panel(Horizontal):
    """Rows from :mod:`twc_tui.tui.panel_rows`, in two columns when there is room (80x24)."""

    DEFAULT_CSS = f"""
    Panel {{
        border: round $primary 40%;
        border-title-color: $text-accent;
        padding: 0 1;
        height: auto;
    }}
    Panel > LineView {{ height: auto; text-wrap: nowrap; text-overflow: ellipsis; }}
    Panel > .label {{ width: {LABEL_WIDTH}; }}
    Panel > .value {{ width: 1fr; }}
    Panel > .second {{ display: none; }}
    Panel.-two-columns > .second {{ display: block; }}
    Panel.-two-columns > .value.first {{ width: 25; }}
    """

    TWO_COLUMNS_FROM = 74
    """Content width from which the rows are laid out in two columns."""

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(id=id)
        self.border_title = title
        self._rows: list[panels.Row] = []

    def compose(self) -> ComposeResult:
        for column in ("first", "second"):
            yield LineView(classes=f"label {column}")
            yield LineView(classes=f"value {column}")

    def show(self, rows: list[panels.Row]) -> None:
        """Show ``rows``; only the values whose text changed are repainted."""
        self._rows = rows
        two = self.content_size.width >= self.TWO_COLUMNS_FROM
        self.set_class(two, "-two-columns")
        columns = panels.split_rows(rows, 2 if two else 1)
        views = list(self.query_children(LineView))
        for index in range(2):
            labels, values = panels.label_value_lines(columns[index] if index < len(columns)
                                                      else [])
            views[2 * index].set_lines(labels)
            views[2 * index + 1].set_lines(values)

    def on_resize(self) -> None:
        # Laid out again after this layout pass: an update inside it keeps the old height.
        if self._rows:
            self.call_after_refresh(self.show, self._rows)
