"""Measuring tools for bench/run.py: a process in a real pty, /proc readings, and simulated
chargers served from a thread of the bench's own process (so their request logs are readable
and their CPU is never counted against the program being measured).

Linux only: everything is read from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import itertools
import math
import os
import pty
import re
import select
import signal
import socket
import statistics
import struct
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm

CLK_TCK = os.sysconf("SC_CLK_TCK")

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/APC/PM (ESC P|_|^ ... ST), and
# two-character escapes. Stripped so a marker split by colour changes still matches.
_ANSI = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b[P_^][^\x1b]*\x1b\\"
    rb"|\x1b[@-Z\\-~]"
)

LIVE_KW = re.compile(rb"\d\.\d\d kW(?!h)")
"""A power figure ("7.68 kW"): the app prints one only once a vitals answer arrived
("kWh" lifetime and session rows are excluded; before data the value is a dash)."""


def strip_ansi(data: bytes) -> bytes:
    return _ANSI.sub(b"", data)


# --- /proc --------------------------------------------------------------------------------
def cpu_seconds(pid: int, children: bool = False) -> float:
    """utime+stime of ``pid`` (all its threads); with ``children``, plus cutime+cstime: the
    CPU of every descendant it has already waited for (watch → sh → curl, jq)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    fields = data[data.rindex(b")") + 2:].split()
    ticks = int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def status_kb(pid: int, key: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def system_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    total = sum(parts[:8])  # without guest time, which is already in user
    return (total - idle) / CLK_TCK, total / CLK_TCK


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def free_port() -> int:
    """A loopback port with nothing listening (the kernel just handed it out and it is closed
    again), for a charger that is dead."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a process in a pty -------------------------------------------------------------------
class PtyProcess:
    """``argv`` running in a new pty of ``cols`` x ``rows`` as its controlling terminal.

    A thread reads everything the process writes, counts the bytes and notes when ``marker``
    first shows up in the output with escape sequences removed.
    """

    def __init__(self, argv: Sequence[str], env: dict[str, str], *, cols: int = 160,
                 rows: int = 50, marker: re.Pattern[bytes] | None = None) -> None:
        self.marker = marker
        self.marker_at: float | None = None
        self.on_chunk: Callable[[bytes, float], None] | None = None
        """Called from the reader thread with each chunk read and when (see keys.py)."""
        self.bytes = 0
        self.tail = bytearray()
        self._head = bytearray()
        self._lock = threading.Lock()
        winsize = struct.pack("HHHH", rows, cols, 0, 0)
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal before anything reads it, then exec
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, winsize)
                os.execve(argv[0], list(argv), env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.returncode: int | None = None
        self._reader = threading.Thread(target=self._read, name=f"pty-{pid}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.5)
                if not ready:
                    if self.returncode is not None:
                        return
                    continue
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the child is gone and the pty closed
                return
            if not chunk:
                return
            now = time.monotonic()
            with self._lock:
                self.bytes += len(chunk)
                self.tail += chunk
                del self.tail[:-32768]
            if self.on_chunk is not None:
                self.on_chunk(chunk, now)
            if self.marker is not None and self.marker_at is None:
                self._head += chunk
                if self.marker.search(strip_ansi(bytes(self._head))):
                    self.marker_at = now
                    self._head.clear()

    def wait_marker(self, timeout: float) -> float | None:
        """Seconds from exec to the first output holding the marker; None on timeout."""
        deadline = time.monotonic() + timeout
        while self.marker_at is None and time.monotonic() < deadline and self.alive():
            time.sleep(0.01)
        return None if self.marker_at is None else self.marker_at - self.started

    def byte_count(self) -> int:
        with self._lock:
            return self.bytes

    def screen_text(self) -> str:
        """The last output without escapes, for error messages."""
        with self._lock:
            raw = bytes(self.tail)
        return strip_ansi(raw).decode("utf-8", "replace")[-2000:]

    def send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, data)

    def alive(self) -> bool:
        if self.returncode is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return True
        self.returncode = os.waitstatus_to_exitcode(status)
        return False

    def stop(self, keys: bytes | None = b"q", grace: float = 3.0) -> int | None:
        """Ask politely (keys), then SIGTERM, then SIGKILL the process group we created."""
        steps: list[Callable[[], None]] = []
        if keys:
            steps.append(lambda: self.send(keys))
        steps.append(lambda: self._signal(signal.SIGTERM))
        steps.append(lambda: self._signal(signal.SIGKILL))
        for step in steps:
            if not self.alive():
                break
            step()
            deadline = time.monotonic() + grace
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.02)
        self._reader.join(2)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        return self.returncode

    def _signal(self, sig: int) -> None:
        # The child is a session (and process group) leader: pty.fork() called setsid().
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)


# --- simulators in a thread ---------------------------------------------------------------
class SimThread:
    """Simulated chargers on loopback, served by an event loop in a thread of this process."""

    def __init__(self, chargers: list[SimulatedCharger]) -> None:
        self.chargers = chargers
        self.farm = SimulatorFarm(chargers)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="simulators",
                                        daemon=True)

    def __enter__(self) -> SimThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.farm.start(), self.loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.farm.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def targets(self) -> list[str]:
        return [f"127.0.0.1:{c.port}={c.name}" for c in self.chargers]


# --- poll lateness ------------------------------------------------------------------------
@dataclass(frozen=True)
class Lateness:
    """Gaps between one charger's consecutive vitals requests, minus the expected cadence."""

    charger: str
    polls: int
    p50_ms: float
    p99_ms: float
    max_ms: float


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    k = (len(ordered) - 1) * q / 100.0
    lo = math.floor(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def lateness(sim: SimulatedCharger, cadence_s: float, start: float, end: float) -> Lateness:
    """Lateness of ``sim``'s vitals requests that arrived within [start, end] (monotonic)."""
    return lateness_of(sim.name, list(sim.log), cadence_s, start, end)


def lateness_of(name: str, records: Sequence[Any], cadence_s: float, start: float,
                end: float) -> Lateness:
    """The same from any request log whose records have ``path`` and ``started``."""
    arrivals = [r.started for r in records
                if r.path == "/api/1/vitals" and start <= r.started <= end]
    late = [(b - a - cadence_s) * 1000.0 for a, b in itertools.pairwise(arrivals)]
    return Lateness(name, len(arrivals), percentile(late, 50), percentile(late, 99),
                    max(late) if late else math.nan)


def gaps_ms(records: Sequence[Any], cadence_s: float, start: float, end: float) -> list[float]:
    """Every vitals gap minus the cadence in [start, end], for a p99 over many chargers."""
    arrivals = [r.started for r in records
                if r.path == "/api/1/vitals" and start <= r.started <= end]
    return [(b - a - cadence_s) * 1000.0 for a, b in itertools.pairwise(arrivals)]


def polite(records: Sequence[Any], max_in_flight: int = 1) -> str:
    """'' when one charger's log shows one polite poller (GET, the four paths, one request in
    flight as the simulator counted them, each path at most once a second), else what broke
    first."""
    if max_in_flight > 1:
        return f"{max_in_flight} requests in flight at once"
    four = {"/api/1/vitals", "/api/1/lifetime", "/api/1/wifi_status", "/api/1/version"}
    last: dict[str, float] = {}
    for r in sorted(records, key=lambda r: r.started):
        if r.method != "GET" or r.path not in four:
            return f"{r.method} {r.path}"
        if r.started - last.get(r.path, -math.inf) < 1.0 - 1e-3:
            return f"{r.path} twice within a second"
        last[r.path] = r.started
    return ""


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan
