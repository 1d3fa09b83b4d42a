"""The heap thresholds a long-running hub sets (their effect is measured in bench/, hubday)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from twc_tui.core import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_thresholds_are_set_unless_the_user_set_their_own() -> None:
    code = "from twc_tui.core.allocator import keep_heap_flat; print(keep_heap_flat())"
    mine = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert mine.stdout.strip() == "True"
    theirs = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={"MALLOC_MMAP_THRESHOLD_": "1048576",
                                             "PATH": "/usr/bin:/bin"})
    assert theirs.stdout.strip() == "False"


def test_no_glibc_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*_: object) -> None:
        raise OSError("no libc here")

    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.setattr(allocator.ctypes, "CDLL", missing)
    assert allocator.keep_heap_flat() is False
