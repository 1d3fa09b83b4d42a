"""Session detection over scripted vitals: the quirks of field notes §4, one by one."""

from __future__ import annotations

from typing import Any

import pytest

from twc_tui.core.models import Vitals
from twc_tui.engine.session_tracker import Session, SessionTracker

T0 = 1_800_000_000.0

IDLE: dict[str, Any] = {
    "vehicle_connected": False, "contactor_closed": False, "vehicle_current_a": 0.3,
    "grid_v": 240.0, "grid_hz": 60.0, "evse_state": 1, "uptime_s": 5000, "session_s": 0,
    "current_alerts": [], "session_energy_wh": 0.0, "handle_temp_c": 30.0,
}  # fmt: skip


class Script:
    """Feeds a tracker one reading per step, keeping uptime and session_s consistent."""

    def __init__(self, tracker: SessionTracker, t: float = T0, uptime: int = 5000) -> None:
        self.tracker = tracker
        self.t = t
        self.uptime = uptime
        self.plugged_at: float | None = None
        self.energy = 0.0
        self.closed: list[Session] = []

    def step(self, seconds: float = 1.0, **state: Any) -> None:
        self.t += seconds
        self.uptime += int(seconds)
        raw = {**IDLE, **state}
        raw["uptime_s"] = state.get("uptime_s", self.uptime)
        if raw["vehicle_connected"]:
            if self.plugged_at is None:
                self.plugged_at = self.t
            raw.setdefault("session_s", 0)
            if "session_s" not in state:
                raw["session_s"] = int(self.t - self.plugged_at)
        else:
            self.plugged_at = None
        raw.setdefault("session_energy_wh", self.energy)
        if "session_energy_wh" not in state:
            raw["session_energy_wh"] = self.energy
        else:
            self.energy = state["session_energy_wh"]
        v = Vitals.from_json(raw)
        power = v.grid_v * v.vehicle_current_a if v.contactor_closed else 0.0  # type: ignore[operator]
        self.closed += self.tracker.observe(self.t, v, power)

    def charge(self, seconds: int, amps: float = 32.0, **state: Any) -> None:
        """Charge for ``seconds`` at ``amps``, one reading a second."""
        for _ in range(seconds):
            self.energy += 240.0 * amps / 3600.0
            self.step(1, vehicle_connected=True, contactor_closed=True, vehicle_current_a=amps,
                      evse_state=11, **state)

    def wait(self, seconds: int, **state: Any) -> None:
        for _ in range(seconds):
            self.step(1, **{"vehicle_connected": True, "evse_state": 9, **state})


def run() -> tuple[Script, SessionTracker]:
    tracker = SessionTracker("c1")
    script = Script(tracker)
    script.step(1)  # the monitor sees the charger idle before anything happens
    return script, tracker


def test_a_full_evening_with_pause_and_derate_is_one_session() -> None:
    s, tracker = run()
    s.energy = 7000.0  # yesterday's total persists while idle
    s.step(5)
    s.step(5)
    assert tracker.current is None  # a persisted counter alone is not a session
    s.step(1, vehicle_connected=True, evse_state=4, session_energy_wh=0.0)
    plug_t = s.t
    s.charge(600)
    s.wait(300)  # a scheduled pause (state 9) inside the plug-in
    s.charge(300)
    s.charge(120, amps=16.0, current_alerts=[40], handle_temp_c=66.0)  # derate on a hot handle
    s.charge(60)
    energy = s.energy
    s.wait(30)
    s.step(1, vehicle_connected=False)  # unplug: the counter keeps its value
    s.step(5)
    assert len(s.closed) == 1
    session = s.closed[0]
    assert session.started == pytest.approx(plug_t, abs=1)
    assert session.ended == s.t - 5
    assert session.energy_wh == pytest.approx(energy)
    assert session.charging_s == pytest.approx(600 + 300 + 120 + 60, abs=2)
    assert session.duration_s == pytest.approx(1 + 600 + 300 + 300 + 120 + 60 + 30, abs=2)
    assert session.peak_power_w == pytest.approx(240 * 32)
    assert session.max_handle_c == 66.0
    assert session.alerts == {"40"}
    assert session.complete and session.reboots == 0
    assert tracker.current is None


def test_counter_reset_lagging_the_plug_in_is_not_counted_twice() -> None:
    s, _ = run()
    s.step(1, vehicle_connected=True)
    s.charge(100)
    first = s.energy
    s.step(1, vehicle_connected=False)
    s.step(60)
    # Plug in again: the first reading still shows the old total, then the counter resets.
    s.step(1, vehicle_connected=True, session_energy_wh=first)
    s.step(1, vehicle_connected=True, session_energy_wh=0.0)
    s.energy = 0.0
    s.charge(50)
    second = s.energy
    s.step(1, vehicle_connected=False)
    assert [round(x.energy_wh, 3) for x in s.closed] == [round(first, 3), round(second, 3)]
    assert all(x.complete for x in s.closed)


def test_reboot_mid_session_accumulates_energy_across_the_reset() -> None:
    s, tracker = run()
    s.step(1, vehicle_connected=True)
    s.charge(200)
    before = s.energy
    # The charger reboots: 40 s without an answer, then uptime, session_s and energy restart.
    s.t += 40
    s.uptime = 3
    s.plugged_at = s.t
    s.energy = 0.0
    s.step(1, vehicle_connected=True, evse_state=4)
    s.charge(100)
    after = s.energy
    s.step(1, vehicle_connected=False)
    assert len(s.closed) == 1
    session = s.closed[0]
    assert session.energy_wh == pytest.approx(before + after)
    assert session.reboots == 1
    assert session.started == pytest.approx(T0 + 2, abs=1)  # not re-dated by the new session_s
    assert session.complete  # a 41 s blind spot is short enough to have seen it all
    assert tracker.current is None


