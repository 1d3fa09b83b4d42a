"""The recorder: 10-second buckets, batched flushes, the writer handover, bounded 30-day run."""

from __future__ import annotations

import resource
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from twc_tui.core.client import Unreachable
from twc_tui.core.models import Lifetime, Vitals
from twc_tui.engine.charger_state import ChargerState
from twc_tui.engine.poller import PollFailure, PollSuccess
from twc_tui.engine.recorder import Recorder
from twc_tui.engine.store import Store

T0 = 1_800_000_000.0

IDLE: dict[str, Any] = {
    "vehicle_connected": False, "contactor_closed": False, "vehicle_current_a": 0.3,
    "grid_v": 240.0, "grid_hz": 60.0, "evse_state": 1, "uptime_s": 5000, "session_s": 0,
    "current_alerts": [], "session_energy_wh": 0.0, "handle_temp_c": 30.0, "pcba_temp_c": 40.0,
}  # fmt: skip


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def vitals(at: float, charger: str = "c1", **changes: Any) -> PollSuccess:
    return PollSuccess(charger, "vitals", Vitals.from_json({**IDLE, **changes}), at, 0.01)


def charging(at: float, i: int, **changes: Any) -> PollSuccess:
    return vitals(at, vehicle_connected=True, contactor_closed=True, vehicle_current_a=32.0,
                  evse_state=11, session_s=i, session_energy_wh=i * 2.0, uptime_s=5000 + i,
                  **changes)


def test_buckets_hold_min_mean_max_and_flushes_are_batched(tmp_path: Path) -> None:
    clock = Clock()
    store = Store.open(tmp_path / "h.db")
    rec = Recorder(store, monotonic=clock, flush_every_s=15.0)
    assert rec.is_writer and rec.status.startswith("recording to")
    for i in range(60):
        rec.feed(vitals(T0 + i, grid_v=230.0 + i % 10, handle_temp_c=30.0 + i / 10))
    assert store.count("samples") == 0  # nothing written between flushes
    clock.now = 16.0
    rec.tick()
    assert rec.flushes == 1 and store.count("samples") == 5  # the 6th bucket is still filling
    rec.feed(PollFailure("c1", "vitals", Unreachable("refused"), T0 + 75, 1, False, 5.0))
    rec.close()
    rows = list(store.iter_samples())
    assert [r.t for r in rows] == [T0 + 10 * k for k in (0, 1, 2, 3, 4, 5, 7)]
    assert rows[0].n == 10 and rows[6].n == 0 and rows[6].stats == {}
    assert rows[0].stats["grid_v"] == (230.0, 234.5, 239.0)
    assert rows[0].stats["handle_c"] == pytest.approx((30.0, 30.45, 30.9), abs=0.051)  # 0.1 °C
    assert rows[0].stats["power_w"] == (0.0, 0.0, 0.0)  # contactor open: no power, not noise


def test_events_sessions_and_lifetime_cross_check_are_stored(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "h.db")
    rec = Recorder(store)
    state = ChargerState("c1", "Garage", phase_mode="split")
    feed = [vitals(T0), PollSuccess("c1", "lifetime", Lifetime.from_json({"energy_wh": 9000}),
                                    T0 + 1, 0.01)]
    feed += [charging(T0 + 2 + i, i) for i in range(600)]
    feed += [vitals(T0 + 602, session_energy_wh=1200.0),
             PollSuccess("c1", "lifetime", Lifetime.from_json({"energy_wh": 10_200}),
                         T0 + 603, 0.01)]
    logged = []
    for event in feed:
        entries = state.apply(event)
        logged += entries
        rec.feed(event, entries, "split")
    rec.close()
    assert len(logged) >= 4
    assert store.load_events() == logged  # every entry, in order, as the monitor logged it
    [s] = store.sessions()
    assert s.energy_wh == 1200.0 and s.lifetime_delta_wh == 1200.0
    assert s.peak_power_w == 240 * 32 and s.complete
    assert s.charging_s == pytest.approx(599)


