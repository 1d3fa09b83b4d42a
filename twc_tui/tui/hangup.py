"""Leave when the terminal goes away: an SSH link that drops must not leave a process spinning.

Textual installs no SIGHUP handler, and when SIGHUP is ignored (``nohup``) Textual 8.2.8
spins at over 100 % CPU on a dead tty (field-tested; textual-notes §4.5). So: a SIGHUP handler
plus a tty check every 2 s, as dolphie does.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from typing import IO

from textual.app import App


class HangupGuard:
    """Watches one app's terminal; ``install`` once the app is running."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._tty: IO[str] | None = None
        self._hard_exit: threading.Timer | None = None

    def install(self) -> None:
        """Exit when the terminal goes away. Textual installs no SIGHUP handler, and when
        SIGHUP is ignored (nohup) it spins at over 100 % CPU on a dead tty.

        A hang-up also sends SIGCONT to a session leader (``ssh -t host twc-tui``), on which
        Textual restarts application mode on the dead tty; its shutdown can then deadlock
        on a full writer queue. So SIGCONT is passed on only while the tty is alive, and
        losing the tty arms a hard exit 2 s later, should the orderly one hang.
        """
        if self.app.is_headless:
            return  # tests: no terminal to lose
        # The terminal to watch: stdin, or stdout if input is redirected; none, no watch.
        self._tty = next((s for s in (sys.__stdin__, sys.__stdout__)
                          if s is not None and s.isatty()), None)
        try:
            asyncio.get_running_loop().add_signal_handler(
                signal.SIGHUP, lambda: self._check_tty(hung_up=True))
        except (NotImplementedError, RuntimeError, ValueError):
            pass
        resume = signal.getsignal(signal.SIGCONT)
        if callable(resume):
            def on_sigcont(signum: int, frame: object) -> None:
                try:
                    alive = self._tty is not None and self._tty.isatty()
                except (OSError, ValueError):
                    alive = False
                if alive:
                    resume(signum, frame)  # type: ignore[arg-type]

            try:
                signal.signal(signal.SIGCONT, on_sigcont)
            except (ValueError, OSError):  # not the main thread (tests)
                pass
        if self._tty is not None:
            self.app.set_interval(2.0, self._check_tty)

    def _check_tty(self, hung_up: bool = False) -> None:
        stream = self._tty
        try:
            alive = not hung_up and stream is not None and stream.isatty()
        except (OSError, ValueError):
            alive = False
        if alive:
            return
        if self._hard_exit is None:
            self._hard_exit = threading.Timer(2.0, os._exit, args=(129,))
            self._hard_exit.daemon = True
            self._hard_exit.start()
        self.app.exit(1)
