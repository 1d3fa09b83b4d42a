"""A simulated day of the 50-charger hub, and where its memory goes.

Parent side: ``scenario_hubday(plan, home)`` runs this file as a child twice against a farm
of 50 chargers on the ``day`` script at the same speed: once plain (RSS over the day, and
the allocators' own figures at warm-up and at the end: CPython's ``sys._debugmallocstats``
and glibc's ``mallinfo2``), once under ``tracemalloc`` (the Python allocations that grew
between warm-up and the end, by line). /metrics is scraped every 5 real seconds.

Child side: the hub exactly as ``serve`` runs it (``commands.serve.serve`` with its own
Engine), on a ``ScaledClock``; it prints its port, samples itself, writes a JSON report.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def glibc_heap() -> dict[str, float]:
    """glibc's own figures (MB): heap from sbrk, in use, free inside it, mmapped blocks."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _Mallinfo2
        m = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    return {"arena_mb": m.arena / 2**20, "in_use_mb": m.uordblks / 2**20,
            "free_mb": m.fordblks / 2**20, "mmapped_mb": m.hblkhd / 2**20}


def pymalloc() -> dict[str, float]:
    """CPython's small-object allocator, from ``sys._debugmallocstats`` (it writes to the C
    stderr, so fd 2 is pointed at a file for the call)."""
    with tempfile.TemporaryFile() as f:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(f.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        f.seek(0)
        text = f.read().decode("utf-8", "replace")
    out: dict[str, float] = {}
    for key, pattern in (("arenas_allocated", r"# arenas allocated current\s*=\s*([\d,]+)"),
                         ("arenas_highwater", r"# arenas highwater mark\s*=\s*([\d,]+)"),
                         ("used_blocks_mb", r"# bytes in allocated blocks\s*=\s*([\d,]+)"),
                         ("free_blocks_mb", r"# bytes in available blocks\s*=\s*([\d,]+)"),
                         ("free_pools_mb", r"# bytes in \d+ unused pools\s*=\s*([\d,]+)"),
                         ("total_mb", r"^Total\s*=\s*([\d,]+)")):
        m = re.search(pattern, text, re.M)
        if m:
            value = int(m.group(1).replace(",", ""))
            out[key] = value / 2**20 if key.endswith("_mb") else value
    return out


async def _child(args: dict[str, Any]) -> None:
    sys.path.insert(0, str(HERE.parent))
    from twc_tui.commands.serve import serve
    from twc_tui.core.clock import ScaledClock
    from twc_tui.core.config import load_settings
    from twc_tui.core.targets import resolve_chargers
    from twc_tui.engine.engine import Engine

    settings = load_settings(None)
    chargers = resolve_chargers(settings, args["targets"])
    clock = ScaledClock(args["scale"])
    engine = Engine(chargers, settings, clock=clock, history=True, db=Path(args["db"]),
                    priority=True)
    stop = asyncio.Event()
    port = args["port"]
    task = asyncio.create_task(serve(chargers, settings, Path(args["db"]),
                                     listen=("127.0.0.1", port), engine=engine, stop=stop,
                                     out=open(os.devnull, "w"),
                                     hub_file=Path(args["db"]).with_suffix(".hub.json"),
                                     freeze=True))  # as `serve`'s main() runs it
    trace = args["trace"]
    if trace:
        import tracemalloc

        tracemalloc.start(args["frames"])
    real_s = args["hours"] * 3600 / args["scale"]
    await asyncio.sleep(args["warmup"])
    report: dict[str, Any] = {"samples": [], "start": _figures(trace)}
    first = tracemalloc.take_snapshot() if trace else None
    print(json.dumps({"ready": True}), flush=True)
    t0 = time.monotonic()
    while time.monotonic() - t0 < real_s:
        report["samples"].append((clock.monotonic() / 3600, rss_mb()))
        await asyncio.sleep(min(5.0, max(0.05, t0 + real_s - time.monotonic())))
    report["samples"].append((clock.monotonic() / 3600, rss_mb()))
    report["end"] = _figures(trace)
    if first is not None:
        last = tracemalloc.take_snapshot()
        stats = last.compare_to(first, "traceback" if args["frames"] > 1 else "lineno")
        report["growth"] = [(str(s.traceback).replace(str(HERE.parent) + "/", ""),
                             s.size_diff / 1024, s.count_diff) for s in stats[:25]]
        report["traced_total_mb"] = (sum(s.size for s in last.statistics("filename"))
                                     / 2**20)
    stop.set()
    await task
    Path(args["out"]).write_text(json.dumps(report))


def census() -> dict[str, int]:
    """Live objects the collector tracks, by type: what grew, when blocks in use grow."""
    import gc
    from collections import Counter

    return dict(Counter(type(o).__name__ for o in gc.get_objects()).most_common(60))


def _figures(trace: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"rss_mb": rss_mb(), "pymalloc": pymalloc(), "glibc": glibc_heap(),
                           "types": census()}
    if trace:
        import tracemalloc

        out["tracemalloc_self_mb"] = tracemalloc.get_tracemalloc_memory() / 2**20
        out["traced_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
    return out


# --- parent side --------------------------------------------------------------------------
def run_day(farm_targets: list[str], home: Path, *, scale: float, hours: float, warmup: float,
            trace: bool, frames: int = 1) -> dict[str, Any]:
    import harness
    from hubrig import Scraper
    from launch import term_env

    home.mkdir(parents=True, exist_ok=True)
    out = home / "day.json"
    args = {"targets": farm_targets, "scale": scale, "hours": hours, "warmup": warmup,
            "trace": trace, "frames": frames, "db": str(home / "hub.db"), "out": str(out),
            "port": harness.free_port()}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), json.dumps(args)],
                            env=term_env(home), stdout=subprocess.PIPE, text=True)
    scraper = None
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # ready: past the warm-up
        scraper = Scraper(args["port"], 5.0).start()
        c0, t0 = harness.cpu_seconds(proc.pid), time.monotonic()
        c1 = c0
        while proc.poll() is None:
            with contextlib.suppress(OSError):
                c1 = harness.cpu_seconds(proc.pid)
            time.sleep(0.5)
        span = time.monotonic() - t0
    finally:
        if scraper:
            scraper.stop()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    report = json.loads(out.read_text())
    report.update(cpu_pct=(c1 - c0) / span * 100, real_s=span, exit=proc.returncode,
                  scrapes=len(scraper.times_ms) if scraper else 0)
    return report


