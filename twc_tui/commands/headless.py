"""Running the engine without a UI: the journal, signals and the exit code.

Shared by ``record`` and ``serve`` (and so by the systemd service), so both stop, flush and
report lost history the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TextIO

from twc_tui.core.allocator import keep_heap_flat
from twc_tui.core.garbage import freeze_startup
from twc_tui.core.text import safe_text
from twc_tui.engine.engine import Engine, Update

EXIT_USAGE = 2


async def run_headless(
    engine: Engine,
    command: str,
    *,
    stop: asyncio.Event | None = None,
    out: TextIO | None = None,
    started: Callable[[], Awaitable[None]] | None = None,
    freeze: bool = False,
) -> int:
    """Run ``engine`` without a UI until ``stop`` or SIGTERM/SIGINT: one journal line per
    event on ``out``. Shared by ``record`` and ``serve``. Exit 0 when all history was kept,
    1 when some could not be written, 2 when the database could not be used at all.
    ``freeze``: a process of its own (not a test) freezes what start-up made, once started
    (see :mod:`twc_tui.core.garbage`)."""
    out = out or sys.stdout
    clock = engine.clock
    # A daemon for months: large buffers go back to the system when freed (see allocator).
    keep_heap_flat()

    def say(line: str) -> None:
        try:
            print(f"{datetime.fromtimestamp(clock.time()).isoformat(timespec='seconds')} "
                  f"{safe_text(line, 400)}", file=out, flush=True)
        except (OSError, ValueError):  # stdout gone (a closed pipe): keep recording
            pass

    names = {c.id: c.label for c in engine.chargers}

    def on_update(update: Update) -> None:
        for entry in update.entries:
            say(f"{names.get(entry.charger, entry.charger)}: {entry.text}")

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    engine.listen(on_update)
    try:
        await engine.start()
        if engine.history and engine.recorder is None:
            print(f"twc-tui {command}: {engine.history_note}", file=sys.stderr)
            await engine.stop()
            return EXIT_USAGE
        where = engine.store.path if engine.store is not None else "nowhere (history off)"
        say(f"{command}: {len(engine.chargers)} charger(s), history in {where} "
            f"(pid {os.getpid()})")
        if started is not None:
            await started()
        if freeze:
            freeze_startup()
        status, error = "", None
        while not stop.is_set():
            recorder = engine.recorder
            line = engine.history_status
            if line != status:
                status = line
                say(status)
            last = recorder.last_error if recorder is not None else None
            if last != error:
                error = last
                say("writing again" if error is None else
                    f"cannot write yet, keeping the data in memory: {error}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
    finally:
        lost = await engine.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    if lost:
        say(f"stopped; history NOT fully kept: {lost}")
        return 1
    say("stopped; history flushed" if engine.history else "stopped")
    return 0
