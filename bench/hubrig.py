"""The hub as the bench runs it: ``twc-tui serve`` as a process, a Prometheus-like scraper of
its /metrics, and a real Mosquitto with a subscriber counting what the hub publishes.

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import harness
from launch import term_env, twc_argv

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)


class Hub:
    """``twc-tui serve`` on a free loopback port, its output read by a thread."""

    def __init__(self, targets: list[str], home: Path, *, mqtt: str | None = None,
                 extra: tuple[str, ...] = ()) -> None:
        self.port = harness.free_port()
        args = ["serve", "--listen", f"127.0.0.1:{self.port}", "--db",
                str(home / "hub.db"), *extra]
        if mqtt:
            args += ["--mqtt", mqtt]
        self.env = term_env(home)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(twc_argv(*args, *targets), env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.ready_at: float | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            del self.lines[:-200]
            if self.ready_at is None and line.startswith("serve: hub at"):
                self.ready_at = time.monotonic()

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.ready_at is None and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        if self.ready_at is None:
            raise RuntimeError("the hub did not start:\n" + "\n".join(self.lines[-20:]))

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(2)
        return self.proc.returncode


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def time_to_healthz(port: int, started: float, timeout: float = 10.0) -> float | None:
    """Seconds from ``started`` to the first answer of /healthz (any status), or None."""
    deadline = started + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            get(port, "/healthz", timeout=1.0)
            return time.monotonic() - started
        time.sleep(0.005)
    return None


class Scraper:
    """GET /metrics every ``every_s`` on one kept-alive connection, as Prometheus does; the
    time of each scrape is from sending the request to the last byte of the body."""

    def __init__(self, port: int, every_s: float) -> None:
        self.port, self.every_s = port, every_s
        self.times_ms: list[float] = []
        self.sizes: list[int] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scraper", daemon=True)

    def start(self) -> Scraper:
        self._thread.start()
        return self

    def reset(self) -> None:
        self.times_ms.clear()
        self.sizes.clear()

    def _run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        next_at = time.monotonic()
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            next_at += self.every_s
            t0 = time.monotonic()
            try:
                conn.request("GET", "/metrics")
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(str(error) or type(error).__name__)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                continue
            self.times_ms.append((time.monotonic() - t0) * 1000)
            self.sizes.append(len(body))
            if response.status != 200:
                self.errors.append(f"HTTP {response.status}")
        conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)


class Broker:
    """A real Mosquitto on a free loopback port, and ``mosquitto_sub`` counting every message
    under the hub's topics (so the bench sees that publishing happens, not only that it is
    configured)."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.port = harness.free_port()
        conf = home / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\npersistence false\n"
                        f"user {pwd.getpwuid(os.getuid()).pw_name}\nallow_anonymous true\n"
                        f"log_dest file {home / 'mosquitto.log'}\n")
        assert MOSQUITTO is not None
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("mosquitto did not start") from None
                time.sleep(0.05)
        self.messages = 0
        sub = shutil.which("mosquitto_sub")
        self._sub = None if sub is None else subprocess.Popen(
            [sub, "-h", "127.0.0.1", "-p", str(self.port), "-t", "twc/#", "-t",
             "homeassistant/#"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._counter = threading.Thread(target=self._count, daemon=True)
        self._counter.start()

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _count(self) -> None:
        if self._sub is None or self._sub.stdout is None:
            return
        for _ in self._sub.stdout:
            self.messages += 1

    def stop(self) -> None:
        for proc in (self._sub if hasattr(self, "_sub") else None, self.proc):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
