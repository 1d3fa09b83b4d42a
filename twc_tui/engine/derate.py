"""When will the handle reach the 65 °C thermal derate? A first-order model fitted while charging.

The handle is one thermal mass heated by the current (Joule heating, ∝ I²) and cooled toward
the air around it, so at a steady current its temperature rises along

    T(t) = T∞ − (T∞ − T0) · exp(−t / τ)

toward a steady state T∞ with a time constant τ. The model is fitted to the handle readings
since the current last settled (10-second means, at most an hour): for each τ on a log grid the
best T∞ and T0 are a linear least-squares problem, and the τ with the smallest error is refined
by a golden-section search. A derate is predicted when T∞ lies above the threshold; the time
to it is where the curve crosses it.

Limits: it assumes the current stays as it is (a car that tapers, a schedule, another car on
a power-shared circuit all change it, and then the fit starts again); a fresh fit needs five
minutes and a rise of a couple of degrees; the weather, sun on the handle or a handle already
warm from an earlier session only enter through the fit.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from twc_tui.core.models import Vitals

DERATE_C = 65.0
"""Where firmware 26.x raises alert 40 and halves the current (field notes §5.4)."""
BUCKET_S = 10.0
MAX_POINTS = 360
"""An hour of 10-second means."""
MIN_SPAN_S = 300.0
MIN_POINTS = 12
MIN_RISE_C = 1.5
CURRENT_CHANGE = 0.15
"""A current this much off the one the fit started with starts a new fit."""
MAX_GAP_S = 120.0
TAU_RANGE_S = (60.0, 4 * 3600.0)
FIT_POINTS = 60
"""The fit sees at most this many points (means of neighbours): a few ms of work, not 20."""
REFIT_S = 60.0
"""A new fit once a minute of new readings: the derate is minutes away, not seconds."""


@dataclass(frozen=True)
class Fit:
    origin: float
    """Wall time where t = 0."""
    t_inf: float
    t0: float
    tau_s: float
    rms_c: float

    def at(self, when: float) -> float:
        return self.t_inf - (self.t_inf - self.t0) * math.exp(-(when - self.origin) / self.tau_s)

    def crossing(self, threshold: float) -> float | None:
        """Wall time the curve reaches ``threshold``, or None if it never does."""
        if self.t_inf <= threshold:
            return None
        if self.t0 >= threshold:
            return self.origin
        return self.origin - self.tau_s * math.log((self.t_inf - threshold) /
                                                   (self.t_inf - self.t0))


@dataclass(frozen=True)
class Forecast:
    made_at: float
    """Wall time of the newest reading the fit used."""
    derate_at: float
    fit: Fit

    @property
    def eta_s(self) -> float:
        return max(0.0, self.derate_at - self.made_at)

    @property
    def minutes(self) -> int:
        return max(1, round(self.eta_s / 60.0))


def _linear(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = a + b·x: (a, b, sum of squared errors)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx <= 1e-12:
        return my, 0.0, sum((y - my) ** 2 for y in ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    a = my - b * mx
    return a, b, sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))


def fit_first_order(points: list[tuple[float, float]]) -> Fit | None:
    """Fit T(t) = T∞ − (T∞ − T0)·exp(−t/τ) to (wall time, °C) points; None if it will not go."""
    if len(points) < 3:
        return None
    origin = points[0][0]
    ts = [t - origin for t, _ in points]
    ys = [y for _, y in points]

    def sse(log_tau: float) -> tuple[float, float, float]:
        tau = math.exp(log_tau)
        a, b, err = _linear([math.exp(-t / tau) for t in ts], ys)
        return err, a, b

    lo, hi = (math.log(v) for v in TAU_RANGE_S)
    grid = [lo + (hi - lo) * i / 60 for i in range(61)]
    best = min(range(len(grid)), key=lambda i: sse(grid[i])[0])
    a_, b_ = grid[max(0, best - 1)], grid[min(len(grid) - 1, best + 1)]
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(30):
        c, d = b_ - ratio * (b_ - a_), a_ + ratio * (b_ - a_)
        if sse(c)[0] < sse(d)[0]:
            b_ = d
        else:
            a_ = c
    log_tau = (a_ + b_) / 2
    err, t_inf, b = sse(log_tau)
    # a = T∞ and b = −(T∞ − T0), so T0 = a + b.
    return Fit(origin, t_inf, t_inf + b, math.exp(log_tau), math.sqrt(err / len(ys)))


class Forecaster:
    """One charger's handle readings while charging at a steady current, and the forecast."""

    def __init__(self, threshold_c: float = DERATE_C) -> None:
        self.threshold_c = threshold_c
        self._points: deque[tuple[float, float]] = deque(maxlen=MAX_POINTS)
        self._bucket: float | None = None
        self._sum = 0.0
        self._count = 0
        self._current_ref: float | None = None
        self._last_at: float | None = None
        self._dirty = False
        self._fitted_to = -math.inf
        self._forecast: Forecast | None = None

    def reset(self) -> None:
        self._points.clear()
        self._bucket = None
        self._sum, self._count = 0.0, 0
        self._current_ref = None
        self._forecast = None
        self._dirty = False
        self._fitted_to = -math.inf

    def observe(self, at: float, v: Vitals) -> None:
        """Fold one vitals reading in."""
        derated = any(a.code == 40 for a in v.alerts)
        amps = v.vehicle_current_a
        if not v.charging or derated or amps is None or (
                self._last_at is not None and at - self._last_at > MAX_GAP_S):
            self.reset()
        self._last_at = at
        if not v.charging or derated or amps is None:
            return
        if self._current_ref is None or abs(amps - self._current_ref) > (
                CURRENT_CHANGE * max(self._current_ref, 1.0)):
            self.reset()
            self._current_ref = amps
        temp = v.handle_temp_c
        if temp is None:
            return
        bucket = at - at % BUCKET_S
        if self._bucket is not None and bucket != self._bucket and self._count:
            self._points.append((self._bucket + BUCKET_S / 2, self._sum / self._count))
            self._sum, self._count = 0.0, 0
            self._dirty = True
        self._bucket = bucket
        self._sum += temp
        self._count += 1

    def forecast(self) -> Forecast | None:
        """The derate time predicted from the readings so far (recomputed per 10 s bucket)."""
        if self._dirty and self._points and self._points[-1][0] - self._fitted_to >= REFIT_S:
            self._dirty = False
            self._fitted_to = self._points[-1][0]
            self._forecast = self._compute()
        return self._forecast

    def _compute(self) -> Forecast | None:
        points = list(self._points)
        if len(points) < MIN_POINTS or points[-1][0] - points[0][0] < MIN_SPAN_S:
            return None
        if points[-1][1] - points[0][1] < MIN_RISE_C:
            return None
        fit = fit_first_order(_thin(points, FIT_POINTS))
        if fit is None:
            return None
        when = fit.crossing(self.threshold_c)
        if when is None:
            return None
        return Forecast(points[-1][0], max(when, points[-1][0]), fit)


def _thin(points: list[tuple[float, float]], most: int) -> list[tuple[float, float]]:
    """At most ``most`` points: means of consecutive runs, oldest and newest kept in place."""
    if len(points) <= most:
        return points
    out = []
    for i in range(most):
        run = points[i * len(points) // most:(i + 1) * len(points) // most]
        out.append((sum(t for t, _ in run) / len(run), sum(y for _, y in run) / len(run)))
    return out
