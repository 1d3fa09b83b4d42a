"""A charging session as a row of the ``sessions`` table: which row a session this process
tracks belongs to (its own, the same plug-in as another process wrote it, or one it
continues), what earlier processes counted that carries into it, and its columns both ways.
"""

from __future__ import annotations

import dataclasses
import math
import sqlite3

from twc_tui.engine.session_merge import MERGE_WINDOW_S, continues, merge
from twc_tui.engine.session_tracker import MAX_GAP_S, Session

_COLS = ("charger", "started", "ended", "last_seen", "charging_s", "energy_wh",
         "peak_power_w", "max_handle_c", "alerts", "saw_start", "saw_end",
         "longest_gap_s", "reboots", "lifetime_delta_wh")


class SessionRows:
    """Writes sessions into the ``sessions`` table, inside the store's open transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._carried: dict[int, tuple[float, int]] = {}
        """Session row id to the (charging_s, reboots) that other processes counted before
        this one started watching: added to this process's own counts, not max'ed."""

    def upsert(self, s: Session) -> int:
        """Write ``s`` into its row (inserting one if it has none); returns the row id."""
        c = self.conn
        row = None
        if s.id is not None:
            row = c.execute("SELECT * FROM sessions WHERE id = ? AND charger = ?",
                            (s.id, s.charger)).fetchone()
        if row is None:
            row = c.execute(
                "SELECT * FROM sessions WHERE charger = ? AND started BETWEEN ? AND ? "
                "AND (ended IS NULL OR ended > ?) ORDER BY abs(started - ?) LIMIT 1",
                (s.charger, s.started - MERGE_WINDOW_S, s.started + MERGE_WINDOW_S,
                 s.started, s.started)).fetchone()
        if row is None and s.id is None and s.observed_from is not None:
            # This run met the plug-in mid-way: an open row last seen just before may be
            # its beginning, whatever session_s now says about the start.
            row = c.execute(
                "SELECT * FROM sessions WHERE charger = ? AND ended IS NULL "
                "AND last_seen BETWEEN ? AND ? ORDER BY last_seen DESC LIMIT 1",
                (s.charger, s.observed_from - MAX_GAP_S, s.observed_from + MAX_GAP_S),
            ).fetchone()
            if row is not None and not continues(session_from_row(row), s):
                row = None
        merged = s if row is None else merge(session_from_row(row), self._with_carried(row, s))
        values = [_column(k, getattr(merged, k)) for k in _COLS]
        values[_COLS.index("alerts")] = ",".join(sorted(merged.alerts))
        if row is None:
            cur = c.execute(f"INSERT INTO sessions ({', '.join(_COLS)}) VALUES "
                            f"({', '.join('?' * len(_COLS))})", values)
            return int(cur.lastrowid or 0)
        sets = ", ".join(f"{k} = ?" for k in _COLS)
        c.execute(f"UPDATE sessions SET {sets} WHERE id = ?", (*values, row[0]))
        return int(row[0])

    def _with_carried(self, row: tuple, s: Session) -> Session:
        """``s`` with what earlier processes counted for the same plug-in added to its
        charging time and reboots.

        Each process counts only what it watched. Two processes watching at once count the
        same seconds, so their figures merge by max; but a ``record`` restarted three times
        during one charge counts three different stretches, and max kept only the longest.
        The first time this process meets a row it did not write, the part of the row's
        count that this process did not also watch is carried; later writes add it again."""
        row_id = int(row[0])
        carried = self._carried.get(row_id)
        if carried is None and s.id is None and s.observed_from is not None:
            old = session_from_row(row)
            overlap = max(0.0, old.last_seen - s.observed_from)
            carried = (max(0.0, old.charging_s - min(s.charging_s, overlap)),
                       0 if overlap > 0 else old.reboots)
            self._carried[row_id] = carried
        if not carried:
            return s
        return dataclasses.replace(s, charging_s=s.charging_s + carried[0],
                                   reboots=s.reboots + carried[1])


def session_from_row(row: tuple) -> Session:
    values = dict(zip(("id", *_COLS[:13]), row[:14], strict=True))
    alerts = values.pop("alerts")
    s = Session(**values, alerts=set(filter(None, alerts.split(","))))
    s.lifetime_delta_wh = row[14] if len(row) > 14 else None
    s.saw_start, s.saw_end = bool(s.saw_start), bool(s.saw_end)
    return s


_NULLABLE = frozenset({"ended", "max_handle_c", "lifetime_delta_wh"})


def _column(key: str, value: object) -> object:
    """A session value as its column can hold it: a number that is not finite or beyond
    64 bits is NULL where the column allows it and 0 where it does not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    ok = math.isfinite(value) if isinstance(value, float) else -(2**63) <= value < 2**63
    if ok:
        return value
    return None if key in _NULLABLE else 0