def test_handover_between_monitor_and_record_service_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "h.db"
    clock = Clock()
    tui = Recorder(Store.open(db), monotonic=clock, retry_s=5.0, flush_every_s=15.0)
    assert tui.is_writer
    service: Recorder | None = None
    t = T0
    for step in range(1200):  # 20 min of 1-second polls, a session in the middle
        clock.now = float(step)
        if step == 300:
            # `twc-tui record` starts: it claims the database and waits for the monitor.
            service = Recorder(Store.open(db), priority=True, monotonic=clock)
            assert not service.is_writer and "waiting" not in service.status
        if step == 900:
            assert service is not None and service.is_writer and not tui.is_writer
            assert "twc-tui record" in tui.status
            service.close()  # the service stops: the monitor must take over
            service = None
        i = step - 200
        event = charging(t, i) if 200 <= step < 1000 else vitals(
            t, session_energy_wh=1598.0 if step >= 1000 else 0.0)
        for rec in (tui, service):
            if rec is not None:
                rec.feed(event)
        if step == 310:
            assert service is not None and service.is_writer and not tui.is_writer
        if step == 920:
            assert tui.is_writer
        t += 1.0
    tui.close()
    store = Store.open(db)
    times = [s.t for s in store.iter_samples()]
    assert times == [T0 + 10 * k for k in range(120)]  # every bucket, once
    [session] = store.sessions()
    assert session.started == T0 + 200 and session.ended == T0 + 1000
    assert session.energy_wh == 1598.0 and session.complete


def test_only_one_record_service_per_database(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    first = Recorder(Store.open(db), priority=True)
    second = Recorder(Store.open(db), priority=True)
    assert first.is_writer and not second.is_writer
    assert second.lock is not None and second.lock.error is not None
    assert "another `twc-tui record`" in second.status
    first.close()
    second.close()


def test_a_failed_flush_keeps_the_data_and_retries(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = Store.open(db, timeout_s=0.05)
    rec = Recorder(store)
    for i in range(100):
        rec.feed(vitals(T0 + i))
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. a backup tool holding the write lock
    rec.flush()
    assert rec.last_error is not None and "locked" in rec.last_error
    other.execute("ROLLBACK")
    rec.close()
    assert rec.last_error is None and store.count("samples") == 10


def test_a_reader_keeps_only_recent_data(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    service = Recorder(Store.open(db), priority=True)
    reader = Recorder(Store.open(db), keep_s=300.0)
    for i in range(0, 7200, 5):
        reader.feed(vitals(T0 + i), [])
    assert not reader.is_writer
    assert len(reader._samples) <= 31  # 5 minutes of 10-second buckets
    service.close()
    reader.close()


def test_thirty_days_stay_within_disk_and_memory_bounds(tmp_path: Path) -> None:
    """Synthetic month, straight into the recorder: vitals every 5 s idle, every 2 s while a
    car charges 3 h a night. Prints the figures (run with -s)."""
    db = tmp_path / "h.db"
    rec = Recorder(Store.open(db), flush_every_s=3600.0, max_batch=5000)
    idle = Vitals.from_json(IDLE)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    days, t = 30, T0
    for _ in range(days):
        end = t + 86400
        plug, unplug = t + 20 * 3600, t + 23 * 3600
        while t < end:
            if plug <= t < unplug:
                i = int(t - plug)
                v = Vitals.from_json({**IDLE, "vehicle_connected": True, "contactor_closed": True,
                                      "vehicle_current_a": 32.0, "session_s": i,
                                      "session_energy_wh": i * 2.13, "uptime_s": 10_000 + i})
                rec.feed(PollSuccess("c1", "vitals", v, t, 0.01))
                t += 2.0
            else:
                rec.feed(PollSuccess("c1", "vitals", idle, t, 0.01))
                t += 5.0
    rec.close()
    rss_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    store = Store.open(db)
    rows = store.count("samples")
    size_mb = sum(p.stat().st_size for p in tmp_path.glob("h.db*")) / 1e6
    print(f"\n30 days, 1 charger: {rows} sample rows, {store.count('sessions')} sessions, "
          f"DB {size_mb:.1f} MB, peak RSS growth {rss_mb:.1f} MB")
    assert rows <= days * 8640
    assert store.count("sessions") == days
    assert all(abs(s.energy_wh - (3 * 3600 - 2) * 2.13) < 1 for s in store.sessions())
    assert size_mb < 40
