"""The SSH link drops: the monitor must end within 3 s, and never spin on a dead terminal.

``twc-tui HOST`` runs in a pseudo-terminal that is its controlling terminal, against a
simulator in another process. Closing the master is what sshd does when the link drops: the
kernel sends SIGHUP and the tty reads return EOF/EIO. Textual 8.2.8 installs no SIGHUP handler,
and with SIGHUP ignored (nohup) it spins at over 100 % CPU (textual-notes §4.5); the app's
guard (a handler plus a tty watchdog) is what these tests hold in place.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pty_harness import CLK_TCK, PtyApp, base_env, pty_app, simulator

EXIT_WITHIN_S = 3.0


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    with simulator("--scenario", "charging", "--speed", "10") as address:
        yield address


def started(app: PtyApp) -> None:
    assert app.wait_output("kW", 15), app.text()[-2000:]


def cpu_while_exiting(app: PtyApp, within: float) -> tuple[bool, float]:
    """Wait up to ``within`` s for the exit; return (exited, CPU share over the last second
    it was seen alive: 1.0 is one core flat out)."""
    samples: list[tuple[float, int]] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ticks = app.cpu_ticks()
        if ticks is not None:
            samples.append((time.monotonic(), ticks))
        if not app.alive():
            break
        time.sleep(0.1)
    exited = not app.alive()
    recent = [s for s in samples if s[0] >= samples[-1][0] - 1.0] if samples else []
    if len(recent) < 2 or recent[-1][0] == recent[0][0]:
        return exited, 0.0
    (t0, c0), (t1, c1) = recent[0], recent[-1]
    return exited, (c1 - c0) / CLK_TCK / (t1 - t0)


def test_closing_the_terminal_ends_the_app(host: str, tmp_path: Path) -> None:
    with pty_app([host], base_env(tmp_path)) as app:
        started(app)
        app.hang_up()
        assert app.wait_exit(EXIT_WITHIN_S), "still running 3 s after the hang-up"


def test_with_sighup_ignored_it_still_ends_and_does_not_spin(host: str, tmp_path: Path) -> None:
    """As under nohup: no SIGHUP arrives, so only the tty watchdog can notice."""
    with pty_app([host], base_env(tmp_path), ignore_hup=True) as app:
        started(app)
        time.sleep(0.5)
        app.hang_up()
        exited, cpu = cpu_while_exiting(app, EXIT_WITHIN_S)
        assert exited, f"still running 3 s after the hang-up, at {cpu:.0%} CPU"
        # Unguarded, Textual spins at ~110-130 % here; shutting down costs far less.
        assert cpu < 0.8, f"{cpu:.0%} CPU in its last second"


def test_sighup_to_a_live_app_ends_it(host: str, tmp_path: Path) -> None:
    with pty_app([host], base_env(tmp_path)) as app:
        started(app)
        app.kill(signal.SIGHUP)
        assert app.wait_exit(EXIT_WITHIN_S)
        text = app.text()
        assert "Traceback" not in text
        assert "\x1b[?1049l" in text  # the terminal was restored on the way out
