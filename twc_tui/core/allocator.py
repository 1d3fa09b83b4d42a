"""Keeping a long-running process's C heap from creeping up.

glibc serves a large allocation (a /metrics body of 100-600 KB, an HTTP buffer, a JSON body)
from mmap at first, but each time one is freed it raises its threshold to that size, and from
then on such blocks come from the heap, where they leave holes the heap never gives back. In
24 simulated hours of a 50-charger hub that was +5 MB of free-but-kept heap, most of its RSS
growth (bench/RESULTS.md, hubday). A fixed threshold keeps large blocks in mmap, returned to
the system when freed: the heap's free space stayed flat.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 * 1024
TRIM_THRESHOLD = 128 * 1024

log = logging.getLogger("twc_tui.allocator")


def keep_heap_flat() -> bool:
    """Fix glibc's mmap and trim thresholds (Linux with glibc only; a threshold the user set
    with ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` is left alone). True when
    they were set."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt, nothing to tune
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        ok = bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and ok
    if not ok:
        log.info("mallopt refused the heap thresholds; memory may creep up over days")
    return ok
