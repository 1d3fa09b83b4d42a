"""30 simulated days of 50 chargers in the history database, written with the store's own
write path (``Store.write_batch``: the rows the recorder writes, one per charger per 10 s
bucket, a session and its events per charger per evening), then measured as a user meets it:
the file's size, ``twc-tui sessions --json`` end to end, the Sessions query itself, and the
24 h chart restore (``prefill_history``) for one charger and for all of them (a hub's start).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from launch import term_env, twc_argv

from twc_tui.core.tariff_zones import TariffZone
from twc_tui.engine.charger_state import LogEntry
from twc_tui.engine.recorder import BUCKET_S, prefill_history
from twc_tui.engine.series import History
from twc_tui.engine.session_records import session_records
from twc_tui.engine.session_tracker import Session
from twc_tui.engine.store import Sample, Store
from twc_tui.engine.store_schema import SAMPLE_COLS
from twc_tui.engine.tariff import Tariff

CHARGERS = 50
ZONED = Tariff((TariffZone(0.12, hours=(0, 360)), TariffZone(0.40, frozenset({1, 2, 3, 4, 5}),
                                                               (1020, 1260))), 0.28)
"""Cheap nights, a dear weekday evening peak, a day price otherwise."""
DAY = 86400


def _sample(rng: random.Random, charger: str, t: int, charging: bool) -> Sample:
    def stat(mean: float, spread: float) -> tuple[float, float, float]:
        m = mean + rng.uniform(-spread, spread)
        return (m - spread / 2, m, m + spread / 2)

    power = 7000.0 if charging else 0.0
    stats = {"power_w": stat(power, 60 if charging else 0),
             "vehicle_a": stat(power / 240, 0.3),
             "handle_c": stat(38 if charging else 24, 0.4),
             "pcba_c": stat(41 if charging else 30, 0.4),
             "mcu_c": stat(36 if charging else 29, 0.3), "grid_v": stat(240, 1.5),
             "grid_hz": stat(60, 0.02)}
    # 10 readings a bucket at the 1 s cadence while plugged in, 2 at the idle 5 s.
    return Sample(charger, t, 10 if charging else 2, stats)


def fill(store: Store, days: int, now: float, seed: int = 1) -> int:
    """Write ``days`` days before ``now`` for every charger; returns the samples written.

    The first charger's samples, and every charger's sessions and events, go through
    ``Store.write_batch``; the other chargers' samples are that charger's rows copied in SQL
    under their own charger id (the same rows, so the same size, at C speed: Python needs
    about 60 us a row, 13 minutes for a month of 50)."""
    rng = random.Random(seed)
    first_day = int(now // DAY) * DAY - days * DAY
    keys = [f"127.0.0.1:{9000 + k}" for k in range(CHARGERS)]
    for d in range(days):
        day0 = first_day + d * DAY
        for k, charger in enumerate(keys):
            start = day0 + 18 * 3600 + k * 60  # plugged in 18:00 to 22:00
            end = start + 4 * 3600
            samples = [] if k else [_sample(rng, charger, t, start <= t < end)
                                    for t in range(day0, min(day0 + DAY, int(now)), BUCKET_S)]
            session = Session(charger, float(start), float(end), float(end), 4 * 3600.0,
                              28000.0, 7200.0, 41.0, set(), True, True, 1.2, 0, 28000.0)
            events = [LogEntry(float(start), charger, "plug", "Vehicle plugged in", "info"),
                      LogEntry(float(start + 5), charger, "charge_start", "Charging started",
                               "info"),
                      LogEntry(float(end - 5), charger, "charge_stop", "Charging stopped",
                               "info"),
                      LogEntry(float(end), charger, "unplug", "Vehicle unplugged", "info")]
            store.write_batch(samples, events, [session])
    c = store.conn
    c.executemany("INSERT OR IGNORE INTO chargers (key) VALUES (?)", [(k,) for k in keys])
    ids = dict(c.execute("SELECT key, id FROM chargers").fetchall())
    cols = ", ".join(["t", "n", *SAMPLE_COLS])
    c.execute("BEGIN IMMEDIATE")
    for key in keys[1:]:
        c.execute(f"INSERT INTO samples (charger, {cols}) SELECT ?, {cols} FROM samples "
                  "WHERE charger = ?", (ids[key], ids[keys[0]]))
    c.execute("COMMIT")
    return int(c.execute("SELECT count(*) FROM samples").fetchone()[0])


def _best_of(runs: int, fn: Any) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


def scenario_month(plan: Any, home: Path) -> dict[str, Any]:
    home.mkdir(parents=True, exist_ok=True)
    db = home / "history.db"
    days = plan.month_days
    now = time.time()
    store = Store.open(db)
    t0 = time.monotonic()
    try:
        samples = fill(store, days, now)
        write_s = time.monotonic() - t0
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = os.path.getsize(db)
        charger = "127.0.0.1:9000"
        sessions_s, sessions_max = _best_of(5, lambda: session_records(store, {}, None))
        count = len(session_records(store, {}, None))
        # One price all day needs no samples; time-of-use zones price each 10 s sample.
        priced_s, _ = _best_of(1, lambda: session_records(store, {}, 0.25))
        zoned_s, _ = _best_of(1, lambda: session_records(store, {}, ZONED))
        one_s, one_max = _best_of(5, lambda: prefill_history(store, History(), charger, now))
        all_s, _ = _best_of(1, lambda: [
            prefill_history(store, History(), f"127.0.0.1:{9000 + k}", now)
            for k in range(CHARGERS)])
    finally:
        store.close()
    walls = []
    for _ in range(3):
        t1 = time.monotonic()
        done = subprocess.run(twc_argv("sessions", "--json", "--db", str(db)),
                              env=term_env(home), capture_output=True, timeout=120, check=False)
        walls.append(time.monotonic() - t1)
    return {"days": days, "chargers": CHARGERS, "samples": samples, "write_s": write_s,
            "db_mb": size / 1e6, "per_charger_day_kb": size / 1e3 / CHARGERS / days,
            "sessions": count, "sessions_query_s": sessions_s,
            "sessions_query_max_s": sessions_max, "sessions_priced_s": priced_s,
            "sessions_zoned_s": zoned_s,
            "sessions_cli_s": statistics.median(walls), "sessions_cli_exit": done.returncode,
            "sessions_cli_bytes": len(done.stdout), "restore_one_s": one_s,
            "restore_one_max_s": one_max, "restore_all_s": all_s}
