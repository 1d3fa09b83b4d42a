"""A time chart over plotext, built only when its data, size or theme changed.

textual-plotext rebuilds the whole plot on every repaint (17–250 ms depending on points);
here the built text is cached, the data is downsampled to the plot width first, and gaps
(offline periods) split the line instead of being bridged.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget
from textual_plotext import PlotextPlot

from twc_tui.engine.series import History

RANGE_SECONDS = History.RANGES
RANGE_LABELS = {"5m": "5 min", "1h": "1 hour", "24h": "24 hours"}
MIN_STEP_S = 10.0
"""The shortest time between two rebuilds of a chart."""


@dataclass(frozen=True)
class Series:
    """One line of a chart."""

    metric: str
    label: str
    color: str
    yside: str = "left"


@dataclass(frozen=True)
class ChartSpec:
    """What a chart shows and its starting y range; the range grows to fit the data."""

    title: str
    series: tuple[Series, ...]
    y_min: float
    y_max: float
    y2_min: float | None = None
    y2_max: float | None = None


def _runs(xs: Sequence[float], ys: Sequence[float]) -> list[tuple[list[float], list[float]]]:
    """Contiguous runs without NaN, so a gap is drawn as a gap."""
    runs: list[tuple[list[float], list[float]]] = []
    current: tuple[list[float], list[float]] = ([], [])
    for x, y in zip(xs, ys, strict=True):
        if math.isnan(y):
            if current[0]:
                runs.append(current)
            current = ([], [])
        else:
            current[0].append(x)
            current[1].append(y)
    if current[0]:
        runs.append(current)
    return runs


def _ticks(span: float) -> list[float]:
    """Tick positions (seconds before now) at round steps for the range."""
    step = {300.0: 60.0, 3600.0: 900.0, 86400.0: 4 * 3600.0}.get(span, span / 4)
    return [-(span - i * step) for i in range(int(span // step) + 1)]


class TimeChart(PlotextPlot):
    """A chart of one charger's history over the chosen time range."""

    DEFAULT_CSS = """
    TimeChart { height: 1fr; min-height: 8; }
    """

    def __init__(self, spec: ChartSpec, *, id: str | None = None, ascii_only: bool = False):
        super().__init__(id=id)
        # No links in a chart; auto-links would copy its many segments on every render.
        self.set_reactive(Widget.auto_links, False)
        self.spec = spec
        self.ascii_only = ascii_only
        self.history: History | None = None
        self.range = "5m"
        self.now = 0.0
        self._key: tuple | None = None
        self._empty = True
        """The last build had nothing to plot."""
        self._empty_version = -1
        """``history.version`` at that build."""
        self._cached: Text | None = None

    def show(self, history: History, now: float, time_range: str) -> None:
        """Point the chart at new data. It moves on in steps of whole columns, at least
        ``MIN_STEP_S`` apart: a full chart repaint costs about 3 KB of terminal output, so
        redrawing it for every 1 s sample would dominate what goes down an SSH link."""
        span = RANGE_SECONDS[time_range]
        column_s = span / max(10, self.size.width - 12)
        step = column_s * max(1, math.ceil(MIN_STEP_S / column_s))
        end = math.floor(now / step) * step
        # An empty chart shows the first samples at once rather than at the next step.
        first_data = self._empty and history.version != self._empty_version
        if first_data:
            end = now
        if first_data or (history, end, time_range) != (self.history, self.now, self.range):
            self.history, self.now, self.range = history, end, time_range
            self.refresh()

    def render(self) -> Text:
        history = self.history
        key = (
            id(history),
            self.now,
            None if not self._empty or history is None else history.version,
            self.range,
            self.size,
            self.app.theme,
        )
        if key == self._key and self._cached is not None:
            return self._cached
        try:
            self._empty = not self._build()
            self._empty_version = -1 if history is None else history.version
            if not self._empty:
                self._cached = super().render()  # type: ignore[assignment]
            else:
                label = RANGE_LABELS[self.range]
                self._cached = Text(f"{self.spec.title}: no data in the last {label}",
                                    style="dim")
        except Exception as error:  # plotext has edge cases; a chart must never end the app
            self._cached = Text(f"chart unavailable: {type(error).__name__}", style="dim")
        self._key = key
        return self._cached  # type: ignore[return-value]

    def _build(self) -> bool:
        """Plot the history; False when there is nothing to plot in the range."""
        plt = self.plt
        plt.clear_figure()
        spec = self.spec
        span = RANGE_SECONDS[self.range]
        dot = "-" if self.ascii_only else "·"
        plt.title(f"{spec.title} {dot} last {RANGE_LABELS[self.range]}")
        width = max(10, self.size.width - 12)
        now = self.now
        lo, hi = spec.y_min, spec.y_max
        lo2, hi2 = spec.y2_min, spec.y2_max
        # plotext's "dot" is U+2022; any single character is a marker of its own.
        marker = "*" if self.ascii_only else "braille"
        xs = [-span + (i + 0.5) * span / width for i in range(width)]
        plotted = False
        for series in spec.series:
            ys = (
                self.history.series(series.metric, now - span, now, width, max_gap=span / 20)
                if self.history is not None
                else [math.nan] * width
            )
            finite = [y for y in ys if not math.isnan(y)]
            if finite and series.yside == "left":
                lo, hi = min(lo, min(finite)), max(hi, max(finite) * 1.05)
            elif series.yside == "right" and lo2 is not None and hi2 is not None:
                # The right axis is relative to the nominal grid frequency (50 or 60 Hz).
                nominal = 60.0 if finite and sum(finite) / len(finite) > 55 else 50.0
                lo2, hi2 = nominal + lo2, nominal + hi2
                if finite:
                    lo2, hi2 = min(lo2, min(finite)), max(hi2, max(finite))
            for i, (rx, ry) in enumerate(_runs(xs, ys)):
                plt.plot(
                    rx,
                    ry,
                    marker=marker,
                    color=series.color,
                    yside=series.yside,
                    label=series.label if i == 0 else None,
                )
            plotted = plotted or bool(finite)
        if not plotted:
            return False  # plotext fails on a legend with no data; say it in words instead
        plt.ylim(lo, hi)
        if lo2 is not None and hi2 is not None:
            plt.ylim(lo2, hi2, yside="right")
        plt.xlim(-span, 0)
        ticks = _ticks(span)
        plt.xticks(ticks, [time.strftime("%H:%M", time.localtime(now + t)) for t in ticks])
        return True
