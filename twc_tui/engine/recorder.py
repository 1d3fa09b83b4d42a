"""Feeds poll events and log entries into the store: 10-second buckets, events, sessions.

``feed`` is cheap (it only buffers) so the UI thread can call it on every poll event; the
batch goes to SQLite every ``flush_every_s`` seconds, when the buffer is large, and on close.

Exactly one process writes (see :class:`WriterLock`). The ``record`` service has priority: it
holds a claim for its lifetime, and a monitor that is writing yields (after a final flush) as
soon as it sees the claim. A monitor that is not writing still tracks everything and keeps
the last ``keep_s`` seconds in memory, and retries the lock every ``retry_s``: when the
service stops, the monitor takes over and writes what it kept. Samples of a bucket already
written are skipped, events already stored by the other writer are skipped, and sessions merge
into the row of the same plug-in, so a handover neither loses nor doubles anything.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from twc_tui.core.models import Lifetime, Vitals
from twc_tui.engine.charger_state import LogEntry
from twc_tui.engine.poller import PollEvent, PollSuccess
from twc_tui.engine.samples import BUCKET_S, SampleBucket
from twc_tui.engine.samples import prefill_history as prefill_history  # bench imports it here
from twc_tui.engine.session_tracker import Session, SessionTracker
from twc_tui.engine.store import Sample, Store, StoreError
from twc_tui.engine.writer_lock import WriterLock


class Recorder:
    """Buffers what the pollers see and writes it in batches while holding the writer lock."""

    def __init__(
        self,
        store: Store,
        *,
        priority: bool = False,
        flush_every_s: float = 15.0,
        retry_s: float = 5.0,
        retention_days: float = 90.0,
        keep_s: float = 900.0,
        max_batch: int = 5000,
        auto_flush: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.names = dict(names or {})
        """``host:port`` to the user's name for it, stored with the first batch written."""
        self._names_stored = not self.names
        self.priority = priority
        """The ``record`` service: it claims the lock and never yields it."""
        self.flush_every_s = flush_every_s
        self.retry_s = retry_s
        """How often a reader retries the lock, and a writer checks for a claim."""
        self.retention_days = retention_days
        self.keep_s = keep_s
        """A reader keeps this much recent data, to write it if it becomes the writer."""
        self.max_batch = max_batch
        self.auto_flush = auto_flush
        """``feed`` flushes inline when due; off, the caller runs ``tick`` (e.g. in a thread)."""
        self._monotonic = monotonic
        self._wall = wall
        self.lock = WriterLock(store.path, priority=priority) if not store.readonly else None
        self.status = "starting"
        """One line for the UI: who writes the history."""
        self.last_error: str | None = None
        """The newest write failure; the data stays buffered and is retried."""
        self.flushes = 0
        self.is_writer = False
        self._mutex = threading.RLock()
        self._buckets: dict[str, SampleBucket] = {}
        self._samples: list[Sample] = []
        self._events: list[LogEntry] = []
        self._dirty: dict[int, Session] = {}
        self._trackers: dict[str, SessionTracker] = {}
        self._handover = False
        self._last_flush = monotonic()
        self._next_try = -math.inf
        self._write_failures = 0
        self._hold_until = -math.inf
        """No write before this, after failed ones (disk full, database locked)."""
        self._next_prune = -math.inf
        self.tick()

    # -- input (UI thread) ---------------------------------------------------------------
    def feed(self, event: PollEvent, entries: Sequence[LogEntry] = (),
             phase_setting: str = "auto") -> None:
        """Buffer one poll event and the log entries it caused. No I/O unless a flush is due
        and ``auto_flush`` is on."""
        with self._mutex:
            self._events.extend(entries)
            if isinstance(event, PollSuccess):
                payload = event.payload
                if isinstance(payload, Vitals):
                    self._vitals(event.charger, event.at, payload, phase_setting)
                elif isinstance(payload, Lifetime):
                    done = self.tracker(event.charger).observe_lifetime(payload.energy_wh)
                    if done is not None:
                        self._dirty[id(done)] = done
            elif event.endpoint == "vitals":
                self._bucket(event.charger, event.at)  # an empty bucket records the gap
        if self.auto_flush:
            self.tick()

    def feed_entries(self, entries: Sequence[LogEntry]) -> None:
        """Buffer log entries that no poll caused."""
        with self._mutex:
            self._events.extend(entries)
        if self.auto_flush:
            self.tick()

    def tracker(self, charger: str) -> SessionTracker:
        tracker = self._trackers.get(charger)
        if tracker is None:
            tracker = self._trackers[charger] = SessionTracker(charger)
        return tracker

    def open_sessions(self) -> list[Session]:
        """Sessions in progress, as tracked in memory (not yet final in the store)."""
        return [t.current for t in self._trackers.values() if t.current is not None]

    def _vitals(self, charger: str, at: float, v: Vitals, phase_setting: str) -> None:
        power = v.power_w(phase_setting)
        self._bucket(charger, at).add({
            "power_w": power, "vehicle_a": v.vehicle_current_a, "handle_c": v.handle_temp_c,
            "pcba_c": v.pcba_temp_c, "mcu_c": v.mcu_temp_c, "grid_v": v.grid_v,
            "grid_hz": v.grid_hz,
        })
        tracker = self.tracker(charger)
        for done in tracker.observe(at, v, power):
            self._dirty[id(done)] = done
        if tracker.current is not None:
            self._dirty[id(tracker.current)] = tracker.current

    def _bucket(self, charger: str, at: float) -> SampleBucket:
        t = int(at // BUCKET_S) * BUCKET_S
        bucket = self._buckets.get(charger)
        if bucket is None or bucket.t != t:
            if bucket is not None and t > bucket.t:
                self._samples.append(bucket.sample(charger))
            if bucket is None or t > bucket.t:
                bucket = self._buckets[charger] = SampleBucket(t)
        return bucket

    # -- periodic work -------------------------------------------------------------------
    def tick(self) -> None:
        """Take or yield the writer lock when it is time, and flush when due."""
        now = self._monotonic()
        lock = self.lock
        if lock is not None and now >= self._next_try:
            self._next_try = now + (1.0 if self.priority else self.retry_s)
            try:
                if self.is_writer and lock.should_yield():
                    self.flush(final=True)
                    lock.release()
                    self.is_writer = False
                elif not self.is_writer and lock.try_acquire():
                    self.is_writer = True
                    self._handover = True  # the first batch may overlap the previous writer's
                    self._last_flush = -math.inf
                self.status = self._describe()
            except OSError as error:  # a full disk while writing the lock's pid
                self.last_error = f"history lock: {error.strerror or error}"
        if self.is_writer:
            if now >= self._next_prune:
                self._next_prune = now + 3600.0
                self._prune()
            pending = len(self._samples) + len(self._events)
            due = now - self._last_flush >= self.flush_every_s or pending >= self.max_batch
            if due and now >= self._hold_until:
                self.flush()
        else:
            self._trim()

    def flush(self, final: bool = False) -> None:
        """Write the buffer in one transaction if we are the writer (``final`` also writes the
        buckets still filling). On failure the data stays buffered for the next try.

        The mutex only guards taking the batch and putting it back: the SQLite write runs
        outside it, so ``feed`` on the polling loop never waits for the disk."""
        with self._mutex:
            self._last_flush = self._monotonic()
            if not self.is_writer:
                return
            if final:
                for charger, bucket in self._buckets.items():
                    self._samples.append(bucket.sample(charger))
                self._buckets.clear()
            samples, events = self._samples, self._events
            sessions = list(self._dirty.values())
            if not (samples or events or sessions):
                return
            self._samples, self._events, self._dirty = [], [], {}
            handover = self._handover
        try:
            ids = self.store.write_batch(samples, events, sessions, handover)
            if not self._names_stored:
                self.store.set_names(self.names)
                self._names_stored = True
            self.store.set_meta("last_writer", json.dumps(
                {"pid": os.getpid(), "priority": self.priority, "at": self._wall()}))
        except Exception as error:  # a failed write must not end the monitor
            with self._mutex:
                self.last_error = str(error) or type(error).__name__
                # Keep the newest data for the next try, bounded: a disk that stays full
                # must not grow memory for days. Retries back off to once per 5 minutes.
                self._samples = (samples + self._samples)[-self.max_batch * 4:]
                self._events = (events + self._events)[-self.max_batch:]
                self._dirty = {id(s): s for s in sessions} | self._dirty
                self._write_failures += 1
                # The exponent is capped: a disk full for days reaches 2**1024, which no
                # float holds, and the OverflowError ended the recorder.
                self._hold_until = self._monotonic() + min(
                    300.0, self.flush_every_s * 2.0 ** min(self._write_failures - 1, 16))
            return
        with self._mutex:
            self._write_failures = 0
            self._hold_until = -math.inf
            for s in sessions:
                s.id = ids.get(id(s), s.id)
            self._handover = False
            self.last_error = None
            self.flushes += 1

    def unwritten(self) -> str | None:
        """What is still only in memory, in words (None when nothing is)."""
        with self._mutex:
            samples = len(self._samples) + sum(1 for b in self._buckets.values() if b.n)
            events, sessions = len(self._events), len(self._dirty)
        if not (samples or events or sessions):
            return None
        return (f"{samples} sample(s), {events} event(s) and {sessions} session update(s) "
                f"could not be written" + (f": {self.last_error}" if self.last_error else ""))

    def close(self) -> str | None:
        """Flush everything and release the lock (the other side takes over). Returns what
        could not be written, in words, when this process was the writer and the last write
        failed (None otherwise: a reader's buffer is the writer's business)."""
        with self._mutex:
            lost = None
            if self.is_writer:
                for tracker in self._trackers.values():
                    if tracker.current is not None:
                        self._dirty[id(tracker.current)] = tracker.current
                self.flush(final=True)
                lost = self.unwritten()
            elif self.priority:
                lost = self.unwritten()
            if self.lock is not None:
                self.lock.close()
            self.is_writer = False
            return lost

    def _prune(self) -> None:
        try:
            self.store.prune(self._wall(), self.retention_days)
        except StoreError as error:
            self.last_error = str(error)

    def _trim(self) -> None:
        """A reader keeps only what a handover could need: the last ``keep_s`` seconds."""
        with self._mutex:
            newest = max((b.t for b in self._buckets.values()), default=None)
            if newest is None:
                return
            cutoff = newest - self.keep_s
            if self._samples and self._samples[0].t < cutoff:
                self._samples = [s for s in self._samples if s.t >= cutoff]
            if self._events and self._events[0].at < cutoff:
                self._events = [e for e in self._events if e.at >= cutoff]
            if len(self._dirty) > 64:
                keep = sorted(self._dirty.values(), key=lambda s: s.last_seen)[-64:]
                self._dirty = {id(s): s for s in keep}

    def _describe(self) -> str:
        where = str(self.store.path)
        if self.lock is None:
            return f"history read-only: {where}"
        if self.is_writer:
            return f"recording to {where}"
        if self.lock.error:
            return f"history not recorded: {self.lock.error}"
        holder = self.lock.holder()
        who = f"`twc-tui record` (pid {holder})" if self.lock.claimed() else (
            f"another monitor (pid {holder})" if holder else "another process")
        return f"history recorded by {who}; reading {where}"


def default_db_path(db_path: str | None = None) -> Path:
    """The configured path, or ``history.db`` in the user state dir."""
    if db_path:
        return Path(db_path).expanduser()
    from twc_tui.core.config import default_state_dir

    return default_state_dir() / "history.db"


