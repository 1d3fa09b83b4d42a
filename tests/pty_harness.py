"""Run ``twc-tui`` as a user does: in a pseudo-terminal, against a simulator in its own process.

The pty is the child's controlling terminal (``pty.fork``), so closing the master is a real
hang-up (the kernel sends SIGHUP) and TIOCSWINSZ is a real resize (SIGWINCH). A reader thread
drains the master so the app never blocks on a full pty buffer.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def base_env(tmp: Path, **extra: str) -> dict[str, str]:
    """A clean environment: UTF-8 locale, 256 colours, config and state under ``tmp``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "COLORTERM", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING",
                        "PYTHONUTF8", "TEXTUAL_COLOR_SYSTEM", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", XDG_CONFIG_HOME=str(tmp / "config"),
               XDG_STATE_HOME=str(tmp / "state"), PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


class PtyApp:
    """``python -m twc_tui ARGS`` on a fresh pty of ``cols`` x ``rows``."""

    def __init__(self, args: list[str], env: Mapping[str, str], *, cols: int = 120,
                 rows: int = 40, ignore_hup: bool = False) -> None:
        self.output = bytearray()
        self._lock = threading.Lock()
        self.status: int | None = None
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is already its controlling terminal
            try:
                if ignore_hup:  # as under nohup: an ignored signal stays ignored across exec
                    signal.signal(signal.SIGHUP, signal.SIG_IGN)
                os.chdir(ROOT)
                os.execve(sys.executable, [sys.executable, "-m", "twc_tui", *args], dict(env))
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.resize(cols, rows)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO once the child side is gone, EBADF once we closed it
                return
            if not chunk:
                return
            with self._lock:
                self.output += chunk

    # -- what it wrote ------------------------------------------------------------------
    def text(self, since: int = 0) -> str:
        with self._lock:
            return bytes(self.output[since:]).decode("utf-8", errors="replace")

    def mark(self) -> int:
        with self._lock:
            return len(self.output)

    def wait_output(self, needle: str, timeout: float = 15.0, since: int = 0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text(since):
                return True
            if not self.alive():
                return needle in self.text(since)
            time.sleep(0.05)
        return False

    def wait_quiet(self, quiet_s: float = 0.4, timeout: float = 15.0) -> bool:
        """Wait until the app has written nothing for ``quiet_s``: a frame is complete, so
        what comes after a mark is a response to what the test did next, not the tail of
        an earlier frame (which a loaded machine can delay past any fixed sleep)."""
        deadline = time.monotonic() + timeout
        last, since = self.mark(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.mark()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return True
        return False

    # -- driving it ---------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def resize(self, cols: int, rows: int) -> None:
        """Like a terminal window resizing: the kernel then sends SIGWINCH to the app."""
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def hang_up(self) -> None:
        """Close the master, as sshd does when the connection drops."""
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def kill(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    # -- its fate -----------------------------------------------------------------------
    def alive(self) -> bool:
        if self.status is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return True
        self.status = status
        return False

    def cpu_ticks(self) -> int | None:
        """User plus system CPU time so far, in clock ticks (None once reaped)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[11]) + int(fields[12])

    def wait_exit(self, timeout: float) -> bool:
        """True if the process ended within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                self._reader.join(1.0)
                return True
            time.sleep(0.02)
        return False

    @property
    def returncode(self) -> int | None:
        if self.status is None:
            return None
        return os.waitstatus_to_exitcode(self.status)

    def close(self) -> None:
        """Make sure nothing is left behind."""
        if self.alive():
            self.kill(signal.SIGKILL)
            self.wait_exit(5.0)
        self.hang_up()


@contextlib.contextmanager
def pty_app(args: list[str], env: Mapping[str, str], **kwargs: object) -> Iterator[PtyApp]:
    app = PtyApp(args, env, **kwargs)  # type: ignore[arg-type]
    try:
        yield app
    finally:
        app.close()


@contextlib.contextmanager
def simulator(*args: str, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """``twc-tui simulate --port 0 ARGS`` in its own process; yields ``127.0.0.1:PORT``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "twc_tui", "simulate", "--port", "0", *args], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=dict(env) if env is not None else {**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "http://127.0.0.1:PORT  name (...)"
        assert line.startswith("http://"), f"simulator did not start: {line!r}"
        yield line.split()[0].removeprefix("http://")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
