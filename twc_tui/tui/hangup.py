"""Leave when the terminal goes away or we are told to: an SSH link that drops, or a SIGTERM,
must not leave a process spinning or a terminal in the alternate screen.

Textual installs no SIGHUP or SIGTERM handler, and when SIGHUP is ignored (``nohup``) Textual
8.2.8 spins at over 100 % CPU on a dead tty (field-tested; textual-notes §4.5). So: handlers
for both signals plus a tty check every 2 s, as dolphie does.

The handlers are ``signal.signal`` ones, not the event loop's: Python runs them between two
bytecodes of whatever the main thread is doing, so they fire even while the loop is stuck in
a long computation, where a loop handler would wait for it. The tty check runs in a thread of
its own for the same reason. Each arms a hard exit on a timer thread before asking the app to
exit, so a shutdown that cannot finish still ends the process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

from textual.app import App

HARD_EXIT_S = 2.0
"""How long an orderly exit may take after the terminal went away."""
TERM_EXIT_S = 5.0
"""After SIGTERM the terminal is still there: time to restore it and flush the history."""
TTY_CHECK_S = 2.0
EXIT_HANGUP = 129
EXIT_TERM = 143


class HangupGuard:
    """Watches one app's terminal; ``install`` once the app is running."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._tty: IO[str] | None = None
        self._hard_exit: threading.Timer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()

    def install(self) -> None:
        """Exit when the terminal goes away or on SIGTERM; repaint after SIGCONT.

        A hang-up also sends SIGCONT to a session leader (``ssh -t host twc-tui``), on which
        Textual restarts application mode on the dead tty; its shutdown can then deadlock
        on a full writer queue. So SIGCONT is passed on only while the tty is alive, and
        losing the tty arms a hard exit 2 s later, should the orderly one hang.
        """
        if self.app.is_headless:
            return  # tests: no terminal to lose
        self._loop = asyncio.get_running_loop()
        # The terminal to watch: stdin, or stdout if input is redirected; none, no watch.
        self._tty = next((s for s in (sys.__stdin__, sys.__stdout__)
                          if s is not None and s.isatty()), None)
        self._handle(signal.SIGHUP, lambda *_: self._check_tty(hung_up=True))
        self._handle(signal.SIGTERM, lambda *_: self._terminate())
        resume = signal.getsignal(signal.SIGCONT)
        if callable(resume):
            def on_sigcont(signum: int, frame: object) -> None:
                if self._alive():
                    resume(signum, frame)  # type: ignore[arg-type]
                    self._soon(self._repaint_soon)

            self._handle(signal.SIGCONT, on_sigcont)
        if self._tty is not None:
            threading.Thread(target=self._watch, name="tty-watch", daemon=True).start()

    def uninstall(self) -> None:
        """Stop the tty watch (the app is leaving anyway)."""
        self._stop.set()

    @staticmethod
    def _handle(signum: int, handler: Callable[[int, Any], None]) -> None:
        try:
            signal.signal(signum, handler)
        except (ValueError, OSError):  # not the main thread (tests)
            pass

    def _alive(self) -> bool:
        try:
            return self._tty is not None and self._tty.isatty()
        except (OSError, ValueError):
            return False

    def _watch(self) -> None:
        while not self._stop.wait(TTY_CHECK_S):
            if not self._alive():
                self._check_tty()
                return

    def _soon(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the app's loop, from a signal handler or another thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(callback)
        except RuntimeError:  # the loop closed between the check and the call
            pass

    def _arm(self, after_s: float, code: int) -> None:
        if self._hard_exit is None:
            self._hard_exit = threading.Timer(after_s, os._exit, args=(code,))
            self._hard_exit.daemon = True
            self._hard_exit.start()

    def _check_tty(self, hung_up: bool = False) -> None:
        if not hung_up and self._alive():
            return
        self._arm(HARD_EXIT_S, EXIT_HANGUP)
        self._soon(lambda: self.app.exit(1))

    def _terminate(self) -> None:
        """SIGTERM: leave as ``q`` does (terminal restored, history flushed), with the
        conventional status of a process ended by SIGTERM."""
        self._arm(TERM_EXIT_S, EXIT_TERM)
        self._soon(lambda: self.app.exit(EXIT_TERM))

    def _repaint_soon(self) -> None:
        # Textual re-enters application mode on SIGCONT onto a cleared alternate screen, but
        # its compositor still believes every cell is on the terminal: only what changes
        # next is drawn. A full frame, once the driver has settled, puts it all back. It is
        # drawn from the app's own message queue, where Textual's context is set.
        if self._loop is not None:
            self._loop.call_later(0.1, lambda: self.app.call_later(self._repaint))

    def _repaint(self) -> None:
        app = self.app
        try:
            screen = app.screen
            update = screen._compositor.render_update(
                full=True, screen_stack=app._background_screens)
            app._display(screen, update)
        except Exception:  # Textual internals moved: a layout refresh is the next best thing
            app.refresh(repaint=True, layout=True)
