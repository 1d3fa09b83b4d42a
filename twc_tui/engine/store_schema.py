"""The history database's file: its schema, migrations, and opening a connection to it.

WAL lets readers run beside the writer, and ``synchronous=NORMAL`` means a commit costs no
fsync (only checkpoints do), so a batch every few seconds is cheap and a crash loses at most
the last unflushed batch, never the file.

Samples are stored as scaled integers (0.1 A, 0.1 °C, 0.01 Hz, ...) because SQLite packs small
integers into one to three bytes: a 10-second row costs about a third of the same row in REALs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"

SAMPLE_METRICS: dict[str, tuple[str, float]] = {
    "power_w": ("p", 1.0), "vehicle_a": ("a", 10.0), "handle_c": ("h", 10.0),
    "pcba_c": ("b", 10.0), "mcu_c": ("m", 10.0), "grid_v": ("v", 10.0), "grid_hz": ("f", 100.0),
}  # fmt: skip
"""Metric name to (column prefix, scale): each metric has ``<p>_min``, ``_mean``, ``_max``."""

SAMPLE_COLS = [f"{p}_{s}" for p, _ in SAMPLE_METRICS.values() for s in ("min", "mean", "max")]

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE chargers (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
    CREATE TABLE samples (
        charger INTEGER NOT NULL, t INTEGER NOT NULL, n INTEGER NOT NULL,
        """ + ", ".join(f"{c} INTEGER" for c in SAMPLE_COLS) + """,
        PRIMARY KEY (charger, t)) WITHOUT ROWID;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY, at REAL NOT NULL, charger TEXT NOT NULL, kind TEXT NOT NULL,
        text TEXT NOT NULL, level TEXT NOT NULL);
    CREATE INDEX events_at ON events (at);
    CREATE INDEX events_charger_at ON events (charger, at);
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY, charger TEXT NOT NULL, started REAL NOT NULL, ended REAL,
        last_seen REAL NOT NULL, charging_s REAL NOT NULL, energy_wh REAL NOT NULL,
        peak_power_w REAL NOT NULL, max_handle_c REAL, alerts TEXT NOT NULL,
        saw_start INTEGER NOT NULL, saw_end INTEGER NOT NULL, longest_gap_s REAL NOT NULL,
        reboots INTEGER NOT NULL);
    CREATE INDEX sessions_started ON sessions (started);
    """,
    # 2: the lifetime-energy cross-check, and a place for the writer's high-water mark.
    """
    ALTER TABLE sessions ADD COLUMN lifetime_delta_wh REAL;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 3: the name the user gave each charger, so `sessions` can show it without the config.
    """
    ALTER TABLE chargers ADD COLUMN name TEXT;
    """,
    # 4: the hub's energy-delivered counter (only goes up, across restarts), and the MQTT
    # discovery topics it published (to clear those of chargers removed from the config).
    """
    CREATE TABLE energy_counter (
        charger TEXT PRIMARY KEY, total_wh REAL NOT NULL, session_wh REAL, at REAL NOT NULL);
    CREATE TABLE mqtt_discovery (
        topic TEXT PRIMARY KEY, charger TEXT NOT NULL, at REAL NOT NULL);
    """,
)
"""Schema version N is reached by running MIGRATIONS[:N] in order. Never edit a released one."""

SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The store cannot be used; ``str()`` is one line for a person."""


def reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if "disk is full" in text or "disk full" in text or getattr(
        error, "sqlite_errorcode", None
    ) == sqlite3.SQLITE_FULL:
        return "the disk is full; the data is kept in memory and written when there is room"
    if "locked" in text or "busy" in text:
        return "it is locked by another program; try again, or close that program"
    if "readonly" in text or "read-only" in text:
        return "it is read-only"
    if "not a database" in text or "malformed" in text:
        return "it is not a readable SQLite database (corrupt?); left untouched"
    return text


def connect(path: Path, *, readonly: bool, timeout_s: float) -> sqlite3.Connection:
    """The connection behind :meth:`twc_tui.engine.store.Store.open`: the file checked,
    WAL set up, the schema migrated. Raises only :class:`StoreError`."""
    where = str(path)
    if path.is_dir():
        raise StoreError(f"cannot open {where}: it is a directory")
    if path.exists():
        try:
            with path.open("rb") as f:
                head = f.read(len(SQLITE_MAGIC))
        except OSError as error:
            raise StoreError(f"cannot read {where}: {error.strerror or error}") from None
        if head and head != SQLITE_MAGIC:
            raise StoreError(f"cannot open {where}: it is not a SQLite database (corrupt or "
                             "another file); left untouched: move it aside or use --db")
    elif readonly:
        raise StoreError(f"no history database at {where} yet")
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create {path.parent}: "
                             f"{error.strerror or error}") from None
    try:
        return _open(path, "ro" if readonly else "rwc", readonly, timeout_s)
    except StoreError:
        wal = path.with_name(path.name + "-wal")
        if not readonly or wal.exists():
            raise
    # A WAL database read in a directory we cannot write: SQLite must create the -shm file
    # even to read, and fails. With no -wal file no writer has it open, so the file as it is
    # on disk is the whole database, which is what immutable=1 reads without any lock file.
    return _open(path, "ro&immutable=1", readonly, timeout_s)


def _open(path: Path, mode: str, readonly: bool, timeout_s: float) -> sqlite3.Connection:
    where = str(path)
    try:
        uri = f"{path.absolute().as_uri()}?mode={mode}"
        conn = sqlite3.connect(uri, uri=True, timeout=timeout_s, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open {where}: {reason(error)}") from None
    try:
        _setup(conn, path, readonly)
    except sqlite3.Error as error:
        conn.close()
        raise StoreError(f"cannot open {where}: {reason(error)}") from None
    except StoreError:
        conn.close()
        raise
    return conn


def _setup(c: sqlite3.Connection, path: Path, readonly: bool) -> None:
    c.execute("PRAGMA foreign_keys = OFF")
    # SQLite's default page cache grows to 2 MB as the file grows: memory a monitor left
    # open for weeks does not need for batched appends and a few range reads.
    c.execute("PRAGMA cache_size = -512")
    if not readonly:
        mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"cannot open {path}: WAL mode unavailable ({mode})")
        c.execute("PRAGMA synchronous = NORMAL")
    version = schema_version(c)
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer twc-tui (schema {version}, "
                         f"this one knows {SCHEMA_VERSION}); upgrade twc-tui")
    if version < SCHEMA_VERSION:
        if readonly:
            raise StoreError(f"{path} has an older schema; open it once with the "
                             "monitor or `twc-tui record` to upgrade it")
        migrate(c, SCHEMA_VERSION)


def rollback(c: sqlite3.Connection) -> None:
    """Undo an open transaction without hiding why it failed. SQLite rolls back by itself on
    some errors (SQLITE_FULL among them); a ROLLBACK after that raises "no transaction is
    active", which used to be the only message a full disk produced."""
    if c.in_transaction:
        try:
            c.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def schema_version(c: sqlite3.Connection) -> int:
    has = c.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").fetchone()
    if not has:
        return 0
    row = c.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, target: int) -> None:
    """Bring the schema up to version ``target``, one migration per transaction."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    conn.execute("BEGIN IMMEDIATE")  # the version is read under the write lock: no races
    try:
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        version = int(row[0]) if row else 0
        if row is None:
            conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        for number in range(version + 1, target + 1):
            for statement in MIGRATIONS[number - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("UPDATE schema_version SET version = ?", (number,))
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
