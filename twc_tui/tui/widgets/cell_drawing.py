"""One table cell, a one-line Rich ``Text``, drawn to the padded segments of its column."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

PAD = 1
"""Blank cells each side of a cell's text."""
_NEWLINE = Text("\n")
_BLANK = Style()


def draw_cell(console: Console, cell: Text, width: int) -> list[Segment]:
    """The cell's text as one padded line of segments, cut to ``width``: what Rich's
    ``Text.wrap`` makes of a one-line cell (left or right), without its line machinery
    (it was a third of a fleet table redraw's CPU)."""
    if cell.spans or "\n" in cell.plain or cell.justify not in (None, "default", "left",
                                                                  "right"):
        return draw_cell_rich(console, cell, width)
    text = cell.plain.rstrip() if cell.justify == "right" else cell.plain
    if cell_len(text) > width:
        text = set_cell_size(text, width)
    room = width - cell_len(text)
    style = console.get_style(cell.style) if cell.style else _BLANK
    if cell.justify == "right":  # padded on the left in the text's own style, as Rich
        return [Segment(" " * PAD, _BLANK), Segment(" " * room + text, style),
                Segment(" " * PAD, _BLANK)]
    return [Segment(" " * PAD, _BLANK), Segment(text, style),
            Segment(" " * (PAD + room), _BLANK)]


def draw_cell_rich(console: Console, cell: Text, width: int) -> list[Segment]:
    """The same through Rich's own wrapping: any cell, the reference for the short way."""
    lines_of = cell.wrap(console, width, justify=cell.justify or "default",
                         overflow=cell.overflow or "fold", no_wrap=True)
    # Joined as Text.__rich_console__ joins them: that is where the Text's own style
    # becomes a span (Text.render alone leaves it out).
    segments = list(_NEWLINE.join(lines_of).render(console, end=""))
    segments = Segment.adjust_line_length(segments, width, style=_BLANK)
    return [Segment(" " * PAD, _BLANK), *segments, Segment(" " * PAD, _BLANK)]
