"""Who writes the history database: one process at a time, the ``record`` service first.

Two ``flock`` files beside the database:

- ``<db>.writer`` is held (exclusively) by the process that writes;
- ``<db>.claim`` is held for its whole life by a ``record`` service (priority). A monitor that
  writes gives the writer lock up when it sees the claim; a monitor that reads takes the writer
  lock only while nobody claims it.

``flock`` locks belong to an open file, so two recorders in one process exclude each other as
two processes do, and the kernel drops them when a process dies, even by SIGKILL: a crash
never leaves a stale lock behind. The files hold the holder's pid, for messages only.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class WriterLock:
    """The writer lock, and the claim when ``priority`` is set."""

    def __init__(self, db_path: Path, priority: bool = False) -> None:
        self.priority = priority
        self.writer_path = db_path.with_name(db_path.name + ".writer")
        self.claim_path = db_path.with_name(db_path.name + ".claim")
        self.error: str | None = None
        """Why we can never write (e.g. a read-only directory), else None."""
        self.held = False
        self._writer: IO[str] | None = None
        self._claim: IO[str] | None = None
        try:
            self._writer = open(self.writer_path, "a+")  # held for our lifetime
            self._claim = open(self.claim_path, "a+")
        except OSError as error:
            self.error = f"cannot create a lock beside the database ({error.strerror or error})"
            return
        if priority and not _try(self._claim, fcntl.LOCK_EX):
            pid = _read(self._claim)
            self.close()
            self.error = f"another `twc-tui record` (pid {pid or '?'}) records to this database"
        elif priority:
            _write_pid(self._claim)

    def claimed(self) -> bool:
        """A ``record`` service (not us) claims the writer role."""
        if self._claim is None or self.priority:
            return False
        if _try(self._claim, fcntl.LOCK_SH):
            fcntl.flock(self._claim, fcntl.LOCK_UN)
            return False
        return True

    def try_acquire(self) -> bool:
        """Become the writer if nobody writes (and, without priority, nobody claims)."""
        if self.held:
            return True
        if self._writer is None or self.error or self.claimed():
            return False
        if not _try(self._writer, fcntl.LOCK_EX):
            return False
        _write_pid(self._writer)
        self.held = True
        return True

    def should_yield(self) -> bool:
        """A monitor that writes must hand over to a ``record`` service that started."""
        return self.held and not self.priority and self.claimed()

    def holder(self) -> int | None:
        """The pid that last took the writer lock (for messages)."""
        return None if self._writer is None else _read(self._writer)

    def release(self) -> None:
        if self._writer is not None and self.held:
            fcntl.flock(self._writer, fcntl.LOCK_UN)
        self.held = False

    def close(self) -> None:
        self.release()
        for f in (self._writer, self._claim):
            if f is not None:
                f.close()  # closing drops any flock we hold on it
        self._writer = self._claim = None


def _try(f: IO[str], mode: int) -> bool:
    try:
        fcntl.flock(f, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write_pid(f: IO[str]) -> None:
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()


def _read(f: IO[str]) -> int | None:
    f.seek(0)
    text = f.read(20).strip()
    return int(text) if text.isdigit() else None
