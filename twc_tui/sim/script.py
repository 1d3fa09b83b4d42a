"""The scripts a simulated charger plays: sessions, phases and their timing.

A script is data: a repeating period with plug-in sessions and a daily reboot, laid out as
contiguous segments (phase + ``evse_state``), so tests and the session-history code can
know exactly what a simulated day holds. The sequence follows real units (field notes §3–§5):
7 on plug-in, 4 while the car sleeps, 9 just before charging, 11 while charging (also through
an alert-40 thermal derate), 9 when complete, 7 with the latch button, then 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
TAU_RISE = 900.0
"""The handle's thermal time constant: one mass, so the same heating, derated or cooling."""
TAU_COOL = TAU_RISE
RISE_C = 35.0
"""Steady-state handle rise at the profile's full current when no derate is scripted."""

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


def steady_rise_c(s: Session, ambient: float) -> float:
    """Steady-state handle rise above ambient at the session's current (∝ I²). A scripted
    derate sets it: the rise that, with time constant TAU_RISE, reaches 65 °C after
    ``derate_after_s`` (a hot garage, a worn contact)."""
    if s.derate_after_s is None:
        return RISE_C * s.current_frac**2
    return (DERATE_C - ambient) / (1 - math.exp(-s.derate_after_s / TAU_RISE))


def _clear_after(s: Session, ambient: float) -> float:
    """Derate to the alert clearing: half the current is a quarter of the heating."""
    low = ambient + steady_rise_c(s, ambient) / 4
    return TAU_RISE * math.log((DERATE_C - low) / (CLEAR_C - low))


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
            clear = min(derate + _clear_after(s, ambient_c), s.charge_end)
            add(s.charge_start, derate, "charging")
            add(derate, clear, "derate")
            add(clear, s.charge_end, "derated")
        add(s.charge_end, s.unplug - UNPLUG_S, "complete")
        add(s.unplug - UNPLUG_S, s.unplug, "unplugging")
        cursor = s.unplug
    add(cursor, script.period_s, "idle")
    return out
