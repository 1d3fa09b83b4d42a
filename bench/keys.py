"""Key-press latency in a pty: send keys, then time until the output holds what they change.

The time runs from just before the write to the pty to the read that completed the expected
text (escape sequences removed), so it is what a user at that terminal would wait.
"""

from __future__ import annotations

import re
import threading
import time

from harness import PtyProcess, strip_ansi


def answer_time(proc: PtyProcess, keys: bytes, expect: re.Pattern[bytes],
                timeout: float = 5.0) -> float | None:
    """Seconds from sending ``keys`` to the first output after them that holds ``expect``;
    None when it does not come within ``timeout``."""
    seen = bytearray()
    done = threading.Event()
    at: list[float] = []

    def chunk(data: bytes, now: float) -> None:
        if done.is_set():
            return
        seen.extend(data)
        if expect.search(strip_ansi(bytes(seen))):
            at.append(now)
            done.set()

    proc.on_chunk = chunk
    t0 = time.monotonic()
    proc.send(keys)
    try:
        done.wait(timeout)
    finally:
        proc.on_chunk = None
    return at[0] - t0 if at else None
