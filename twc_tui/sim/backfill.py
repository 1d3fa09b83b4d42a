"""A simulated charger's past, computed instead of waited for.

The scenario is a pure function of script time, so the last day (and a week of sessions) of
any simulated charger can be generated in a fraction of a second: the readings a poller would
have taken, ending at the charger's present. Playing them into a history database
(:func:`twc_tui.engine.replay.replay`) gives a demo, a screenshot or a test a full day behind it.

The past runs at real speed (one script second per wall second) whatever the simulator's
speed, so a day looks like a day; it ends exactly where the live simulator is, so the live
data continues the curve without a jump or a gap.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass

from twc_tui.core.json_repair import tolerant_json
from twc_tui.core.models import Lifetime, Vitals, parse
from twc_tui.sim import render as sim_render
from twc_tui.sim.charger import SimulatedCharger
from twc_tui.sim.scenario import Scenario

DAY_S = 86_400.0
FINE_S = 10.0
"""Reading step in the last ``FINE_SPAN_S``: what the 5-minute chart needs."""
FINE_SPAN_S = 600.0
HOUR_STEP_S = 60.0
"""Reading step in the last hour (the 1-hour chart)."""
PLUGGED_STEP_S = 240.0
"""Reading step while a vehicle is plugged in: under the session tracker's 5-minute blind
spot, so every session is seen whole."""
IDLE_STEP_S = (600.0, 3600.0)
"""Reading step with nothing plugged in, over the last day (the 24-hour chart's resolution)
and before it (only sessions are kept there)."""
LIFETIME_STEP_S = 3600.0


@dataclass(frozen=True, slots=True)
class Reading:
    """One answer a poller would have had."""

    at: float
    """Wall-clock time."""
    endpoint: str
    payload: Vitals | Lifetime


def _times(sim: SimulatedCharger, start: float, end: float) -> list[float]:
    """Script times to read at between ``start`` and ``end`` (the present, included)."""
    shift = sim.scenario.script.offset_s + sim.start_at_s
    out: set[float] = set()
    for seg in sim.timeline(start - shift, end - shift):
        a, b = seg.start_s + shift, seg.end_s + shift
        step = PLUGGED_STEP_S if seg.phase != "idle" else IDLE_STEP_S[end - b > DAY_S]
        x = a + 1.0
        while x < b:
            out.add(x)
            x += step
        out.add(max(a, b - 60.0))  # just before the next phase: a plug-in is seen as one
    for span, step in ((3600.0, HOUR_STEP_S), (FINE_SPAN_S, FINE_S)):
        x = end - span
        while x < end:
            out.add(x)
            x += step
    out.add(end)
    return sorted(x for x in out if start <= x <= end)


def readings(sim: SimulatedCharger, now: float, *, days: float = 7.0,
             seed: int | str | None = None) -> Iterator[Reading]:
    """What polling ``sim`` would have seen over the ``days`` before wall time ``now``,
    oldest first: vitals (finer towards the present) and lifetime counters. Deterministic
    for a given ``seed`` (default: the charger's name); ``sim`` need not be started."""
    rng = random.Random(sim.name if seed is None else seed)
    end = sim.script_time()
    start = end - days * DAY_S
    # The script knows nothing before the unit's first boot: booted earlier here, it has a
    # past as long as asked for (only the uptime before the first scripted reboot differs).
    live = sim.scenario
    profile = dataclasses.replace(
        live.profile, initial_uptime_s=live.profile.initial_uptime_s + int(days * DAY_S))
    scenario = Scenario(profile, live.script, list(live.manual_boots))
    next_lifetime = start
    for x in _times(sim, start, end):
        at = now - (end - x)
        truth = scenario.truth(x)
        yield Reading(at, "vitals", parse("vitals", sim_render.vitals(profile, truth, x, rng)))
        if x >= next_lifetime or x == end:
            next_lifetime = x + LIFETIME_STEP_S
            # Through the real decoder: old firmware sends a bare nan here.
            raw = tolerant_json(sim_render.encode(
                sim_render.lifetime(profile, scenario.lifetime(x))).decode())
            yield Reading(at, "lifetime", parse("lifetime", raw))
