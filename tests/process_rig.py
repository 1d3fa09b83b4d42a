"""``twc-tui ARGS`` in a process of its own, for tests that run a command as a user does:
threads keep reading its stdout and stderr (a chatty journal never blocks it on a pipe), and
its lines can be waited for or looked up."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO

from tests.pty_harness import ROOT

TWC = [sys.executable, "-m", "twc_tui"]


class TwcProcess:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.args = args
        self.out: list[str] = []
        self.err: list[str] = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen([*TWC, *args], cwd=ROOT, env=env, text=True,
                                     errors="replace", stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._threads = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                         for stream, into in ((self.proc.stdout, self.out),
                                              (self.proc.stderr, self.err))]
        for thread in self._threads:
            thread.start()

    def _read(self, stream: IO[str], into: list[str]) -> None:
        for line in stream:
            with self._cond:
                into.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def stderr(self) -> str:
        with self._cond:
            return "\n".join(self.err)

    def text(self) -> str:
        with self._cond:
            return "\n".join([*self.out, *self.err])

    def _ended(self) -> bool:
        return self.proc.poll() is not None and not any(t.is_alive() for t in self._threads)

    def found(self, pattern: str) -> str:
        """The first group of the first stdout line matching ``pattern``; KeyError if none
        yet, AssertionError if the process has ended without it."""
        with self._cond:
            for line in self.out:
                if m := re.search(pattern, line):
                    return m.group(1)
        if self.proc.poll() is not None:
            raise AssertionError(f"twc-tui {self.args[0]} ended ({self.proc.returncode}): "
                                 f"{self.text()}")
        raise KeyError(pattern)

    def wait_line(self, pattern: re.Pattern[str], timeout: float = 30.0) -> re.Match[str]:
        """The first stdout line matching ``pattern``; fails after ``timeout`` seconds or
        when the process ends without printing it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.out:
                    if match := pattern.search(line):
                        return match
                left = deadline - time.monotonic()
                if left <= 0 or self._ended():
                    raise AssertionError(f"no line like {pattern.pattern!r} within "
                                         f"{timeout:.0f} s: {self.out!r} {self.err!r}")
                self._cond.wait(min(left, 0.2))

    def stop(self) -> int:
        """SIGTERM, as systemd stops a service; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for thread in self._threads:
            thread.join(5)
        return self.proc.returncode


@contextlib.contextmanager
def running(args: list[str], env: dict[str, str]) -> Iterator[TwcProcess]:
    process = TwcProcess(args, env)
    try:
        yield process
    finally:
        process.stop()