def test_monitor_started_mid_session_back_dates_and_marks_partial() -> None:
    tracker = SessionTracker("c1")
    v = Vitals.from_json({**IDLE, "vehicle_connected": True, "contactor_closed": True,
                          "vehicle_current_a": 32.0, "session_s": 3600,
                          "session_energy_wh": 5000.0})
    tracker.observe(T0, v, 7680.0)
    assert tracker.current is not None
    assert tracker.current.started == T0 - 3600
    assert tracker.current.energy_wh == 5000.0
    assert not tracker.current.saw_start
    done = tracker.observe(T0 + 1, Vitals.from_json({**IDLE, "session_energy_wh": 5002.0}))
    assert len(done) == 1 and not done[0].complete and done[0].saw_end
    assert done[0].energy_wh == 5002.0


def test_offline_at_unplug_closes_at_last_sight_with_the_persisted_energy() -> None:
    s, _ = run()
    s.step(1, vehicle_connected=True)
    s.charge(100)
    last_seen = s.t
    s.energy += 300.0  # charged on while the monitor was away
    s.step(1800, vehicle_connected=False)
    assert len(s.closed) == 1
    session = s.closed[0]
    assert session.ended == last_seen and not session.saw_end and not session.complete
    assert session.energy_wh == pytest.approx(s.energy)


def test_unplug_and_replug_while_offline_gives_two_sessions() -> None:
    s, tracker = run()
    s.step(1, vehicle_connected=True)
    s.charge(100)
    first_seen = s.t
    # Away for an hour: unplugged, plugged in again 10 min ago.
    s.t += 3600
    s.plugged_at = s.t - 600
    s.energy = 1000.0
    s.step(0, vehicle_connected=True)
    assert len(s.closed) == 1 and s.closed[0].ended == first_seen
    assert tracker.current is not None
    assert tracker.current.started == pytest.approx(s.t - 600)
    assert not tracker.current.saw_start
    assert tracker.current.energy_wh == 1000.0


def test_a_car_swapped_during_a_two_minute_blind_spot_is_a_new_session() -> None:
    s, tracker = run()
    s.step(1, vehicle_connected=True)
    s.charge(100)
    first_energy = s.energy
    # A two-minute WiFi drop: car A unplugged, car B plugged in 60 s ago.
    s.t += 120
    s.plugged_at = s.t - 60
    s.energy = 50.0
    s.step(0, vehicle_connected=True)
    assert len(s.closed) == 1 and s.closed[0].energy_wh == pytest.approx(first_energy)
    assert not s.closed[0].complete  # the unplug was not seen
    assert tracker.current is not None and tracker.current.energy_wh == 50.0


def test_lifetime_energy_cross_checks_after_the_end() -> None:
    s, tracker = run()
    assert tracker.observe_lifetime(100_000.0) is None
    s.step(1, vehicle_connected=True)
    s.charge(100)
    assert tracker.observe_lifetime(100_000.0) is None  # does not move during a session
    s.step(1, vehicle_connected=False)
    assert tracker.observe_lifetime(100_000.0) is None
    done = tracker.observe_lifetime(100_000.0 + 213.0)
    assert done is s.closed[0] and done.lifetime_delta_wh == 213.0


def test_wall_clock_stepping_back_is_ignored() -> None:
    tracker = SessionTracker("c1")
    plugged = Vitals.from_json({**IDLE, "vehicle_connected": True})
    tracker.observe(T0, plugged)
    assert tracker.observe(T0 - 100, Vitals.from_json(IDLE)) == []
    assert tracker.current is not None


def test_totals_per_day_week_and_month() -> None:
    from datetime import datetime

    from twc_tui.engine.session_totals import cost, totals

    def at(text: str) -> float:
        return datetime.fromisoformat(text).timestamp()

    rows = [Session("c1", started=at(f), last_seen=at(f) + 3600, ended=at(f) + 3600,
                    energy_wh=wh, charging_s=1800)
            for f, wh in [("2026-10-31T18:00", 1000.0), ("2026-11-01T07:30", 2000.0),
                          ("2026-11-01T18:00", 3000.0), ("2026-11-02T18:00", 4000.0)]]
    days = totals(rows, "day")
    assert [(d.period, d.sessions, d.energy_wh) for d in days] == [
        ("2026-10-31", 1, 1000.0), ("2026-11-01", 2, 5000.0), ("2026-11-02", 1, 4000.0)]
    assert days[1].start == at("2026-11-01T00:00") and days[1].charging_s == 3600
    weeks = totals(rows, "week")  # 2026-11-01 is a Sunday
    assert [(w.period, w.energy_wh) for w in weeks] == [("2026-W44", 6000.0),
                                                         ("2026-W45", 4000.0)]
    assert [(m.period, m.sessions) for m in totals(rows, "month")] == [("2026-10", 1),
                                                                       ("2026-11", 3)]
    assert cost(2500.0, 0.3) == pytest.approx(0.75) and cost(1.0, None) is None
    with pytest.raises(ValueError):
        totals(rows, "year")
