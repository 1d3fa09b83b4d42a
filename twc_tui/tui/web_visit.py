"""A monitor in a browser tab (``twc-tui web``): leave when textual-serve goes away.

Under Textual's web driver stdin is a pipe from textual-serve. A closed tab is told to quit
through that pipe; but if textual-serve itself dies, only the pipe says so: its writer is
gone. Textual's input thread then stops reading and the app would stay, reading the hub for
nobody, for ever. So a thread waits for the hang-up on stdin (``poll`` with no events asked
for reports only hang-ups and errors, so it never takes input from Textual) and asks the app
to leave, with a hard exit armed in case the orderly one cannot finish.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the monitor command asks under_web_driver before loading Textual
    from textual.app import App

log = logging.getLogger("twc_tui.tui.web_visit")

HARD_EXIT_S = 2.0
EXIT_HANGUP = 129
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def under_web_driver() -> bool:
    """Whether Textual will draw through textual-serve (it picks the driver from this)."""
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")


def watch_stdin(app: App, fd: int | None = None) -> threading.Thread:
    """Start the watch on ``fd`` (stdin by default) for ``app``'s lifetime; call it on the
    app's loop (``on_mount``)."""
    fd = sys.__stdin__.fileno() if fd is None else fd
    loop = asyncio.get_running_loop()
    poller = select.poll()
    poller.register(fd, 0)

    def leave() -> None:
        log.info("textual-serve went away (stdin closed): leaving")
        timer = threading.Timer(HARD_EXIT_S, os._exit, args=(EXIT_HANGUP,))
        timer.daemon = True
        timer.start()
        if not loop.is_closed():
            try:
                loop.call_soon_threadsafe(app.exit, EXIT_HANGUP)
            except RuntimeError:  # closed between the check and the call: leaving anyway
                pass

    def watch() -> None:
        while True:
            try:
                events = poller.poll(1000)
            except InterruptedError:
                continue
            if any(flags & _GONE for _, flags in events):
                leave()
                return

    thread = threading.Thread(target=watch, name="web-stdin-watch", daemon=True)
    thread.start()
    return thread
