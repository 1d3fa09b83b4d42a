"""Energy delivered: a per-charger counter that only goes up, built from session energy.

Lifetime ``energy_wh`` moves only at unplug (field notes §7.3), so a dashboard fed from it
shows a whole session landing at once, possibly days late. ``session_energy_wh`` moves live but
resets at every plug-in and may reset on a reboot. This counter adds up the session counter's
increases: a drop is a reset, after which the new reading is what was delivered since.

The total and the session reading it was last built from are stored together, so after a
restart (or a crash that lost the newest rows) the next reading adds exactly what the charger
delivered meanwhile, read from its own session counter: nothing is counted twice or lost
within one session. A reading that would mean more power than a Wall Connector can deliver
(a glitch or a hostile device) is ignored, so one bad number cannot inflate the total for good.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

from twc_tui.core.models import Vitals
from twc_tui.engine.poller import PollSuccess

log = logging.getLogger("twc_tui.engine.energy_counter")

RESET_TOLERANCE_WH = 0.5
"""Drops smaller than this are read noise, not a reset (as in the session tracker)."""
MAX_POWER_W = 25_000.0
"""More than any Gen 3 unit delivers (22 kW three-phase), with a margin."""
SLACK_WH = 50.0
"""Allowed on top of MAX_POWER_W x elapsed time: readings are not exactly timed."""


@dataclass
class Tally:
    """One charger's counter."""

    total_wh: float = 0.0
    session_wh: float | None = None
    """The session reading the total was last built from; None before the first."""
    at: float = 0.0
    """Wall time of that reading."""


def advance(tally: Tally, session_wh: float | None, at: float) -> bool:
    """Fold one session-energy reading in; True when the tally changed."""
    if session_wh is None or not math.isfinite(session_wh) or session_wh < 0:
        return False
    last = tally.session_wh
    if last is None:
        tally.session_wh, tally.at = session_wh, at
        return True
    allowed = MAX_POWER_W * max(0.0, at - tally.at) / 3600.0 + SLACK_WH
    if session_wh >= last:
        gained = session_wh - last
    elif session_wh < last - RESET_TOLERANCE_WH:
        gained = session_wh  # a reset: everything since counts, and it started from zero
    else:
        return False  # noise below the last reading: keep counting from the higher one
    if gained > allowed:
        log.warning("session energy %.1f Wh after %.1f Wh is not possible in %.0f s; ignored",
                    session_wh, last, at - tally.at)
        if session_wh < last:
            tally.session_wh, tally.at = session_wh, at
            return True
        return False
    if gained == 0 and session_wh == last:
        tally.at = at
        return False
    tally.total_wh += gained
    tally.session_wh, tally.at = session_wh, at
    return True


class EnergyCounter:
    """Every charger's tally, kept in the history database's ``energy_counter`` table.

    ``feed`` runs inline on the engine's loop (it only does arithmetic); ``load`` and ``save``
    touch SQLite and belong in a worker thread.
    """

    def __init__(self, conn: sqlite3.Connection | None, lock: threading.Lock | None = None
                 ) -> None:
        self.conn = conn
        """None: counted in memory only (no history database)."""
        self.lock = lock or threading.Lock()
        self.tallies: dict[str, Tally] = {}
        self._dirty: set[str] = set()
        self.last_error: str | None = None
        self.on_change: Callable[[str], None] | None = None

    def load(self) -> None:
        if self.conn is None:
            return
        with self.lock:
            rows = self.conn.execute(
                "SELECT charger, total_wh, session_wh, at FROM energy_counter").fetchall()
        for charger, total, session, at in rows:
            self.tallies[str(charger)] = Tally(float(total), session, float(at))

    def feed(self, update: object) -> None:
        """An engine listener: count each vitals answer's session energy."""
        event = getattr(update, "event", None)
        if isinstance(event, PollSuccess) and isinstance(event.payload, Vitals):
            self.observe(event.charger, event.payload.session_energy_wh, event.at)

    def observe(self, charger: str, session_wh: float | None, at: float) -> None:
        tally = self.tallies.setdefault(charger, Tally())
        if advance(tally, session_wh, at):
            self._dirty.add(charger)
            if self.on_change is not None:
                self.on_change(charger)

    def total_wh(self, charger: str) -> float | None:
        """The counter, or None before the charger's first reading was ever seen."""
        tally = self.tallies.get(charger)
        return None if tally is None or tally.session_wh is None else round(tally.total_wh, 1)

    def save(self) -> None:
        """Write changed tallies; a failure is kept for /healthz and retried next time."""
        if self.conn is None or not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        rows = [(c, self.tallies[c].total_wh, self.tallies[c].session_wh, self.tallies[c].at)
                for c in dirty]
        try:
            with self.lock:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    self.conn.executemany(
                        "INSERT OR REPLACE INTO energy_counter (charger, total_wh, session_wh,"
                        " at) VALUES (?, ?, ?, ?)", rows)
                    self.conn.execute("COMMIT")
                except BaseException:
                    if self.conn.in_transaction:  # SQLite may have rolled back already
                        self.conn.execute("ROLLBACK")
                    raise
            self.last_error = None
        except sqlite3.Error as error:
            self._dirty |= dirty
            if self.last_error is None:
                log.warning("cannot save the energy counter: %s", error)
            self.last_error = str(error)
