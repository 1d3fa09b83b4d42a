"""Charging sessions, detected from a stream of vitals the way real units behave.

A session runs from ``vehicle_connected`` rising to falling (field notes §4). What makes this
harder than an edge detector:

- ``session_energy_wh`` persists after unplug and resets only at the next plug-in, so the
  first plugged-in reading may still carry the previous session's total;
- a scheduled pause or waiting state (9) keeps the vehicle connected: one session, not two;
- a reboot (``uptime_s`` drops) may reset the counters mid-session: energy is accumulated
  across the reset instead of lost or split;
- the monitor may start mid-session (back-dated with ``session_s``) or be offline at the unplug
  (closed at the last reading that saw the vehicle, with the persisted energy): such rows are
  marked as not seen whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from twc_tui.core.models import Vitals
from twc_tui.core.text import safe_text

MAX_GAP_S = 300.0
"""Longer than this between two readings, the monitor did not see what happened in between."""
REPLUG_MIN_GAP_S = 60.0
"""The shortest blind spot in which an unplug and a new plug-in are looked for."""

RESET_TOLERANCE_WH = 0.5
"""Counter jitter below this is not a reset."""


@dataclass
class Session:
    """One plug-in, open (``ended is None``) or closed."""

    charger: str
    started: float
    """Wall time of the plug-in (back-dated with ``session_s`` when the monitor missed it)."""
    ended: float | None = None
    """Wall time of the unplug, or of the last reading with the vehicle if the monitor missed it."""
    last_seen: float = 0.0
    """Wall time of the newest reading folded in."""
    charging_s: float = 0.0
    """Time with the contactor closed and current flowing."""
    energy_wh: float = 0.0
    peak_power_w: float = 0.0
    max_handle_c: float | None = None
    alerts: set[str] = field(default_factory=set)
    """Every alert code seen during the session."""
    saw_start: bool = True
    saw_end: bool = False
    longest_gap_s: float = 0.0
    """The longest stretch without a reading while plugged in."""
    reboots: int = 0
    lifetime_delta_wh: float | None = None
    """Lifetime ``energy_wh`` after minus before: a cross-check, filled in after the end."""
    id: int | None = None
    """The store's row id once written."""
    observed_from: float | None = None
    """When this process began watching it (not stored): tells the store whether a row
    another process wrote covers the same stretch of time or an earlier one."""

    @property
    def duration_s(self) -> float:
        return max(0.0, (self.ended if self.ended is not None else self.last_seen) - self.started)

    @property
    def complete(self) -> bool:
        """The monitor saw the whole session: plug-in, unplug, and no long blind spot."""
        return self.saw_start and self.saw_end and self.longest_gap_s <= MAX_GAP_S

    @property
    def notes(self) -> list[str]:
        """What the Sessions screen and ``twc-tui sessions`` both say about it: "partial"
        when the monitor missed part of it (one in progress, seen from its plug-in without a
        blind spot, is not partial yet), "in progress", and the alerts seen."""
        seen_so_far = self.saw_start and self.longest_gap_s <= MAX_GAP_S
        out = [] if self.complete or (self.ended is None and seen_so_far) else ["partial"]
        if self.ended is None:
            out.append("in progress")
        if self.alerts:
            out.append("alerts " + " ".join(sorted(self.alerts)))
        return out


