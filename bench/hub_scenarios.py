"""Issue 17's hub scenarios: 50 chargers with everything attached (hub50), 300 chargers and
the fleet table (hub300), and how fast the hub and its clients start (hubstart).

The chargers run in a process of their own (farm.py) whose CPU is reported on its own line;
the hub is ``twc-tui serve`` as a user starts it; monitors run in ptys of 160x50.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import harness
import meter
from farm import FarmProcess, Spec
from harness import LIVE_KW, PtyProcess
from hubrig import MOSQUITTO, Broker, Hub, Scraper
from keys import answer_time
from launch import term_env, twc_argv

COLS, ROWS = 160, 50
SCRAPE_EVERY_S = 5.0


def _monitor(args: list[str], home: Path) -> PtyProcess:
    return PtyProcess(twc_argv(*args), term_env(home), cols=COLS, rows=ROWS, marker=LIVE_KW)


def _live(procs: list[PtyProcess], timeout: float = 20.0) -> list[float | None]:
    first = [p.wait_marker(timeout) for p in procs]
    for p in procs:
        if not p.alive():
            raise RuntimeError(f"a monitor exited ({p.returncode}):\n{p.screen_text()}")
    return first


def _lateness(farm: FarmProcess, cadence: dict[str, float], t0: float, t1: float
              ) -> dict[str, Any]:
    """Pooled vitals lateness of every charger in ``cadence`` (name to its cadence), the worst
    charger, and whether every charger saw one polite poller over the whole run."""
    records = farm.records()
    gaps: list[float] = []
    per = []
    for name, every in cadence.items():
        gaps += harness.gaps_ms(records[name], every, t0, t1)
        per.append(harness.lateness_of(name, records[name], every, t0, t1))
    rude = {name: why for name, rows in records.items()
            if (why := harness.polite(rows, farm.max_in_flight.get(name, 0)))}
    worst = max((x for x in per if x.polls > 1), key=lambda x: x.p99_ms, default=None)
    return {"gaps": len(gaps), "p50_ms": harness.percentile(gaps, 50),
            "p99_ms": harness.percentile(gaps, 99), "max_ms": max(gaps, default=float("nan")),
            "worst": worst, "impolite": rude}


# --- 50 chargers, everything attached -----------------------------------------------------
def scenario_hub50(plan: Any, home: Path) -> dict[str, Any]:
    specs = [Spec(f"H{i + 1:02d}", "na" if i % 2 == 0 else "eu", "charging",
                  start_at_s=i * 300.0, seed=i) for i in range(50)]
    out: dict[str, Any] = {}
    with FarmProcess(specs) as farm:
        # One monitor polling the 50 directly, for "two attached cost no more than one direct".
        direct = _monitor(farm.targets(), home / "direct")
        try:
            out["direct_first_s"] = _live([direct])[0]
            time.sleep(plan.warmup)
            b0 = direct.byte_count()
            use = meter.window({"monitor": direct.pid, "farm": farm.pid}, plan.seconds)
            out["direct"] = {"cpu_pct": use.pct["monitor"], "farm_pct": use.pct["farm"],
                             "bytes_per_s": (direct.byte_count() - b0) / use.seconds,
                             "rss_mb": use.rss_mb.get("monitor"), "others_pct": use.others_pct,
                             "load": use.load}
        finally:
            direct.stop(b"q")
        time.sleep(1.0)
        broker = Broker(home / "mqtt") if MOSQUITTO else None
        out["mqtt"] = (f"mosquitto at {broker.url}" if broker else
                       "not measured: mosquitto is not installed (apt-get install mosquitto)")
        hub = Hub(farm.targets(), home / "hub", mqtt=broker.url if broker else None)
        scraper = monitors = None
        try:
            hub.wait_ready()
            scraper = Scraper(hub.port, SCRAPE_EVERY_S).start()
            monitors = [_monitor(["--hub", hub.url], home / f"attached{k}") for k in range(2)]
            out["attached_first_s"] = _live(monitors)
            time.sleep(plan.warmup)
            scraper.reset()
            messages0 = broker.messages if broker else 0
            pids = {"hub": hub.pid, "farm": farm.pid, "monitor 1": monitors[0].pid,
                    "monitor 2": monitors[1].pid}
            if broker:
                pids["mosquitto"] = broker.proc.pid
            bytes0 = [m.byte_count() for m in monitors]
            use = meter.window(pids, max(plan.seconds, 2 * SCRAPE_EVERY_S + 1))
            out["hub"] = {"cpu": use.pct, "rss_mb": use.rss_mb, "others_pct": use.others_pct,
                          "load": use.load, "seconds": use.seconds,
                          "attached_bytes_per_s": [(m.byte_count() - b) / use.seconds
                                                   for m, b in zip(monitors, bytes0,
                                                                   strict=True)],
                          "mqtt_msgs_per_s": ((broker.messages - messages0) / use.seconds
                                              if broker else None)}
            out["scrapes"] = _scrapes(scraper)
            out["lateness"] = _lateness(farm, {s.name: 1.0 for s in specs}, use.t0, use.t1)
        finally:
            for m in monitors or []:
                m.stop(b"q")
            if scraper:
                scraper.stop()
            out["hub_exit"] = hub.stop()
            if broker:
                broker.stop()
    return out


def _scrapes(scraper: Scraper) -> dict[str, Any]:
    times = list(scraper.times_ms)
    return {"count": len(times), "p50_ms": harness.percentile(times, 50),
            "p99_ms": harness.percentile(times, 99), "max_ms": max(times, default=float("nan")),
            "bytes": max(scraper.sizes, default=0), "errors": scraper.errors[:3]}


# --- 300 chargers and the fleet table -----------------------------------------------------
CHARGING, IDLE, DEAD = 30, 267, 3


def scenario_hub300(plan: Any, home: Path) -> dict[str, Any]:
    specs = ([Spec(f"Q{i + 1:03d}", "na" if i % 2 == 0 else "eu", "charging",
                   start_at_s=i * 60.0, seed=i) for i in range(CHARGING)]
             + [Spec(f"N{i + 1:03d}", "na" if i % 2 == 0 else "eu", "idle", seed=i)
                for i in range(CHARGING, CHARGING + IDLE)])
    dead = [f"127.0.0.1:{harness.free_port()}=Dead{k + 1}" for k in range(DEAD)]
    total = len(specs) + len(dead)
    out: dict[str, Any] = {"chargers": total}
    with FarmProcess(specs) as farm:
        hub = Hub(farm.targets() + dead, home / "hub")
        scraper = fleet = None
        try:
            hub.wait_ready(60)
            scraper = Scraper(hub.port, SCRAPE_EVERY_S).start()
            # Past the first idle polls of all 297 and the dead ones' first failures.
            time.sleep(max(plan.warmup, 10.0))
            scraper.reset()
            use = meter.window({"hub": hub.pid, "farm": farm.pid},
                               max(plan.seconds, 2 * SCRAPE_EVERY_S + 1))
            out["hub"] = {"cpu": use.pct, "rss_mb": use.rss_mb, "others_pct": use.others_pct,
                          "load": use.load, "seconds": use.seconds}
            out["scrapes"] = _scrapes(scraper)
            cadence = {s.name: 1.0 if s.scenario == "charging" else 5.0 for s in specs}
            out["lateness"] = _lateness(farm, cadence, use.t0, use.t1)
            out["lateness_charging"] = _lateness(
                farm, {k: v for k, v in cadence.items() if v == 1.0}, use.t0, use.t1)
            fleet = _monitor(["--hub", hub.url], home / "fleet")
            out["fleet_first_s"] = _live([fleet])[0]
            time.sleep(plan.warmup)
            b0 = fleet.byte_count()
            use = meter.window({"fleet": fleet.pid, "hub": hub.pid, "farm": farm.pid},
                               plan.seconds)
            out["fleet"] = {"cpu_pct": use.pct["fleet"], "hub_pct": use.pct["hub"],
                            "bytes_per_s": (fleet.byte_count() - b0) / use.seconds,
                            "rss_mb": use.rss_mb.get("fleet"), "others_pct": use.others_pct,
                            "load": use.load}
            out["keys"] = fleet_keys(fleet, total, plan.key_presses)
        finally:
            if fleet:
                fleet.stop(b"q")
            if scraper:
                scraper.stop()
            out["hub_exit"] = hub.stop()
    return out


def _last_on_row(raw: bytes, row: int) -> str:
    """The text last written from the start of terminal row ``row`` (1-based) in ``raw``."""
    found = list(re.finditer(rb"\x1b\[%d;1H((?:(?!\x1b\[\d+;\d+H).)*)" % row, raw, re.S))
    if not found:
        return "(not written since)"
    return harness.strip_ansi(found[-1].group(1)).decode(errors="replace").strip()


def fleet_keys(fleet: PtyProcess, total: int, presses: int) -> dict[str, Any]:
    """``/`` then Q and backspace in turn (30 rows, then all): each until the totals line
    shows the new count; then ``o`` until the toast names the next sort column."""
    from twc_tui.tui.widgets.fleet_cells import COLUMNS

    filt: list[float | None] = []
    missed: list[str] = []

    def press(keys: bytes, expect: bytes) -> float | None:
        took = answer_time(fleet, keys, re.compile(expect))
        if took is None and not missed:  # what the screen showed instead, for the report
            with fleet._lock:
                raw = bytes(fleet.tail[-20000:])
            text = harness.strip_ansi(raw[-6000:])
            missed.append(f"{keys!r}: " + " ".join(text.decode(errors="replace").split())[-300:]
                          + f" | the totals row last read: {_last_on_row(raw, 2)!r}")
        return took

    opened = answer_time(fleet, b"/", re.compile(rb"name, state or host"), 5.0)
    if opened is None:
        missed.append("'/' did not show the filter field within 5 s")
    time.sleep(0.3)
    for _ in range(presses):
        filt.append(press(b"Q", rf"{CHARGING} of {total} shown".encode()))
        time.sleep(0.3)
        filt.append(press(b"\x7f", rf"   {total} chargers".encode()))
        time.sleep(0.3)
    fleet.send(b"\r")  # keep the (empty) filter: back to the table
    time.sleep(1.0)
    sort: list[float | None] = []
    titles = [c.title.lower() for c in COLUMNS]
    for k in range(2 * presses):
        title = titles[(k + 1) % len(titles)]
        sort.append(press(b"o", rf"Sorted by {title}".encode()))
        time.sleep(0.4)

    def summary(times: list[float | None]) -> dict[str, Any]:
        got = [t * 1000 for t in times if t is not None]
        return {"presses": len(times), "answered": len(got),
                "p50_ms": harness.percentile(got, 50), "p99_ms": harness.percentile(got, 99),
                "max_ms": max(got, default=float("nan"))}

    return {"filter": summary(filt), "sort": summary(sort), "missed": missed}


# --- start-up -----------------------------------------------------------------------------
def scenario_hubstart(plan: Any, home: Path) -> dict[str, Any]:
    from hubrig import time_to_healthz

    out: dict[str, Any] = {}
    with FarmProcess([Spec("Garage", seed=1)]) as farm:
        healthz = []
        for k in range(plan.starts):
            hub = Hub(farm.targets(), home / f"h{k}")
            try:
                healthz.append(time_to_healthz(hub.port, hub.started))
            finally:
                hub.stop()
        out["healthz_s"] = healthz
        hub = Hub(farm.targets(), home / "hub")
        try:
            hub.wait_ready()
            time.sleep(1.5)
            frames = []
            for k in range(plan.starts):
                proc = _monitor(["--hub", hub.url], home / f"m{k}")
                try:
                    frames.append(proc.wait_marker(15.0))
                finally:
                    proc.stop(b"q")
                time.sleep(0.3)
            out["attached_first_s"] = frames
            env = term_env(home / "status")
            walls, codes = [], set()
            for _ in range(plan.status_runs):
                t0 = time.monotonic()
                done = subprocess.run(twc_argv("status", "--hub", hub.url), env=env,
                                      capture_output=True, timeout=30, check=False)
                walls.append(time.monotonic() - t0)
                codes.add(done.returncode)
            argv = twc_argv("status", "--hub", hub.url)
            traced = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], env=env,
                                    capture_output=True, text=True, timeout=30, check=False)
        finally:
            hub.stop()
    modules = [line.rsplit("|", 1)[-1].strip() for line in traced.stderr.splitlines()
               if line.startswith("import time:")]
    out["status"] = {"walls": walls, "median_s": harness.median(walls), "codes": sorted(codes),
                     "modules": len(modules),
                     "heavy": sorted({m.split(".")[0] for m in modules}
                                     & {"textual", "rich", "sqlite3", "aiohttp", "twc_tui"})}
    return out
