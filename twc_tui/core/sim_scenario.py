"""The scripted charging day: what a simulated charger is doing at any simulated second.

Everything here is a pure function of scenario time, so a test can ask "what happens at
18:25?" without running a server, a simulated day costs nothing to fast-forward, and the
same time always gives the same answer. The script follows what real units do (field notes
§3–§5): the 7 → 4 → 9 → 11 plug-in sequence, a current ramp, the alert-40 thermal derate at a
65 °C handle (50 % current at once, alert clears near 60 °C, derate for the rest of the
session, state stays 11), session energy that persists after unplug until the next plug-in,
and a reboot now and then.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field

from twc_tui.core.sim_profiles import Profile

HANDSHAKE_S = 5.0
"""State 7 lasts 5–6 s at plug-in (field notes §5.1)."""
WAITING_S = 20.0
"""State 9 just before the contactor closes."""
UNPLUG_S = 3.0
"""State 7 with reason [3] while the latch button is pressed before unplug."""
RAMP_S = 10.0
"""Seconds for the car to ramp to full current."""
REBOOT_HANDSHAKE_S = 6.0
"""After a reboot with a car plugged in, the unit re-runs the plug-in handshake."""
BOOT_REASONS_S = 120.0
"""Not-ready reasons read [2,4,8] for the first minutes after boot."""
DERATE_C = 65.0
CLEAR_C = 60.0
_TAU_RISE = 900.0
_TAU_DERATED = 1200.0
_TAU_COOL = 900.0
_RISE_C = 35.0
"""Handle temperature rise at full current when no derate is scripted."""

PHASE_STATES: dict[str, int] = {
    "idle": 1, "handshake": 7, "connected": 4, "waiting": 9, "charging": 11,
    "derate": 11, "derated": 11, "complete": 9, "unplugging": 7,
}  # fmt: skip
"""Script phase to the ``evse_state`` a real unit reports in it."""
CHARGING_PHASES = frozenset({"charging", "derate", "derated"})


@dataclass(frozen=True)
class Session:
    """One plug-in, with times relative to it."""

    plug_s: float
    """Script time of the plug-in."""
    charge_after_s: float
    """Plug-in to contactor close (the car may sleep in state 4 first)."""
    charge_for_s: float
    """How long the contactor stays closed."""
    unplug_after_s: float
    """Plug-in to unplug."""
    current_frac: float = 1.0
    """Fraction of the profile's max current the car draws."""
    derate_after_s: float | None = None
    """Charging time until the handle reaches 65 °C and alert 40 fires; None = no derate."""

    @property
    def charge_start(self) -> float:
        return self.plug_s + self.charge_after_s

    @property
    def charge_end(self) -> float:
        return self.charge_start + self.charge_for_s

    @property
    def unplug(self) -> float:
        return self.plug_s + self.unplug_after_s


@dataclass(frozen=True)
class Segment:
    """A stretch of time in one phase."""

    start_s: float
    end_s: float
    phase: str
    """idle, handshake, connected, waiting, charging, derate (alert 40 active), derated,
    complete or unplugging."""
    evse_state: int


@dataclass(frozen=True)
class Script:
    """A repeating script: sessions and a reboot within each period."""

    name: str
    period_s: float
    sessions: tuple[Session, ...]
    reboot_at_s: float | None
    """Script time of the daily reboot (in an idle stretch), or None."""
    offset_s: float = 0.0
    """Where in the script the scenario starts."""


DAY_S = 86_400.0
_MORNING = Session(plug_s=7.5 * 3600, charge_after_s=85, charge_for_s=45 * 60,
                   unplug_after_s=3600, current_frac=2 / 3)
_EVENING = Session(plug_s=18 * 3600, charge_after_s=120, charge_for_s=3 * 3600,
                   unplug_after_s=4.5 * 3600, current_frac=1.0, derate_after_s=25 * 60)
DAY = Script("day", DAY_S, (_MORNING, _EVENING), reboot_at_s=3 * 3600)

SCRIPTS: dict[str, Script] = {
    "day": DAY,
    "charging": Script("charging", DAY_S, DAY.sessions, DAY.reboot_at_s,
                       offset_s=_EVENING.charge_start + 120),
    "idle": Script("idle", DAY_S, (), reboot_at_s=3 * 3600),
    "plugin": Script("plugin", DAY_S, DAY.sessions, DAY.reboot_at_s,
                     offset_s=_EVENING.plug_s - 30),
}
"""Scenario name to script. "charging" starts two minutes into the evening charge (derate
about 23 minutes later); "plugin" starts 30 s before the evening plug-in."""


def _clear_after(ambient: float) -> float:
    low = ambient + _RISE_C * 0.25
    return _TAU_DERATED * math.log((DERATE_C - low) / (CLEAR_C - low))


def build_segments(script: Script, ambient_c: float) -> list[Segment]:
    """One period of the script as contiguous segments, in script time."""
    out: list[Segment] = []

    def add(start: float, end: float, phase: str) -> None:
        if end > start:
            out.append(Segment(start, end, phase, PHASE_STATES[phase]))

    cursor = 0.0
    for s in sorted(script.sessions, key=lambda s: s.plug_s):
        add(cursor, s.plug_s, "idle")
        add(s.plug_s, s.plug_s + HANDSHAKE_S, "handshake")
        add(s.plug_s + HANDSHAKE_S, s.charge_start - WAITING_S, "connected")
        add(max(s.plug_s + HANDSHAKE_S, s.charge_start - WAITING_S), s.charge_start, "waiting")
        if s.derate_after_s is None:
            add(s.charge_start, s.charge_end, "charging")
        else:
            derate = s.charge_start + s.derate_after_s
            clear = min(derate + _clear_after(ambient_c), s.charge_end)
            add(s.charge_start, derate, "charging")
            add(derate, clear, "derate")
            add(clear, s.charge_end, "derated")
        add(s.charge_end, s.unplug - UNPLUG_S, "complete")
        add(s.unplug - UNPLUG_S, s.unplug, "unplugging")
        cursor = s.unplug
    add(cursor, script.period_s, "idle")
    return out


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
        """Handle temperature u seconds after the contactor closed (u within the charge)."""
        amb = self.profile.ambient_c
        d = s.derate_after_s
        if d is None:
            return amb + _RISE_C * s.current_frac**2 * (1 - math.exp(-u / _TAU_RISE))
        if u < d:
            return amb + (DERATE_C - amb) * (1 - math.exp(-u / _TAU_RISE)) / (
                1 - math.exp(-d / _TAU_RISE)
            )
        low = amb + _RISE_C * 0.25
        return low + (DERATE_C - low) * math.exp(-(u - d) / _TAU_DERATED)

    def _handle_c(self, s: Session, base: float, x: float) -> float:
        u = x - (base + s.charge_start)
        if u < 0:
            return self.profile.ambient_c
        if u <= s.charge_for_s:
            return self._temp_charging(s, u)
        hot = self._temp_charging(s, s.charge_for_s) - self.profile.ambient_c
        return self.profile.ambient_c + hot * math.exp(-(u - s.charge_for_s) / _TAU_COOL)

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
