"""When two records are one plug-in, and what their union is.

Used where a session this process tracks meets a row already in the store (a concurrent
monitor, an earlier run of ``record``, the demo's backfilled past): by the store when it
writes, and by the Sessions screen before the first write. One function for both, so a
plug-in is never one row on disk and two on screen.
"""

from __future__ import annotations

from twc_tui.engine.session_tracker import MAX_GAP_S, Session

MERGE_WINDOW_S = 60.0
"""Two monitors that watched the same plug-in date it within this of each other."""

REPLUG_SLACK_S = 2.0
"""``session_s`` is whole seconds and answers are late: a back-dated start this close after
the last reading is still the same plug-in (as in :class:`SessionTracker`)."""


def same_start(row: Session, new: Session) -> bool:
    """Both date the plug-in alike (and ``row`` had not ended before ``new`` began)."""
    return (row.charger == new.charger and abs(row.started - new.started) <= MERGE_WINDOW_S
            and (row.ended is None or row.ended > new.started))


def continues(row: Session, new: Session) -> bool:
    """Is ``new`` (first seen mid-way by this process) the rest of ``row``, an open session
    last seen shortly before?

    ``new`` is back-dated from ``session_s``, which may disagree with the row's start by
    far more than :data:`MERGE_WINDOW_S`: firmware that restarts the count, or a simulator
    running faster than the wall clock. What tells a continuation from a new plug-in is the
    gap: short enough that the tracker would have joined the readings itself, and no sign of
    a plug-in after the row's last reading (``new`` is not dated after it)."""
    if (row.charger != new.charger or row.ended is not None or new.saw_start
            or new.observed_from is None):
        return False
    gap = new.observed_from - row.last_seen
    return -MAX_GAP_S <= gap <= MAX_GAP_S and new.started <= row.last_seen + REPLUG_SLACK_S


def is_same(row: Session, new: Session) -> bool:
    return same_start(row, new) or continues(row, new)


def merge(old: Session, new: Session) -> Session:
    """The union of what two monitors (or two flushes) know about one plug-in."""
    if old.saw_start != new.saw_start:
        first = old if old.saw_start else new  # a seen plug-in beats a back-dated one
    else:
        first = old if old.started <= new.started else new
    done = new if new.ended is not None or old.ended is None else old
    handles = [h for h in (old.max_handle_c, new.max_handle_c) if h is not None]
    return Session(
        new.charger, started=first.started, ended=done.ended,
        last_seen=max(old.last_seen, new.last_seen),
        charging_s=max(old.charging_s, new.charging_s),
        energy_wh=max(old.energy_wh, new.energy_wh),
        peak_power_w=max(old.peak_power_w, new.peak_power_w),
        max_handle_c=max(handles) if handles else None, alerts=old.alerts | new.alerts,
        saw_start=old.saw_start or new.saw_start, saw_end=done.saw_end,
        longest_gap_s=max(old.longest_gap_s, new.longest_gap_s),
        reboots=max(old.reboots, new.reboots),
        lifetime_delta_wh=new.lifetime_delta_wh if new.lifetime_delta_wh is not None
        else old.lifetime_delta_wh, id=old.id)

