"""A block of text lines that repaints only the lines that changed.

Textual sends every line of a refreshed widget down the wire, even the ones that did not
change. Over SSH, a vitals panel whose every line was re-sent each second cost about 6 KB/s
(bench/RESULTS.md); marking dirty only the changed part of the changed lines sends a few
hundred bytes.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget


def _same_start(a: Content, b: Content) -> int:
    """Cells at the start of two lines that are the same, text and style: only the rest of
    the line is sent again (a label and the unchanged digits of a value cost nothing)."""
    same = 0
    for x, y in zip(a.plain, b.plain, strict=False):
        if x != y:
            break
        same += 1
    if same and a[:same] != b[:same]:
        return 0  # same text, other style: repaint the line
    return cell_len(a.plain[:same])


def _width(lines: list[Content]) -> int:
    return max((line.cell_length for line in lines), default=0)


class LineView(Widget):
    """Lines of :class:`Content`, set as a whole, repainted line by line."""

    DEFAULT_CSS = """
    LineView { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        # Nothing here is a link, and Textual's auto-links copy every segment of every
        # rendered line to look for one (a tenth of the detail screen's CPU).
        self.set_reactive(Widget.auto_links, False)
        self._lines: list[Content] = []

    @property
    def lines(self) -> list[Content]:
        """What is shown, one entry per line."""
        return self._lines

    def set_lines(self, lines: list[Content]) -> None:
        """Show ``lines``; only those that differ from what is shown are repainted."""
        old, self._lines = self._lines, lines
        if len(old) != len(lines) or (
            self.styles.width is not None
            and self.styles.width.is_auto
            and _width(old) != _width(lines)
        ):
            self.refresh(layout=True)  # the size changes
            return
        width = self.content_size.width
        changed = [
            Region(start, y, width - start, 1)
            for y, (a, b) in enumerate(zip(old, lines, strict=True))
            if a != b and (start := _same_start(a, b)) < width
        ]
        if changed:
            self.refresh(*changed)

    def render(self) -> Content:
        return Content("\n").join(self._lines)