class SessionTracker:
    """Folds one charger's vitals into sessions.

    ``observe`` returns the sessions it closed; the open one is ``current``. A session whose
    lifetime cross-check arrives later is returned again by ``observe_lifetime``.
    """

    def __init__(self, charger: str) -> None:
        self.charger = charger
        self.current: Session | None = None
        self._last_at: float | None = None
        self._last: Vitals | None = None
        self._base_wh = 0.0
        """Energy of the current session from earlier boots (counter resets)."""
        self._counter_max = 0.0
        """The highest counter value seen in the current boot of the current session."""
        self._stale_wh: float | None = None
        """The previous session's persisted total, still shown until the counter resets."""
        self._awaiting_reset = False
        """The counter still shows ``_stale_wh``: the plug-in reset has not happened yet."""
        self._lifetime_wh: float | None = None
        self._lifetime_before: float | None = None
        self._awaiting_lifetime: Session | None = None

    # -- input ---------------------------------------------------------------------------
    def observe(self, at: float, v: Vitals, power_w: float | None = None) -> list[Session]:
        """Fold one vitals reading taken at wall time ``at``; return sessions it closed.

        A field the reading leaves out keeps its last value: a ``{}`` reply is no unplug."""
        closed: list[Session] = []
        last, last_at = self._last, self._last_at
        if last_at is not None and at < last_at:
            return closed  # the wall clock stepped back; keep the stream monotonic
        # session_s is not carried over: an old count read as new would date the plug-in
        # wrongly, or look like a car swapped during the gap.
        v = replace(v.filled_from(last), session_s=v.session_s)
        dt = None if last_at is None else at - last_at
        rebooted = (
            last is not None and last.uptime_s is not None and v.uptime_s is not None
            and v.uptime_s < last.uptime_s
        )
        s = self.current
        if s is not None and v.plugged and not rebooted and self._replugged(s, at, v, dt):
            closed.append(self._close(s, s.last_seen, saw_end=False))
            s = None
        if s is not None and not v.plugged:
            seen = dt is not None and dt <= MAX_GAP_S
            self._count_energy(v.session_energy_wh, rebooted, unplugging=True)
            closed.append(self._close(s, at if seen else s.last_seen, saw_end=seen))
            s = None
        elif s is not None:
            self._extend(s, at, v, power_w, dt, rebooted)
        elif v.plugged:
            s = self._open(at, v, power_w, dt)
        if not v.plugged and v.session_energy_wh is not None:
            self._stale_wh = v.session_energy_wh
        self._last, self._last_at = v, at
        return closed

    def observe_lifetime(self, energy_wh: float | None) -> Session | None:
        """Fold a lifetime ``energy_wh`` reading; return a closed session it cross-checked."""
        if energy_wh is None:
            return None
        done = None
        pending = self._awaiting_lifetime
        if pending is not None and self._lifetime_before is not None:
            if energy_wh > self._lifetime_before:
                pending.lifetime_delta_wh = energy_wh - self._lifetime_before
                done, self._awaiting_lifetime = pending, None
        if self._awaiting_lifetime is None:
            # Lifetime energy only moves at a session's end, so during a session it still
            # holds the "before" value.
            self._lifetime_before = energy_wh
        self._lifetime_wh = energy_wh
        return done

    # -- steps ---------------------------------------------------------------------------
    def _open(self, at: float, v: Vitals, power_w: float | None, dt: float | None) -> Session:
        saw_start = self._last is not None and not self._last.plugged and (
            dt is not None and dt <= MAX_GAP_S
        )
        started = at
        if v.session_s is not None and v.session_s >= 0:
            started = at - v.session_s
        if saw_start and dt is not None:
            started = max(started, at - dt)  # the plug-in happened after the last reading
        s = Session(self.charger, started=started, last_seen=at, saw_start=saw_start,
                    observed_from=at)
        self.current = s
        self._base_wh = 0.0
        self._counter_max = 0.0
        counter = v.session_energy_wh
        stale = self._stale_wh if saw_start else None
        # The first plugged-in reading can still show the previous session's total, before
        # the counter resets. Only trust it once it differs from that leftover.
        if stale is not None and counter is not None and stale > 0 and (
            abs(counter - stale) <= RESET_TOLERANCE_WH
        ):
            self._awaiting_reset = True
        else:
            self._awaiting_reset = False
            self._count_energy(counter, rebooted=False)
        self._fold(s, v, power_w)
        if self._awaiting_lifetime is not None:
            self._awaiting_lifetime = None  # no cross-check came before the next session
            self._lifetime_before = self._lifetime_wh
        return s

    def _extend(
        self, s: Session, at: float, v: Vitals, power_w: float | None, dt: float | None,
        rebooted: bool,
    ) -> None:
        if dt is not None:
            s.longest_gap_s = max(s.longest_gap_s, dt)
            last = self._last
            if last is not None and last.charging and dt <= MAX_GAP_S:
                s.charging_s += dt
        if rebooted:
            s.reboots += 1
        s.last_seen = at
        self._count_energy(v.session_energy_wh, rebooted)
        self._fold(s, v, power_w)

    def _count_energy(
        self, counter: float | None, rebooted: bool, unplugging: bool = False
    ) -> None:
        s = self.current
        if counter is None or s is None:
            return
        if self._awaiting_reset:
            if abs(counter - (self._stale_wh or 0.0)) <= RESET_TOLERANCE_WH:
                return
            self._awaiting_reset = False
        if counter < self._counter_max - RESET_TOLERANCE_WH:
            if unplugging and not rebooted:
                # A lower reading at the unplug is not a new boot: keep the maximum seen.
                return
            # A reset inside the session (a reboot, or firmware zeroing it): bank what the
            # previous boot counted and count on from the new value.
            self._base_wh += self._counter_max
            self._counter_max = counter
        else:
            self._counter_max = max(self._counter_max, counter)
        s.energy_wh = self._base_wh + self._counter_max

    def _fold(self, s: Session, v: Vitals, power_w: float | None) -> None:
        if power_w is not None:
            s.peak_power_w = max(s.peak_power_w, power_w)
        if v.handle_temp_c is not None:
            s.max_handle_c = (
                v.handle_temp_c if s.max_handle_c is None else max(s.max_handle_c, v.handle_temp_c)
            )
        for code in v.current_alerts or ():
            # Stored, then printed by `twc-tui sessions`: charger text, so sanitised; the
            # store keeps alerts comma-separated.
            s.alerts.add(safe_text(code, 20).replace(",", "?"))

    def _replugged(self, s: Session, at: float, v: Vitals, dt: float | None) -> bool:
        """While the monitor was blind, was the vehicle unplugged and plugged in again?
        ``session_s`` then implies a plug-in after the last reading of this session. A
        2-minute WiFi drop is enough to swap cars; under a minute it is not, and there the
        check would only see timing noise (session_s is whole seconds, answers are late)."""
        if dt is None or dt < REPLUG_MIN_GAP_S or v.session_s is None:
            return False
        return at - v.session_s > s.last_seen + 2.0

    def _close(self, s: Session, ended: float, saw_end: bool) -> Session:
        s.ended = ended
        s.saw_end = saw_end
        self.current = None
        self._awaiting_lifetime = s
        return s
