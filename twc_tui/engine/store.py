"""The history database: SQLite in WAL mode, versioned schema, batched writes, retention.

One process writes at a time (see :mod:`twc_tui.engine.recorder` for who); any number read.
The file itself (schema, migrations, WAL, opening) is :mod:`twc_tui.engine.store_schema`.
How a session meets its row (merging, carried counts) is :mod:`twc_tui.engine.session_rows`.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from twc_tui.engine.charger_state import LogEntry
from twc_tui.engine.session_merge import MERGE_WINDOW_S
from twc_tui.engine.session_rows import SessionRows, session_from_row
from twc_tui.engine.session_tracker import Session
from twc_tui.engine.store_schema import (
    SAMPLE_COLS,
    SAMPLE_METRICS,
    StoreError,
    connect,
    reason,
    rollback,
    schema_version,
)


@dataclass(frozen=True, slots=True)
class Sample:
    """One downsampled bucket: ``stats[metric] = (min, mean, max)``; empty means a gap."""

    charger: str
    t: int
    """Bucket start, wall-clock seconds."""
    n: int
    """Readings in the bucket; 0 for a bucket where the charger only failed."""
    stats: dict[str, tuple[float, float, float]]


class Store:
    """An open history database. Use :meth:`open`; methods raise only :class:`StoreError`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, readonly: bool) -> None:
        self.path = path
        self.conn = conn
        self.readonly = readonly
        """Opened read-only (``--db`` on a file we may not write): only queries work."""
        self._charger_ids: dict[str, int] = {}
        self._session_rows = SessionRows(conn)

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, *, readonly: bool = False, timeout_s: float = 2.0) -> Store:
        """Open (creating and migrating if needed). Never deletes, renames or rewrites a file
        it cannot read: a corrupt file is refused with a reason."""
        path = Path(path).expanduser()
        return cls(path, connect(path, readonly=readonly, timeout_s=timeout_s), readonly)

    def schema_version(self) -> int:
        return schema_version(self.conn)

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            pass

    # -- writing -------------------------------------------------------------------------
    def write_batch(
        self,
        samples: Sequence[Sample] = (),
        events: Sequence[LogEntry] = (),
        sessions: Sequence[Session] = (),
        dedupe_events: bool = False,
    ) -> dict[int, int]:
        """Write everything in one transaction. Samples already present are kept (another
        monitor wrote that bucket); sessions update their row, or merge into the row another
        monitor wrote for the same plug-in. ``dedupe_events`` skips events another monitor
        already stored (after a writer handover). Returns ``{id(session): row id}``."""
        if self.readonly:
            raise StoreError(f"{self.path} is open read-only")
        c = self.conn
        ids: dict[int, int] = {}
        try:
            c.execute("BEGIN IMMEDIATE")
            try:
                for s in samples:
                    self._insert_sample(s)
                for e in events:
                    if dedupe_events and c.execute(
                        "SELECT 1 FROM events WHERE charger = ? AND kind = ? AND text = ? "
                        "AND at BETWEEN ? AND ?",
                        (e.charger, e.kind, e.text, e.at - MERGE_WINDOW_S, e.at + MERGE_WINDOW_S),
                    ).fetchone():
                        continue
                    c.execute("INSERT INTO events (at, charger, kind, text, level) "
                              "VALUES (?, ?, ?, ?, ?)", (e.at, e.charger, e.kind, e.text, e.level))
                for s in sessions:
                    ids[id(s)] = self._session_rows.upsert(s)
                c.execute("COMMIT")
            except BaseException:
                rollback(c)
                raise
        except (sqlite3.Error, OverflowError, ValueError) as error:
            raise StoreError(f"cannot write to {self.path}: {reason(error)}") from None
        return ids

    def _charger_id(self, key: str) -> int:
        cid = self._charger_ids.get(key)
        if cid is None:
            c = self.conn
            c.execute("INSERT OR IGNORE INTO chargers (key) VALUES (?)", (key,))
            cid = int(c.execute("SELECT id FROM chargers WHERE key = ?", (key,)).fetchone()[0])
            self._charger_ids[key] = cid
        return cid

    def _insert_sample(self, s: Sample) -> None:
        values: list[int | None] = []
        for metric, (_, scale) in SAMPLE_METRICS.items():
            stats = s.stats.get(metric)
            values += [None] * 3 if stats is None else [_stored(x, scale) for x in stats]
        marks = ", ".join("?" * (3 + len(values)))
        self.conn.execute(
            f"INSERT OR IGNORE INTO samples (charger, t, n, {', '.join(SAMPLE_COLS)}) "
            f"VALUES ({marks})", (self._charger_id(s.charger), s.t, s.n, *values))

    def set_names(self, names: Mapping[str, str]) -> None:
        """Remember what the user calls each charger (``host:port`` to name)."""
        try:
            for key, name in names.items():
                self._charger_id(key)
                self.conn.execute("UPDATE chargers SET name = ? WHERE key = ?", (name, key))
        except sqlite3.Error as error:
            raise StoreError(f"cannot write to {self.path}: {reason(error)}") from None

    def names(self) -> dict[str, str]:
        """``host:port`` to the name last given to that charger."""
        return {key: name for key, name in
                self._query("SELECT key, name FROM chargers WHERE name IS NOT NULL")}

    def set_meta(self, key: str, value: str) -> None:
        self._run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def prune(self, now: float, retention_days: float) -> int:
        """Delete samples and events older than the retention; sessions are kept (a few
        rows a day). Returns how many rows went."""
        cutoff = now - retention_days * 86400.0
        gone = self._run("DELETE FROM samples WHERE t < ?", (cutoff,))
        return gone + self._run("DELETE FROM events WHERE at < ?", (cutoff,))

    def _run(self, sql: str, args: Sequence[object] = ()) -> int:
        try:
            return self.conn.execute(sql, args).rowcount
        except sqlite3.Error as error:
            raise StoreError(f"cannot write to {self.path}: {reason(error)}") from None

    def _query(self, sql: str, args: Sequence[object] = ()) -> list[tuple]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"cannot read {self.path}: {reason(error)}") from None

    # -- reading -------------------------------------------------------------------------
    def load_history(
        self, charger: str, since: float, until: float | None = None, step_s: int = 10,
        only: Sequence[str] | None = None,
    ) -> list[tuple[float, dict[str, float] | None]]:
        """Mean values per ``step_s`` (a multiple of 10) from ``since``, oldest first, as
        ``(bucket middle, {metric: value})``; ``None`` instead of a dict marks a gap. The
        metric names are :data:`twc_tui.engine.series.METRICS` (``power_kw``, ``vehicle_a``,
        ``handle_c``, ...), ready for ``History.add``. ``only`` (stored names, keys of
        ``SAMPLE_METRICS``) reads just those: pricing a month of sessions needs power alone."""
        step = max(10, int(step_s))
        metrics = {m: v for m, v in SAMPLE_METRICS.items() if only is None or m in only}
        means = ", ".join(f"avg({p}_mean)" for p, _ in metrics.values())
        rows = self._query(
            f"SELECT (t / {step}) * {step} AS b, sum(n), {means} FROM samples "
            "WHERE charger = (SELECT id FROM chargers WHERE key = ?) AND t >= ? AND t < ? "
            "GROUP BY b ORDER BY b",
            (charger, math.floor(since), math.inf if until is None else until))
        out: list[tuple[float, dict[str, float] | None]] = []
        for b, n, *values in rows:
            if not n:
                out.append((b + step / 2, None))
                continue
            point: dict[str, float] = {}
            for (metric, (_, scale)), value in zip(metrics.items(), values, strict=True):
                if value is not None:
                    point[metric] = value / scale
            if "power_w" in point:
                point["power_kw"] = point.pop("power_w") / 1000.0
            out.append((b + step / 2, point))
        return out

    def load_events(
        self, charger: str | None = None, limit: int = 500, since: float | None = None
    ) -> list[LogEntry]:
        """The newest ``limit`` events (of one charger, or all), oldest first."""
        where, args = ["at >= ?"], [since if since is not None else -math.inf]
        if charger is not None:
            where.append("charger = ?")
            args.append(charger)
        rows = self._query(f"SELECT at, charger, kind, text, level FROM events WHERE "
                           f"{' AND '.join(where)} ORDER BY at DESC, id DESC LIMIT ?",
                           (*args, limit))
        return [LogEntry(at, ch, kind, text, level) for at, ch, kind, text, level in rows[::-1]]

    def sessions(self, since: float | None = None, charger: str | None = None) -> list[Session]:
        """Sessions that started at or after ``since`` (open ones too), oldest first."""
        sql, args = "SELECT * FROM sessions WHERE started >= ?", [since or -math.inf]
        if charger is not None:
            sql += " AND charger = ?"
            args.append(charger)
        return [session_from_row(row) for row in self._query(sql + " ORDER BY started, id", args)]

    def iter_samples(self, since: float | None = None) -> Iterator[Sample]:
        """Every sample from ``since`` on, by time then charger (for export)."""
        try:
            cur = self.conn.execute(
                f"SELECT c.key, s.t, s.n, {', '.join('s.' + c for c in SAMPLE_COLS)} "
                "FROM samples s JOIN chargers c ON c.id = s.charger WHERE s.t >= ? "
                "ORDER BY s.t, c.key", (since or -math.inf,))
            for key, t, n, *values in cur:
                stats = {}
                for i, (metric, (_, scale)) in enumerate(SAMPLE_METRICS.items()):
                    trio = values[3 * i: 3 * i + 3]
                    if None not in trio:
                        stats[metric] = (trio[0] / scale, trio[1] / scale, trio[2] / scale)
                yield Sample(key, t, n, stats)
        except sqlite3.Error as error:
            raise StoreError(f"cannot read {self.path}: {reason(error)}") from None

    def count(self, table: str) -> int:
        if table not in ("samples", "events", "sessions", "chargers"):
            raise ValueError(table)
        return int(self._query(f"SELECT count(*) FROM {table}")[0][0])


def _stored(x: float, scale: float) -> int | None:
    """A reading as the integer column holds it; None where it cannot be (NaN, or a value
    from a confused charger beyond SQLite's 64-bit range). The scaled value is what must be
    finite: 1e308 is finite, 1e308 x 10 is not, and round() of that raised and failed the
    whole batch, every retry, for every charger."""
    try:
        scaled = x * scale
    except (OverflowError, TypeError):
        return None
    if not math.isfinite(scaled) or not -(2.0**63) < scaled < 2.0**63:
        return None
    return round(scaled)
