"""What a simulated charger is doing at any simulated second, as pure functions of time.

A test can ask "what happens at 18:25?" without running a server, a simulated day costs
nothing to fast-forward, and the same time always gives the same answer. On top of the
script's phases (``sim_script``) this adds the physics: the current ramp, the handle heating
to the 65 °C alert-40 derate (50 % current at once, alert clears near 60 °C, derate for the
rest of the session), session energy that persists after unplug until the next plug-in,
reboots, and the lifetime counters.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field

from twc_tui.sim.profiles import Profile
from twc_tui.sim.script import (
    BOOT_REASONS_S,
    CHARGING_PHASES,
    DERATE_C,
    PHASE_STATES,
    RAMP_S,
    REBOOT_HANDSHAKE_S,
    SCRIPTS,
    TAU_COOL,
    TAU_RISE,
    UNPLUG_S,
    Script,
    Segment,
    Session,
    build_segments,
    steady_rise_c,
)

__all__ = ["SCRIPTS", "Scenario", "Segment", "Truth"]


@dataclass(frozen=True)
class Truth:
    """What the charger is really doing at one moment, before noise."""

    phase: str
    evse_state: int
    connected: bool
    contactor: bool
    current_a: float
    """Vehicle current without noise; 0 with the contactor open."""
    handle_c: float
    session_s: int
    session_wh: float
    alerts: tuple[int, ...]
    reasons: tuple[int, ...]
    uptime_s: int
    since_change_s: float
    """Seconds since the last state change (the 255 sentinel shows up around them)."""


@dataclass
class Scenario:
    """A script played for one profile. Times in its methods are script seconds."""

    profile: Profile
    script: Script
    manual_boots: list[float] = field(default_factory=list)
    """Script times of reboots asked for through ``reboot()``."""

    def __post_init__(self) -> None:
        self.segments = build_segments(self.script, self.profile.ambient_c)
        self._starts = [seg.start_s for seg in self.segments]

    @property
    def name(self) -> str:
        return self.script.name

    # --- time bookkeeping -------------------------------------------------------------
    def _locate(self, x: float) -> tuple[float, Segment]:
        """(start of x's period, x's segment)."""
        base = math.floor(x / self.script.period_s) * self.script.period_s
        i = bisect.bisect_right(self._starts, x - base) - 1
        return base, self.segments[max(i, 0)]

    def _session_at(self, x: float) -> tuple[float, Session] | None:
        base = math.floor(x / self.script.period_s) * self.script.period_s
        for s in self.script.sessions:
            if s.plug_s <= x - base < s.unplug:
                return base, s
        return None

    def _previous_session(self, x: float) -> tuple[float, Session] | None:
        """The last session that ended at or before x."""
        if not self.script.sessions:
            return None
        period = self.script.period_s
        base = math.floor(x / period) * period
        ended = [s for s in self.script.sessions if s.unplug <= x - base]
        if ended:
            return base, max(ended, key=lambda s: s.unplug)
        return base - period, max(self.script.sessions, key=lambda s: s.unplug)

    def last_boot(self, x: float) -> float:
        """Script time of the most recent boot at or before x."""
        start = self.script.offset_s
        boot = start - self.profile.initial_uptime_s
        at = self.script.reboot_at_s
        if at is not None:
            period = self.script.period_s
            k = math.floor((x - at) / period)
            scripted = at + k * period
            if scripted >= start:
                boot = max(boot, scripted)
        for manual in self.manual_boots:
            if manual <= x:
                boot = max(boot, manual)
        return boot

    # --- physics ------------------------------------------------------------------------
    def _current(self, s: Session, base: float, x: float, resume: float) -> float:
        if x < resume or x >= base + s.charge_end:
            return 0.0
        amps = self.profile.max_current_a * s.current_frac * min(1.0, (x - resume) / RAMP_S)
        if s.derate_after_s is not None and x >= base + s.charge_start + s.derate_after_s:
            amps *= 0.5
        return amps

    def _energy_wh(self, s: Session, base: float, x: float, resume: float) -> float:
        a, b = resume, min(x, base + s.charge_end)
        if b <= a:
            return 0.0
        derate = None if s.derate_after_s is None else base + s.charge_start + s.derate_after_s
        points = sorted({a, b, *(p for p in (resume + RAMP_S, derate) if p and a < p < b)})
        full = self.profile.max_current_a * s.current_frac
        amp_s = 0.0
        for p, q in itertools.pairwise(points):
            factor = 0.5 if derate is not None and (p + q) / 2 >= derate else 1.0
            lin_p, lin_q = (min(1.0, (t - resume) / RAMP_S) for t in (p, q))
            amp_s += (q - p) * (lin_p + lin_q) / 2 * factor * full
        return amp_s * self.profile.watts_per_amp / 3600.0

    def _temp_charging(self, s: Session, u: float) -> float:
        """Handle temperature u seconds after the contactor closed (u within the charge).

        First order: dT/dt = (ambient + k·I² − T) / τ, one τ throughout. At the derate the
        current halves, so the steady state drops to a quarter of the rise."""
        amb = self.profile.ambient_c
        rise = steady_rise_c(s, amb)
        d = s.derate_after_s
        if d is None or u < d:
            return amb + rise * (1 - math.exp(-u / TAU_RISE))
        low = amb + rise / 4
        return low + (DERATE_C - low) * math.exp(-(u - d) / TAU_RISE)

    def _handle_c(self, s: Session, base: float, x: float) -> float:
        u = x - (base + s.charge_start)
        if u < 0:
            return self.profile.ambient_c
        if u <= s.charge_for_s:
            return self._temp_charging(s, u)
        hot = self._temp_charging(s, s.charge_for_s) - self.profile.ambient_c
        return self.profile.ambient_c + hot * math.exp(-(u - s.charge_for_s) / TAU_COOL)

    def _resume(self, s: Session, base: float, boot: float) -> float:
        start = base + s.charge_start
        if boot > base + s.plug_s:
            return max(start, boot + REBOOT_HANDSHAKE_S)
        return start

    def session_energy_at_end(self, base: float, s: Session) -> float:
        end = base + s.unplug
        return self._energy_wh(s, base, end, self._resume(s, base, self.last_boot(end)))

    def truth(self, x: float) -> Truth:
        """The state at script time x."""
        base, seg = self._locate(x)
        boot = self.last_boot(x)
        uptime = int(x - boot)
        found = self._session_at(x)
        since = x - (base + seg.start_s)
        if found is None:
            prev = self._previous_session(x)
            energy, handle, reasons = 0.0, self.profile.ambient_c, (4, 8)
            if prev is not None:
                pbase, ps = prev
                if boot <= pbase + ps.unplug:
                    energy = self.session_energy_at_end(pbase, ps)
                handle = self._handle_c(ps, pbase, x)
                if x - (pbase + ps.unplug) < UNPLUG_S:
                    reasons = (8,)
            if x - boot < BOOT_REASONS_S:
                reasons = (2, 4, 8)
            return Truth("idle", 1, False, False, 0.0, handle, 0, energy, (), reasons,
                         uptime, min(since, x - boot))
        base, s = found
        plug = base + s.plug_s
        phase = seg.phase
        if boot > plug and x - boot < REBOOT_HANDSHAKE_S:
            phase, since = "handshake", x - boot
        resume = self._resume(s, base, boot)
        current = self._current(s, base, x, resume) if phase in CHARGING_PHASES else 0.0
        contactor = phase in CHARGING_PHASES and x >= resume
        reasons = {"handshake": (4,), "unplugging": (3,)}.get(phase, (1,))
        return Truth(
            phase=phase,
            evse_state=PHASE_STATES[phase],
            connected=True,
            contactor=contactor,
            current_a=current,
            handle_c=self._handle_c(s, base, x),
            session_s=int(x - max(plug, boot)),
            session_wh=self._energy_wh(s, base, x, resume),
            alerts=(40,) if phase == "derate" else (),
            reasons=reasons,
            uptime_s=uptime,
            since_change_s=since,
        )

    # --- lifetime counters --------------------------------------------------------------
    def _cumulative(self, x: float) -> dict[str, float]:
        """Counter increments from script time 0 to x (x may be several periods on)."""
        period = self.script.period_s
        loops = math.floor(x / period)
        out = {k: 0.0 for k in ("connector_cycles", "contactor_cycles", "thermal_foldbacks",
                                "energy_wh", "charging_time_s")}  # fmt: skip
        parts = ((loops, period), (1, x - loops * period))
        for s in self.script.sessions:
            for n, limit in parts:
                if n <= 0:
                    continue
                out["connector_cycles"] += n * (s.plug_s <= limit)
                out["contactor_cycles"] += n * (s.charge_start <= limit)
                if s.derate_after_s is not None:
                    out["thermal_foldbacks"] += n * (s.charge_start + s.derate_after_s <= limit)
                if s.unplug <= limit:
                    whole = self._energy_wh(s, 0.0, s.unplug, s.charge_start)
                    out["energy_wh"] += n * round(whole)
                out["charging_time_s"] += n * min(max(limit - s.charge_start, 0.0),
                                                   s.charge_for_s)
        return out

    def lifetime(self, x: float) -> dict[str, float]:
        """Lifetime counters at script time x: the profile's base plus what happened since
        the scenario started. ``energy_wh`` only moves when a session ends."""
        now, then = self._cumulative(x), self._cumulative(self.script.offset_s)
        grew = {k: now[k] - then[k] for k in now}
        extra_closes = sum(1 for b in self.manual_boots if b <= x and self._closes_after(b))
        out = dict(self.profile.lifetime)
        out["contactor_cycles"] += grew["contactor_cycles"] + extra_closes
        out["charge_starts"] += grew["contactor_cycles"] + extra_closes
        out["connector_cycles"] += grew["connector_cycles"]
        out["thermal_foldbacks"] += grew["thermal_foldbacks"]
        out["alert_count"] += grew["thermal_foldbacks"]
        out["energy_wh"] += grew["energy_wh"]
        out["charging_time_s"] += grew["charging_time_s"]
        out["uptime_s"] += x - self.script.offset_s
        return out

    def _closes_after(self, boot: float) -> bool:
        """A reboot while charging closes the contactor once more when charging resumes."""
        found = self._session_at(boot)
        return found is not None and (
            found[0] + found[1].charge_start <= boot < found[0] + found[1].charge_end
        )