def scenario_hubday(plan: Any, home: Path) -> dict[str, Any]:
    from farm import FarmProcess, Spec

    scale, hours = plan.hub_day_scale, plan.hub_day_hours
    specs = [Spec(f"D{i + 1:02d}", "na" if i % 2 == 0 else "eu", "day",
                  start_at_s=(i * 1800.0) % 86400, seed=i, speed=scale) for i in range(50)]
    with FarmProcess(specs) as farm:
        t0 = time.monotonic()
        plain = run_day(farm.targets(), home / "plain", scale=scale, hours=hours,
                        warmup=max(plan.warmup, 10.0), trace=False)
        t1 = time.monotonic()
        polls = sum(1 for rows in farm.records().values() for r in rows
                    if r.path == "/api/1/vitals" and t0 <= r.started <= t1)
        traced = run_day(farm.targets(), home / "traced", scale=scale,
                         hours=min(hours, plan.hub_day_trace_hours), warmup=max(plan.warmup, 10.0),
                         trace=True)
    samples = plain["samples"]
    return {"scale": scale, "hours": hours, "plain": plain, "traced": traced,
            "vitals_polls": polls, "rss_start_mb": samples[0][1], "rss_end_mb": samples[-1][1],
            "rss_growth_mb": samples[-1][1] - samples[0][1]}


if __name__ == "__main__":
    asyncio.run(_child(json.loads(sys.argv[1])))
