"""The store: persistence, retention, migrations, WAL readers, and refusing what it can't read."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from twc_tui.engine.charger_state import LogEntry
from twc_tui.engine.samples import prefill_history
from twc_tui.engine.series import History
from twc_tui.engine.session_tracker import Session
from twc_tui.engine.store import Sample, Store, StoreError
from twc_tui.engine.store_schema import MIGRATIONS, SCHEMA_VERSION, migrate

T0 = 1_800_000_000


def sample(t: int, power: float = 7000.0, charger: str = "c1") -> Sample:
    return Sample(charger, t, 10, {
        "power_w": (power - 100, power, power + 100), "vehicle_a": (29.0, 29.2, 29.4),
        "handle_c": (40.0, 41.5, 43.0), "grid_v": (239.5, 240.1, 240.7),
        "grid_hz": (59.98, 60.0, 60.02),
    })


def test_persistence_across_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "history.db"
    store = Store.open(db)
    store.write_batch(
        [sample(T0 + 10 * i) for i in range(360)] + [Sample("c1", T0 + 3600, 0, {})],
        [LogEntry(T0 + 5.0, "c1", "plug", "Vehicle plugged in")],
        [Session("c1", started=T0, ended=T0 + 3000.0, last_seen=T0 + 3000.0, energy_wh=7000.0,
                 alerts={"40"}, saw_end=True)],
    )
    store.close()
    store = Store.open(db)
    rows = store.load_history("c1", T0)
    assert len(rows) == 361 and rows[-1] == (T0 + 3605.0, None)  # the gap survives too
    t, point = rows[0]
    assert t == T0 + 5.0 and point is not None
    assert point["power_kw"] == 7.0
    assert point["vehicle_a"] == pytest.approx(29.2)
    assert point["grid_hz"] == pytest.approx(60.0)
    assert "pcba_c" not in point  # never measured: absent, not zero
    coarse = store.load_history("c1", T0, step_s=60)
    assert len(coarse) == 61 and coarse[0][0] == T0 - T0 % 60 + 30
    events = store.load_events("c1")
    assert [(e.kind, e.text) for e in events] == [("plug", "Vehicle plugged in")]
    [session] = store.sessions()
    assert session.energy_wh == 7000.0 and session.alerts == {"40"}
    assert session.complete and session.duration_s == 3000.0
    history = History()
    assert prefill_history(store, history, "c1", T0 + 3700.0) > 300
    assert history.latest("power_kw") is None  # the newest point is the gap
    store.close()


def test_retention_deletes_old_samples_and_events_but_keeps_sessions(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "h.db")
    day = 86400
    store.write_batch([sample(T0 + d * day) for d in range(10)],
                      [LogEntry(T0 + d * day, "c1", "plug", "p") for d in range(10)],
                      [Session("c1", started=T0, last_seen=T0 + 1.0)])
    assert store.prune(T0 + 9 * day, retention_days=3) == 12
    assert store.count("samples") == 4 and store.count("events") == 4
    assert store.count("sessions") == 1


def test_samples_already_written_are_kept_and_sessions_merge(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "h.db")
    store.write_batch([sample(T0, 1000.0)])
    store.write_batch([sample(T0, 5000.0), sample(T0 + 10)])
    assert [p["power_kw"] for _, p in store.load_history("c1", T0)] == [1.0, 7.0]  # type: ignore[index]
    # The monitor saw the plug-in; a recorder that started later back-dated it a second off.
    seen = Session("c1", started=T0, last_seen=T0 + 600.0, energy_wh=500.0)
    later = Session("c1", started=T0 + 1.0, last_seen=T0 + 900.0, ended=T0 + 900.0,
                    energy_wh=800.0, saw_start=False, saw_end=True, alerts={"40"})
    store.write_batch(sessions=[seen])
    store.write_batch(sessions=[later])
    [merged] = store.sessions()
    assert merged.started == T0 and merged.ended == T0 + 900.0 and merged.complete
    assert merged.energy_wh == 800.0 and merged.alerts == {"40"}
    # A quick re-plug right after the end is a new session, not a merge.
    store.write_batch(sessions=[Session("c1", started=T0 + 930.0, last_seen=T0 + 940.0)])
    assert store.count("sessions") == 2


def test_reader_and_writer_at_once_in_two_processes(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = Store.open(db)
    store.write_batch([sample(T0)])
    # A second process reads while this one holds an open write transaction (WAL).
    store.conn.execute("BEGIN IMMEDIATE")
    store.conn.execute("DELETE FROM samples")
    code = (
        "import sys; from twc_tui.engine.store import Store; "
        f"s = Store.open({str(db)!r}, timeout_s=0.5); print(len(s.load_history('c1', 0)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30)
    store.conn.execute("ROLLBACK")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"  # the reader sees the last committed state, unblocked
    reader = Store.open(db)
    store.write_batch([sample(T0 + 10)])
    assert len(reader.load_history("c1", 0)) == 2  # and sees new commits at once


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    garbage = os.urandom(8192)
    db.write_bytes(garbage)
    with pytest.raises(StoreError) as info:
        Store.open(db)
    assert "not a SQLite database" in str(info.value) and "\n" not in str(info.value)
    assert db.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.db"]


def test_damaged_sqlite_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    Store.open(db).close()
    data = bytearray(db.read_bytes())
    data[16:100] = os.urandom(84)  # a valid magic, a destroyed header
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        Store.open(db)
    assert str(info.value).startswith(f"cannot open {db}")
    assert db.read_bytes() == bytes(data)


def test_locked_database_gives_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    Store.open(db).close()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(StoreError) as info:
        Store.open(db, timeout_s=0.1)
    assert "locked by another program" in str(info.value)
    other.execute("ROLLBACK")
    other.close()
    assert Store.open(db).schema_version() == SCHEMA_VERSION


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_directory(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(StoreError) as info:
            Store.open(ro / "history.db")
        assert str(info.value).startswith("cannot open")
    finally:
        ro.chmod(0o755)


def test_older_schema_is_migrated_keeping_its_data(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, 1)
    conn.execute("INSERT INTO sessions (charger, started, ended, last_seen, charging_s, "
                 "energy_wh, peak_power_w, max_handle_c, alerts, saw_start, saw_end, "
                 "longest_gap_s, reboots) VALUES ('c1', 1, 2, 2, 1, 42, 7000, NULL, '', 1, 1, "
                 "1, 0)")
    conn.close()
    store = Store.open(db)
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    [session] = store.sessions()
    assert session.energy_wh == 42 and session.lifetime_delta_wh is None
    store.set_meta("k", "v")
    assert store.meta("k") == "v"
    store.set_names({"c1": "Garage", "10.0.0.9:80": "Barn"})  # schema 3: charger names
    assert store.names() == {"c1": "Garage", "10.0.0.9:80": "Barn"}
    store.set_names({"c1": "Carport"})
    assert store.names()["c1"] == "Carport"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    Store.open(db).conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="newer twc-tui"):
        Store.open(db)


def test_readonly_open_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no history database"):
        Store.open(tmp_path / "none.db", readonly=True)
    assert not (tmp_path / "none.db").exists()


def test_uncreatable_directory_gives_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the directory should be")
    with pytest.raises(StoreError) as info:
        Store.open(blocker / "twc-tui" / "history.db")
    assert str(info.value).startswith(f"cannot create {blocker / 'twc-tui'}")
    assert blocker.read_text().startswith("a file")
